"""`procwatch show UID --evidence DIR`: the source response as received, its SHA-256, retrieval time and
URL without the key, each stored record, and a provenance text, verified against SHA256SUMS."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zlib

import pytest
from conftest import fixture_bytes

from bot import evidence
from bot.cli import main

PAGE = fixture_bytes("sam_opportunities", "synthetic_sam_opportunities_justification_ptype_u_window.json")
JA = "sam:aa000000000000000000000000000001"


@pytest.fixture
def stored(make_app, httpserver, capsys):
    """One `once` against a SAM.gov answering with the recorded page's exact bytes; the config args."""
    httpserver.expect_request("/opportunities/v2/search").respond_with_data(
        PAGE, content_type="application/json", headers={"ETag": '"page-1"'})
    httpserver.expect_request("/prod/opportunities/v1/noticedesc").respond_with_data(
        '{"description": "The Government intends to award a sole source contract."}', content_type="application/json")
    app = make_app()
    assert app.once() == 0
    capsys.readouterr()
    return ["--config", str(app.config.path)]


def test_evidence_folder_holds_the_response_as_received_and_verifies(stored, tmp_path, capsys):
    folder = tmp_path / "evidence" / "clearview"
    assert main(stored + ["show", JA, "--evidence", str(folder)]) == 0
    said = capsys.readouterr().out
    assert f"{JA}: evidence written to {folder}" in said and "sha256sum -c SHA256SUMS" in said
    [response] = folder.glob("response-*.json")
    assert response.read_bytes() == PAGE  # byte for byte what the server sent
    digest = hashlib.sha256(PAGE).hexdigest()
    assert response.name == f"response-{digest[:12]}.json"
    text = (folder / "PROVENANCE.txt").read_text()
    assert f"SHA-256 {digest}" in text
    assert "retrieved 2026-10-02T12:00:00+00:00 (UTC) from http://localhost" in text
    assert "/opportunities/v2/search?postedFrom=09%2F18%2F2026&postedTo=10%2F02%2F2026" in text
    assert "HTTP 200, application/json" in text and f"{len(PAGE):,} bytes" in text
    assert "record-v1.json: version 1, first seen 2026-10-02T12:00:00+00:00" in text
    assert "Attachments: none downloaded." in text
    for path in folder.iterdir():  # the key never reaches the folder
        assert b"test-key-123" not in path.read_bytes() and b"api_key" not in path.read_bytes()
    assert evidence.verify(str(folder)) == []
    if shutil.which("sha256sum"):
        subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=folder, check=True)
    assert '"Clearview AI Facial Recognition Licenses - Justification and Approval"' in \
        (folder / "notice.json").read_text()


def test_a_changed_or_missing_file_fails_verification(stored, tmp_path):
    folder = tmp_path / "ev"
    assert main(stored + ["show", JA, "--evidence", str(folder)]) == 0
    record = folder / "record-v1.json"
    record.write_bytes(record.read_bytes().replace(b"225000", b"125000"))
    (folder / "notice.json").unlink()
    assert sorted(evidence.verify(str(folder))) == ["notice.json: missing", "record-v1.json: SHA-256 differs"]


def test_existing_files_are_never_overwritten(stored, tmp_path, capsys):
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    assert main(stored + ["show", JA, "--evidence", str(folder)]) == 1
    err = capsys.readouterr().err
    assert f"Error: {folder} already exists and is not an empty folder" in err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_a_notice_that_alerted_nobody_still_gets_its_stored_records(stored, tmp_path):
    folder = tmp_path / "janitorial"
    assert main(stored + ["show", "sam:aa000000000000000000000000000007", "--evidence", str(folder)]) == 0
    assert not list(folder.glob("response-*"))
    assert "No source response was kept for this notice" in (folder / "PROVENANCE.txt").read_text()
    assert evidence.verify(str(folder)) == []


def test_keys_are_removed_from_urls():
    assert evidence.without_secrets("https://api.sam.gov/x?api_key=SECRET&limit=5&token=t") == \
        "https://api.sam.gov/x?limit=5"


def test_a_response_kept_zlib_compressed_by_an_earlier_release_is_written_as_received(stored, tmp_path):
    """Responses are kept zstd-compressed now; one an earlier release kept with zlib reads the same."""
    from bot.config import load
    from bot.store import Database
    config = load(stored[1])
    db = Database(config.bot.database)
    [(blob,)] = db.db.execute("SELECT body FROM evidence_responses").fetchall()
    assert blob[:4] == evidence.ZSTD_MAGIC and evidence.body(blob) == PAGE
    db.db.execute("UPDATE evidence_responses SET body = ?", (zlib.compress(PAGE, 6),))
    db.db.commit()
    db.close()
    folder = tmp_path / "old"
    assert main(stored + ["show", JA, "--evidence", str(folder)]) == 0
    [response] = folder.glob("response-*.json")
    assert response.read_bytes() == PAGE and evidence.verify(str(folder)) == []
