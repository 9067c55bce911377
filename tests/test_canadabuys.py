"""CanadaBuys open-data CSVs served locally: ACANs and limited-tendering reasons are sole source,
French text matches French keywords, our User-Agent gets past the firewall, faults lose nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from conftest import NOW, fixture_bytes
from generic_source_helpers import (
    HTTP_FAULTS,
    config,
    cursor,
    db,
    fault_drill,
    health,
    silent_port,
)
from werkzeug import Response

from bot.config import load
from bot.errors import ConfigError

TENDERS = "newTenderNotice-nouvelAvisAppelOffres.csv"
AWARDS = "2026-2027-awardNotice-avisAttribution.csv"  # the fiscal year holding NOW (2026-10-02)
ACAN_LINE = "1. Facial recognition software licences (M7594-260001/A)"


def fixture(name: str) -> bytes:
    return fixture_bytes("canadabuys", f"synthetic_canadabuys_{name}")


class FakeCanadaBuys:
    """/opendata/pub/ files with ETags; like the real site's firewall, refuses library User-Agents."""

    def __init__(self, server):
        self.files = {TENDERS: fixture(TENDERS), AWARDS: fixture(AWARDS)}
        self.content_type = "text/csv; charset=utf-8"
        self.requests: list = []
        server.expect_request("/opendata/pub/" + TENDERS).respond_with_handler(self._serve)
        server.expect_request("/opendata/pub/" + AWARDS).respond_with_handler(self._serve)

    def _serve(self, request):
        self.requests.append(request)
        if not request.headers.get("User-Agent", "").startswith("procwatch/"):
            return Response("<html><title>403 Forbidden</title></html>", status=403, content_type="text/html")
        body = self.files[request.path.rsplit("/", 1)[1]]
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:12]
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, headers={"ETag": etag}, content_type=self.content_type)


@pytest.fixture
def canada(httpserver):
    return FakeCanadaBuys(httpserver)


@pytest.fixture
def text(tmp_path, httpserver):
    return config(tmp_path, f'[sources.canada]\nkind = "canadabuys"\nbase_url = "{httpserver.url_for("").rstrip("/")}"')


def test_once_alerts_acans_and_limited_tendering_with_french_text_matched(make_app, canada, text, capsys):
    assert make_app(text=text).once() == 0
    out = capsys.readouterr().out
    assert ACAN_LINE in out
    assert "Public Works and Government Services Canada › Royal Canadian Mounted Police" in out
    assert "notice type: Advance Contract Award Notice (ACAN: intent to sole-source)" in out
    assert 'vendor "Clearview AI" in description' in out
    assert "https://canadabuys.canada.ca/en/tender-opportunities/tender-notice/cb-900-00000001" in out
    # French only, no notice type (the ~13% blank rows): the method says ACAN; accents and case ignored.
    assert "Système de Vidéosurveillance à reconnaissance faciale" in out
    assert 'keyword "reconnaissance faciale" in title' in out and 'keyword "videosurveillance" in title' in out
    # A limited-tendering reason (multi-value cell) makes a notice of proposed procurement sole source.
    assert "Cellular forensic extraction kits" in out
    assert "limited-tender reason=Exclusive rights" in out and "Absence of competition for technical reasons" in out
    # The award notice: supplier, amount in CAD, award date.
    assert "Licence renewal, facial comparison tool" in out
    assert "Vendor:   Clearview AI, Inc." in out and "CAD 250,000" in out and "awarded 2026-09-26" in out
    # Competitive notices that mention watched words are stored, not alerted.
    assert "Body-worn camera storage services" not in out and "Radio maintenance" not in out
    assert "Janitorial services" not in out


