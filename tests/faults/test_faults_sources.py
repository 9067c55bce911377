"""Every source kind × every transport and payload fault, built from one small table per kind.

For each kind in bot.sources.REGISTRY: a config snippet, the recorded (or labelled synthetic)
fixtures that make a good answer, and the URL paths they are served on. A local server first
answers every request with the fault; the bot must keep running (`once` exits 2, no traceback),
record one clear error in source_health, and leave the cursor where it was. Then the server
recovers: the next poll alerts every stored notice once (a watchlist that follows every verdict)
and the poll after it alerts nothing. A wrong charset may also be read correctly; garbage never.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
from datetime import timedelta

import pytest
from conftest import NOW, fixture_bytes
from werkzeug import Response

from bot.app import App
from bot.config import load
from bot.sources import REGISTRY

CAP = 1_000_000  # the Http size cap in these tests (procwatch's default is 20 MB)
PAGE_SELECTORS = ('item = "table.notices tbody tr"\ntitle = "td.title"\nlink = "td.title a[href]"\n'
                  'date = "td.posted"\ntext = "td.summary"\nassume = "sole_source"\nagency = "City of Riverton"\n')
CT = {"json": "application/json", "xml": "application/xml", "csv": "text/csv; charset=utf-8",
      "html": "text/html; charset=utf-8"}

# kind: (config lines, format, [(path fragment, fixture folder, fixture file)])
KINDS = {
    "sam_opportunities": ('api_key_env = "SAM_API_KEY"', "json", [
        ("/opportunities/v2/search", "sam_opportunities", "synthetic_sam_opportunities_justification_ptype_u_window.json")]),
    "sam_contract_awards": ('api_key_env = "SAM_API_KEY"', "json", [
        ("/contract-awards/v1/search", "sam_contract_awards",
         "opengsa_contract_awards_ex2_purchase_orders_not_competed_approvedDate.json")]),
    "usaspending": ("", "json", [
        ("/api/v2/search/spending_by_award/", "usaspending", "synthetic_spending_by_award_page_contracts.json"),
        ("/api/v2/awards/", "usaspending", "apidocs2018_award_detail_CONT_sole_source_47PB0618C0001.json")]),
    "fpds_atom": ("", "xml", [
        ("/ezsearch/FEEDS/ATOM", "fpds_atom", "dherincx92_fpds_truncated_response_no_paging_links.xml")]),
    "ted": ("", "json", [("/v3/notices/search", "ted", "synthetic_ted_v3_search_neg_wo_call_veat_5_notices.json")]),
    "uk_find_a_tender": ("", "json", [
        ("/api/1.0/ocdsReleasePackages", "uk_fts", "synthetic_fts_ocdsReleasePackages_uk5_direct_award_1e9999_page1.json")]),
    "uk_contracts_finder": ("", "json", [
        ("/Published/Notices/OCDS/Search", "uk_contracts_finder", "cf_ocds_search_page1_SUBSET_direct_limited_only.json")]),
    "austender": ("", "json", [
        ("/ocds/findByDates/", "austender", "synthetic_austender_findByDates_contractPublished_page1.json")]),
    "ocds": ("", "json", [("/api/records", "ocds", "synthetic_ocds_record_package_compiled_and_embedded.json")]),
    "canadabuys": ("", "csv", [
        ("newTenderNotice", "canadabuys", "synthetic_canadabuys_newTenderNotice-nouvelAvisAppelOffres.csv"),
        ("awardNotice", "canadabuys", "synthetic_canadabuys_2026-2027-awardNotice-avisAttribution.csv")]),
    "sam_extract": ('path = "/extract.csv"\ndownload_dir = "{state}"', "csv", [
        ("/extract.csv", "sam_extract", "ContractOpportunitiesFullCSV_sample.csv")]),
    "feed": ('allow_private = true\nurl = "{base}/feed.xml"', "xml", [("/feed.xml", "feed", "synthetic_feed_rss20_city_procurement_notices.xml")]),
    "page": ('allow_private = true\nurl = "{base}/notices"\n' + PAGE_SELECTORS, "html", [
        ("/notices", "page", "synthetic_page_city_sole_source_notices.html")]),
}
BASE_PATH = {"ocds": "/api/records"}  # kinds whose base_url is the package URL itself
# Requests a kind makes that the good answer is an empty page for: (which requests, body).
EMPTY = {"sam_contract_awards": (lambda request: request.args.get("deletedStatus") == "yes",
                                 b'{"totalRecords": 0, "awardSummary": []}')}  # no withdrawals

WATCH_ALL = """
[watchlists.everything]
competition = ["sole_source", "limited", "competed", "unknown"]

