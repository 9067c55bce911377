"""`procwatch browse`: Datasette on a store built by the real pipeline, its canned queries fetched over
HTTP from 127.0.0.1 (and, where Chromium is installed, rendered headless with screenshots logged)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from conftest import free_port
from test_flags import SECOND_JA, sam_rows  # noqa: F401 (the fixture: two Clearview J&As and an intent)

from bot.browse import QUERIES, metadata
from bot.cli import main

pytest.importorskip("datasette", reason="Datasette is the optional extra 'browse' (installed by make install)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def served(make_app, fake_sam, tmp_path):
    """`procwatch browse` running on a free port over a once-polled store; yields its base URL."""
    app = make_app()
    assert app.once() == 0
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(app.config.path), "browse",
                               "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        yield base + "/procwatch"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


def _wait_until_up(base: str, server) -> None:
    """Poll until Datasette answers (it takes a second or two to start); fail with its output."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail("procwatch browse exited: " + server.stdout.read().decode())
        try:
            requests.get(base + "/-/versions.json", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    pytest.fail("procwatch browse did not start within 30 s")


def rows(url: str, **params) -> list[dict]:
    resp = requests.get(url + ".json", params={"_shape": "array", **params}, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_canned_queries_answer_with_the_stored_notices(served):
    week = rows(served + "/sole_source_this_week", since="2026-09-25")
    assert {r["title"] for r in week} >= {"Clearview AI Facial Recognition Licenses - Justification and Approval",
                                          SECOND_JA["title"], "Facial Recognition Software Licenses"}
    assert rows(served + "/sole_source_this_week") == []  # the default week is the real one: 2026-09 is past
    [vendor] = [r for r in rows(served + "/by_vendor") if r["vendor_name"] == "CLEARVIEW AI, INC."]
    assert vendor["notices"] == 2 and vendor["total_amount"] == 565000
    agencies = {r["agency"]: r["notices"] for r in rows(served + "/by_agency")}
    assert agencies["HOMELAND SECURITY, DEPARTMENT OF › U.S. CUSTOMS AND BORDER PROTECTION › OFFICE OF ACQUISITION"] == 2
    assert rows(served + "/largest_amounts")[0]["amount"] == 340000.0  # a REAL column: sorts as a number
    [repeat] = rows(served + "/repeat_vendors")
    assert repeat["vendor_name"] == "CLEARVIEW AI, INC." and repeat["procurements"] == 2
    flagged = {(r["uid"], r["flag"]) for r in rows(served + "/flagged_notices")}
    assert ("sam:bb000000000000000000000000000011", "near_threshold") in flagged
    assert ("sam:aa000000000000000000000000000001", "repeat_vendor") in flagged
    found = rows(served + "/search", q="investigative licences")
    assert [r["uid"] for r in found] == ["sam:bb000000000000000000000000000011"]
    assert rows(served + "/search", q='licences" OR "facial') == []  # a phrase, never FTS syntax


def test_pages_show_descriptions_and_render_in_headless_chromium(served, tmp_path):
    page = requests.get(served, timeout=10).text
    for title, _, _ in QUERIES.values():
        assert title in page  # every canned query is listed on the database page
    table = requests.get(served + "/notices", timeout=10).text
    assert "the verdict: sole_source, limited, competed or unknown" in table  # column description
    tables = requests.get(served + ".json", timeout=10).json()["tables"]
    hidden = {t["name"] for t in tables if t["hidden"]}
    assert "outbox" in hidden and "notices" not in hidden and "flags" not in hidden
    if not CHROMIUM:
        pytest.skip("no Chromium installed: pages were checked over HTTP only")
    for name, url in (("flagged", served + "/flagged_notices"), ("week", served + "/sole_source_this_week?since=2026-09-25")):
        shot = tmp_path / f"browse-{name}.png"
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run",
                        f"--user-data-dir={tempfile.mkdtemp()}", "--window-size=1280,900",
                        f"--screenshot={shot}", url], check=True, capture_output=True, timeout=60)
        assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        print(f"screenshot: {shot}")


def test_metadata_describes_every_canned_query_and_hides_private_tables():
    meta = metadata("procwatch")["databases"]["procwatch"]
    assert set(meta["queries"]) == {"sole_source_this_week", "by_agency", "by_vendor", "largest_amounts",
                                    "repeat_vendors", "flagged_notices", "search"}
    assert meta["tables"]["outbox"] == {"hidden": True}  # recipients' addresses stay out of the listing


def test_browse_without_a_database_says_so(tmp_path, capsys):
    config = tmp_path / "feeds.toml"
    config.write_text(f'[bot]\ndatabase = "{tmp_path / "none.db"}"\ncontact = "t@example.org"\n')
    assert main(["--config", str(config), "browse"]) == 1
    assert f"Error: no database at {tmp_path / 'none.db'}" in capsys.readouterr().err
    assert not Path(tmp_path / "none.db").exists()