def test_every_row_is_stored_once_with_its_verdict_and_french_text(make_app, canada, text, tmp_path):
    make_app(text=text).once()
    rows = {r["native_id"]: r for r in db(tmp_path).execute("select * from notices")}
    assert len(rows) == 7  # 5 tender notices (the ACAN row twice: amendments 001 and 000) + 2 awards
    verdicts = {k: (r["kind"], r["competition"]) for k, r in rows.items()}
    assert verdicts == {
        "cb-900-00000001": ("intent", "sole_source"), "cb-900-00000002": ("tender", "competed"),
        "cb-900-00000003": ("intent", "sole_source"), "cb-900-00000004": ("intent", "sole_source"),
        "cb-900-00000005": ("tender", "competed"),
        "cb-900-00000011:award:clearview-ai-inc": ("award", "sole_source"),
        "cb-900-00000012:award:acme-radio-ltd": ("award", "competed"),
    }
    acan = rows["cb-900-00000001"]
    assert "Amendment 001" in acan["description"]  # the latest amendment wins, whatever the row order
    assert "Licences de logiciel de reconnaissance faciale" in acan["description"]  # French kept
    assert acan["reference"] == "M7594-260001/A"


def test_requests_carry_our_user_agent_and_unchanged_files_are_not_downloaded(make_app, canada, text,
                                                                              tmp_path, capsys):
    make_app(text=text).once()
    capsys.readouterr()
    assert {r.path for r in canada.requests} == {"/opendata/pub/" + TENDERS, "/opendata/pub/" + AWARDS}
    assert all(r.headers["User-Agent"].startswith("procwatch/") and "tests@example.org" in r.headers["User-Agent"]
               for r in canada.requests)
    assert set(cursor(tmp_path, "canada")["files"]) == {TENDERS, AWARDS}
    assert make_app(text=text, clock=lambda: NOW + timedelta(hours=6)).once() == 0
    again = canada.requests[2:]
    assert [r.headers.get("If-None-Match") is not None for r in again] == [True, True]
    assert capsys.readouterr().out == ""
    assert health(tmp_path, "canada")["consecutive_failures"] == 0


def test_firewall_refusal_names_the_user_agent(make_app, canada, text, tmp_path, caplog):
    app = make_app(text=text)
    app.http.session.headers["User-Agent"] = "python-requests/2.34"
    assert app.once() == 2
    assert "HTTP 403" in caplog.text and "refuses some User-Agents" in caplog.text


def test_amendment_updates_the_notice_without_a_second_alert(make_app, canada, text, tmp_path, capsys):
    make_app(text=text).once()
    capsys.readouterr()
    canada.files[TENDERS] = canada.files[TENDERS].replace(b"Amendment 001:", b"Amendment 001 (corrected):")
    assert make_app(text=text, clock=lambda: NOW + timedelta(hours=6)).once() == 0
    assert capsys.readouterr().out == ""  # description-only change: a new version, not news
    versions = db(tmp_path).execute("select version from notices where native_id = 'cb-900-00000001'").fetchone()
    assert versions[0] == 2


@pytest.mark.parametrize("encode, content_type", [
    (lambda b: b, "text/csv; charset=ISO-8859-1"),                       # UTF-8 with BOM, charset wrong
    (lambda b: b[3:], "text/csv"),                                        # UTF-8 without BOM
    (lambda b: b[3:].decode("utf-8").encode("cp1252"), "text/csv; charset=utf-8"),  # Windows-1252
], ids=["utf8-bom-labelled-latin1", "utf8-no-bom", "cp1252"])
def test_encodings_keep_french_accents(encode, content_type, make_app, canada, text, tmp_path):
    canada.files[TENDERS] = encode(canada.files[TENDERS])
    canada.content_type = content_type
    assert make_app(text=text).once() == 0
    titles = [r[0] for r in db(tmp_path).execute("select title from notices")]
    assert "Système de Vidéosurveillance à reconnaissance faciale — points d'entrée" in titles