[channels.console]
kind = "console"
watchlists = ["everything"]
"""


def good_body(folder: str, name: str) -> bytes:
    """The fixture as served: a next link blanked, so one window is one page (paging has its own tests)."""
    body = fixture_bytes(folder, name)
    return re.sub(rb'("next"\s*:\s*)"[^"]*"', rb'\1""', body)


def faults(fmt: str) -> dict:
    """fault name -> (how to serve it, or a base-URL switch for transport faults)."""
    table = {
        "timeout": "silent",
        "connection refused": "closed",
        "500": lambda body: Response("upstream exploded", status=500),
        "429 + Retry-After": lambda body: Response("slow down", status=429, headers={"Retry-After": "1500"}),
        "truncated body": lambda body: Response(body[:len(body) // 2], content_type=CT[fmt]),
        "HTML page with 200": lambda body: Response(
            "<!DOCTYPE html><html><head><title>Scheduled maintenance</title></head><body><h1>Down for "
            "maintenance</h1></body></html>", content_type="text/html"),
        "oversized body": lambda body: Response(b" " * (CAP + 1), content_type=CT[fmt]),
        "wrong charset": lambda body: Response(body.decode("utf-8", errors="replace").encode("utf-16"),
                                               content_type=CT[fmt]),
    }
    if fmt == "json":
        table["malformed JSON"] = lambda body: Response('{"results": [{"id": 1}, ', content_type=CT[fmt])
    if fmt == "xml":
        table["malformed XML"] = lambda body: Response('<?xml version="1.0"?><feed><entry><title>x</ti',
                                                       content_type=CT[fmt])
        table["XML entity bomb"] = lambda body: Response(
            fixture_bytes("fpds_atom", "synthetic_entity_bomb_billion_laughs.xml"), content_type=CT[fmt])
    return table


CASES = [(kind, fault) for kind, (_, fmt, _) in KINDS.items() for fault in faults(fmt)]


def test_the_table_covers_every_registered_source_kind():
    assert set(KINDS) == set(REGISTRY)


class Server:
    """Answers every request: the fault while `fault` is set, else the kind's good fixtures."""

    def __init__(self, httpserver, kind: str):
        _, self.fmt, paths = KINDS[kind]
        self.empty = EMPTY.get(kind, (lambda request: False, b""))
        self.paths = [(fragment, good_body(folder, name)) for fragment, folder, name in paths]
        self.fault = None
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self.serve)

    def serve(self, request):
        body = next((b for fragment, b in self.paths if fragment in request.path), None)
        if self.empty[0](request):
            body = self.empty[1]
        if self.fault is not None:
            return self.fault(body or self.paths[0][1])
        if body is None:
            return Response('{"detail": "Not found"}', status=404, content_type="application/json")
        return Response(body, content_type=CT[self.fmt])


def feeds(tmp_path, kind: str, base: str) -> str:
    lines, _, _ = KINDS[kind]
    return (f'[bot]\ndatabase = "{tmp_path / "state" / "procwatch.db"}"\nfirst_run_alert_days = 36500\n'
            f'contact = "tests@example.org"\n\n[sources.src]\nkind = "{kind}"\n'
            f'base_url = "{base + BASE_PATH.get(kind, "")}"\n{lines.format(base=base, state=tmp_path / "state")}\n'
            f'{WATCH_ALL}')


def poll(tmp_path, text: str, minutes: int, timeout: float = 5) -> int:
    """One `once` run; the fault polls use a 0.3 s deadline so a silent server costs little."""
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    from bot.http import Http
    app = App(load(str(path)), Http(contact="tests@example.org", timeout=timeout, max_bytes=CAP, sleep=lambda s: None),
              clock=lambda: NOW + timedelta(minutes=minutes))
    return app.once()


def state(tmp_path) -> tuple[dict, str | None, int, int]:
    db = sqlite3.connect(tmp_path / "state" / "procwatch.db")
    db.row_factory = sqlite3.Row
    health = db.execute("select * from source_health where source = 'src'").fetchone()
    cursor = db.execute("select cursor from cursors where source = 'src'").fetchone()
    notices = db.execute("select count(*) from notices where not withdrawn").fetchone()[0]
    queued = db.execute("select count(*), count(distinct uid) from outbox").fetchone()
    assert queued[0] == queued[1]  # one alert per notice, never two
    return dict(health) if health else {}, cursor[0] if cursor else None, notices, queued[0]


@pytest.mark.parametrize("kind, fault", CASES, ids=[f"{k}-{f}" for k, f in CASES])
def test_fault_is_one_clear_error_cursor_kept_and_recovery_alerts_once(kind, fault, httpserver, tmp_path,
                                                                         capsys, caplog, monkeypatch):
    monkeypatch.setenv("SAM_API_KEY", "faults-key")
    server = Server(httpserver, kind)
    good = feeds(tmp_path, kind, httpserver.url_for("").rstrip("/"))
    serve = faults(server.fmt)[fault]
    if serve in ("silent", "closed"):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            if serve == "silent":
                sock.listen(8)  # accepts, never answers
            else:
                sock.close()  # nothing listens: refused
            code = poll(tmp_path, good.replace(httpserver.url_for("").rstrip("/"), f"http://127.0.0.1:{port}"), 0,
                        timeout=0.3)
    else:
        server.fault = serve
        code = poll(tmp_path, good, 0, timeout=0.3)
        server.fault = None
    out = capsys.readouterr().out
    health, cursor, _, _ = state(tmp_path)
    assert "Traceback" not in caplog.text + out
    if code == 0:  # a wrong charset may be read as the real data
        assert fault == "wrong charset" and health["consecutive_failures"] == 0
        assert "\x00" not in out and "\ufffd" not in out and "lollol" not in out and len(out) < 20_000
    else:
        assert code == 2 and out == ""
        assert health["consecutive_failures"] == 1 and health["last_error"]
        assert not health["last_error"].startswith("internal error"), health["last_error"]
        assert len(health["last_error"]) < 400 and "\n" not in health["last_error"]
        assert cursor is None
    assert poll(tmp_path, good, 30) == 0  # the source recovers
    health, cursor, notices, queued = state(tmp_path)
    assert health["consecutive_failures"] == 0 and cursor is not None
    assert notices > 0 and queued == notices  # every notice served after recovery alerted, once
    printed = capsys.readouterr().out
    assert code == 0 or printed.count("== procwatch:") == 1
    assert poll(tmp_path, good, 60) == 0
    assert state(tmp_path)[3] == queued and capsys.readouterr().out == ""