FAULTS = HTTP_FAULTS | {
    "truncated inside a quoted cell": (lambda: Response(fixture(TENDERS)[:3000], content_type="text/csv"),
                                       "truncated or malformed"),
    "truncated at a row break": (lambda: Response(fixture(TENDERS)[:fixture(TENDERS).rindex(b'","') + 1],
                                                  content_type="text/csv"), "truncated"),
    "not a CanadaBuys file": (lambda: Response("id,name\r\n1,x\r\n", content_type="text/csv"),
                              "is not a CanadaBuys notice file"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_recorded_cursor_kept_and_recovery_alerts_once(fault, make_app, httpserver, text, tmp_path,
                                                                capsys, caplog):
    respond, message = FAULTS[fault]
    httpserver.expect_oneshot_request("/opendata/pub/" + TENDERS).respond_with_handler(lambda r: respond())
    fault_drill(make_app, text, "canada", tmp_path, capsys, caplog, message,
                lambda: FakeCanadaBuys(httpserver), ACAN_LINE)


def test_timeout_is_one_clear_line(make_app, tmp_path, caplog):
    with silent_port() as port:
        text = config(tmp_path, f'[sources.canada]\nkind = "canadabuys"\nbase_url = "http://127.0.0.1:{port}"')
        assert make_app(text=text, timeout=0.2).once() == 2
    assert f"timed out after 0.2s waiting for http://127.0.0.1:{port}/opendata/pub/{TENDERS}" in caplog.text
    assert health(tmp_path, "canada")["consecutive_failures"] == 1


@pytest.mark.parametrize("now, name", [
    (datetime(2027, 3, 31, 23, tzinfo=UTC), "2026-2027-awardNotice-avisAttribution.csv"),
    (datetime(2027, 4, 1, 1, tzinfo=UTC), "2027-2028-awardNotice-avisAttribution.csv"),
])
def test_award_file_follows_the_fiscal_year(now, name, make_app, httpserver, text):
    seen = []
    httpserver.expect_request(f"/opendata/pub/{name}").respond_with_handler(
        lambda r: seen.append(r.path) or Response(fixture(AWARDS), content_type="text/csv"))
    httpserver.expect_request(f"/opendata/pub/{TENDERS}").respond_with_data(fixture(TENDERS))
    assert make_app(text=text, clock=lambda: now).once() == 0
    assert seen == [f"/opendata/pub/{name}"]


@pytest.mark.parametrize("extra, problem", [
    ('languages = ["en"]', 'sources.canada.languages: use "eng" and/or "fra"'),
    ('files = ["../secret.csv"]', "sources.canada.files: '../secret.csv' is not a CSV file name"),
    ("files = []", "sources.canada.files: list at least one file"),
])
def test_bad_options_are_reported_with_their_line(extra, problem, tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(config(tmp_path, f'[sources.canada]\nkind = "canadabuys"\n{extra}'))
    with pytest.raises(ConfigError) as e:
        load(str(path))
    assert f"feeds.toml:8: {problem}" in str(e.value)


def test_hostile_and_huge_cells_are_inert_and_do_not_fail_the_file(make_app, canada, text, tmp_path, capsys):
    huge = "Clearview AI sole source. " * 20_000  # a 520 KB description cell
    canada.files[TENDERS] = canada.files[TENDERS].replace(
        b"Cellular forensic extraction kits", "<script>alert(1)</script>Cellular \x1b[2J\u202eforensic kits".encode()) \
        .replace(b"Replacement kits compatible", huge.encode() + b"Replacement kits compatible")
    assert make_app(text=text).once() == 0
    out = capsys.readouterr().out
    row = db(tmp_path).execute("select title, description from notices where native_id = 'cb-900-00000004'").fetchone()
    assert row["title"].startswith("Cellular ") and row["title"].endswith(" forensic kits")
    assert len(row["description"]) < 120_000
    for bad in ("<script", "alert(", "\x1b", "\u202e"):
        assert bad not in row["title"] and bad not in out
    assert "forensic kits" in out
