"""OCDS sources (Contracts Finder, Find a Tender, AusTender, any publisher by URL) on a local server."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

import pytest
from conftest import NOW, fixture_bytes, fixture_json
from generic_source_helpers import HTTP_FAULTS, config, cursor, db, fault_drill, health, silent_port
from werkzeug import Response

from bot.classify import classify
from bot.sources import ocds_mapping

CF_PATH = "/Published/Notices/OCDS/Search"
CF_PAGE = ("uk_contracts_finder", "cf_ocds_search_published_2025-01-20T23_to_2025-01-23T23_limit100_page1.json")
CF_SUBSET = ("uk_contracts_finder", "cf_ocds_search_page1_SUBSET_direct_limited_only.json")
FTS_PATH = "/api/1.0/ocdsReleasePackages"
FTS_PAGE = ("uk_fts", "synthetic_fts_ocdsReleasePackages_uk5_direct_award_1e9999_page1.json")
FTS_DOC = ("uk_fts", "fts_apidoc_sample_ocdsReleasePackage_200.json")
AU_PATH = re.compile(r"^/ocds/findByDates/contractPublished/[0-9T:-]+Z/[0-9T:-]+Z$")
AU_PAGES = ("synthetic_austender_findByDates_contractPublished_page1.json",
            "synthetic_austender_findByDates_contractPublished_page2_empty_cursor.json")
OCDS_PATH = "/api/records"
OCDS_RECORDS = ("ocds", "synthetic_ocds_record_package_compiled_and_embedded.json")


class FakeOcds:
    """One OCDS endpoint: `first` for a request without a cursor, `after` for one with a cursor."""

    def __init__(self, server, path, first: bytes, after: bytes | None = None):
        self.first, self.after, self.requests = first, after, []
        server.expect_request(path).respond_with_handler(self._answer)

    def _answer(self, request):
        args = {k: v[0] for k, v in parse_qs(request.query_string.decode(), keep_blank_values=True).items()}
        self.requests.append((request.path, args, request.headers.get("User-Agent", "")))
        body = self.after if "cursor" in args else self.first
        return Response(body or b'{"releases": []}', content_type="application/json")


def empty_package() -> bytes:
    return json.dumps({"version": "1.1", "releases": []}).encode()


def serve(kind: str, server) -> FakeOcds:
    """The good answers for one source kind."""
    if kind == "uk_contracts_finder":
        return FakeOcds(server, CF_PATH, fixture_bytes(*CF_PAGE), empty_package())
    if kind == "uk_find_a_tender":
        return FakeOcds(server, FTS_PATH, fixture_bytes(*FTS_PAGE), fixture_bytes(*FTS_DOC))
    if kind == "austender":
        return FakeOcds(server, AU_PATH, *(fixture_bytes("austender", p) for p in AU_PAGES))
    return FakeOcds(server, OCDS_PATH, fixture_bytes(*OCDS_RECORDS))


WATCH = {"uk_contracts_finder": 'vendors = ["Nanometrics", "KPMG"]',
         "uk_find_a_tender": 'keywords = ["facial recognition"]',
         "austender": 'keywords = ["facial recognition"]',
         "ocds": 'vendors = ["Clearview AI"]'}
ALERT = {"uk_contracts_finder": "6-off Broadband Ocean-Bottom Seismographs",
         "uk_find_a_tender": "Live facial recognition vans: software support",
         "austender": "Facial recognition software licences",
         "ocds": "Biometric identification platform licences"}
PATHS = {"uk_contracts_finder": CF_PATH, "uk_find_a_tender": FTS_PATH, "austender": AU_PATH, "ocds": OCDS_PATH}


def ocds_config(tmp_path, kind: str, base: str, extra: str = "") -> str:
    """feeds.toml for one OCDS source; old fixture dates are alerted (no first-run baseline)."""
    base = base + OCDS_PATH if kind == "ocds" else base
    text = config(tmp_path, f'[sources.src]\nkind = "{kind}"\nbase_url = "{base}"\n{extra}')
    text = text.replace("first_run_alert_days = 7", "first_run_alert_days = 100000")
    return text.replace("[channels.console]", f"[watchlists.mine]\n{WATCH[kind]}\n\n[channels.console]").replace(
        'watchlists = ["surveillance"]', 'watchlists = ["surveillance", "mine"]')


def base(httpserver) -> str:
    return httpserver.url_for("").rstrip("/")


def parsed(*parts) -> list:
    return [classify(n) for n in ocds_mapping.notices(fixture_json(*parts), "src", ocds_mapping.document_url)]


# -- the mapping on real and documented packages -------------------------------------------------

def test_contracts_finder_subset_direct_and_limited_verdicts_with_reasons():
    notices = parsed(*CF_SUBSET)
    assert len(notices) == 21  # 22 releases; the Ofcom ocid's award + awardUpdate are one procurement
    sole = [n for n in notices if n.competition == "sole_source"]
    limited = [n for n in notices if n.competition == "limited"]
    assert len(sole) == 17 and len(limited) == 4
    assert {n.codes["procedure_details"][0] for n in limited} == {"Competitive quotation (below threshold)"}
    durham = next(n for n in notices if n.agency_path == ["Durham University"])
    assert durham.competition == "sole_source" and durham.vendor_name == "Nanometrics Inc."
    assert (durham.amount, durham.currency) == (511360, "GBP")
    assert 'procedure details: "Negotiated procedure without prior publication (above threshold)"' \
        in durham.competition_evidence
    kpmg = next(n for n in notices if n.vendor_name == "KPMG LLP")  # no procurementMethod at all
    assert "procedure" not in kpmg.codes and kpmg.competition == "sole_source"
    ofcom = [n for n in notices if n.agency_path == ["Ofcom"]]
    assert len(ofcom) == 1 and ofcom[0].title == "ROSA devices for Telecoms Security Act"  # the later release
    assert ofcom[0].url.startswith("https://www.contractsfinder.service.gov.uk/Notice/")


def test_contracts_finder_full_page_counts():
    notices = parsed(*CF_PAGE)
    assert len(notices) == 94  # 100 releases, 6 ocids twice
    counts = {c: sum(n.competition == c for n in notices) for c in ("sole_source", "limited", "competed", "unknown")}
    assert counts == {"sole_source": 17, "limited": 4, "competed": 57, "unknown": 16}
    assert {n.kind for n in notices} == {"award", "tender", "other"}


def test_fts_direct_award_transparency_notice_and_overflowing_number():
    page = ocds_mapping.notices(json.loads(fixture_bytes(*FTS_PAGE)), "fts", ocds_mapping.document_url)
    uk5, grounds = (classify(n) for n in page)
    assert uk5.competition == "sole_source" and uk5.agency_path == ["Example Police and Crime Commissioner"]
    assert "notice type: UK5 (Transparency notice: intention to award directly)" in uk5.competition_evidence
    assert uk5.vendor_ids == ["gb-coh:00000001"] and (uk5.amount, uk5.currency) == (420000, "GBP")
    assert "intellectual property rights" in uk5.description
    assert grounds.amount is None and grounds.competition == "competed"  # 1e9999 did not crash anything
    doc = parsed(*FTS_DOC)
    assert len(doc) == 1 and doc[0].kind == "other" and doc[0].competition == "unknown"


def test_austender_limited_needs_a_reason_and_buyer_is_the_procuring_entity():
    first = {n.title: n for n in parsed("austender", AU_PAGES[0])}
    afp = first["Facial recognition software licences"]
    assert afp.competition == "sole_source" and afp.agency_path == ["Australian Federal Police"]
    assert any(e.startswith("limited-tender reason=10.3.b") for e in afp.competition_evidence)
    assert (str(afp.amount), afp.currency, afp.vendor_ids) == ("245000.00", "AUD", ["au-abn:00000000001"])
    assert afp.codes["unspsc"] == ["43232300"]
    assert first["Facial recognition camera maintenance"].competition == "limited"  # no reason given
    assert first["Facial recognition research platform"].competition == "competed"


def test_record_packages_use_the_compiled_or_latest_embedded_release():
    clearview, chairs = parsed(*OCDS_RECORDS)
    assert clearview.competition == "sole_source" and clearview.vendor_name == "Clearview AI, Inc."
    assert chairs.kind == "award" and chairs.vendor_name == "Example Chairs Ltd" and chairs.competition == "competed"
    fictional = parsed("ocds", "ocds_1.1_fictional_example_award_release_package.json")
    assert fictional[0].competition == "unknown" and fictional[0].vendor_name == "AnyCorp Cycle Provision"


# -- end to end: App(...).once() prints the digest of a matching sole-source notice ----------------

@pytest.mark.parametrize("kind", list(WATCH))
def test_once_prints_a_matching_sole_source_notice(kind, make_app, httpserver, tmp_path, capsys):
    serve(kind, httpserver)
    assert make_app(text=ocds_config(tmp_path, kind, base(httpserver))).once() == 0
    out = capsys.readouterr().out
    assert ALERT[kind] in out and "Verdict:  sole source" in out
    assert make_app(text=ocds_config(tmp_path, kind, base(httpserver)),
                    clock=lambda: NOW + timedelta(hours=1)).once() == 0
    assert capsys.readouterr().out == ""  # nothing alerted twice


def test_contracts_finder_digest_names_buyer_supplier_amount_and_reason(make_app, httpserver, tmp_path, capsys):
    serve("uk_contracts_finder", httpserver)
    make_app(text=ocds_config(tmp_path, "uk_contracts_finder", base(httpserver))).once()
    out = capsys.readouterr().out
    assert "Agency:   Durham University" in out and "Vendor:   Nanometrics Inc." in out
    assert "GBP 511,360" in out and "Negotiated procedure without prior publication" in out
    assert 'vendor "KPMG" in awardee' in out and "Ministry of Defence" in out
    assert "Competitive quotation" not in out


# -- paging, windows and cursors --------------------------------------------------------------------

def test_contracts_finder_windows_and_next_link_on_our_host(make_app, httpserver, tmp_path):
    cf = serve("uk_contracts_finder", httpserver)
    make_app(text=ocds_config(tmp_path, "uk_contracts_finder", base(httpserver), "lookback_days = 2")).once()
    firsts = [args for _, args, _ in cf.requests if "cursor" not in args]
    assert [(a["publishedFrom"], a["publishedTo"]) for a in firsts] == [
        ("2026-09-30T12:00:00", "2026-10-01T12:00:00"), ("2026-10-01T12:00:00", "2026-10-02T12:00:00")]
    assert firsts[0]["limit"] == "100" and firsts[0]["stages"] == "award"
    follow = [args for _, args, _ in cf.requests if "cursor" in args]
    assert len(follow) == 2 and follow[0]["cursor"].startswith("cHVibGlzaGVkRnJvbT0y")  # from links.next
    assert cursor(tmp_path, "src") == {"done_to": "2026-10-02T12:00:00+00:00"}
    cf.requests.clear()
    make_app(text=ocds_config(tmp_path, "uk_contracts_finder", base(httpserver), "lookback_days = 2"),
             clock=lambda: NOW + timedelta(hours=2)).once()
    assert [a["publishedFrom"] for _, a, _ in cf.requests if "cursor" not in a] == ["2026-10-02T11:30:00"]


def test_later_release_of_an_ocid_is_a_new_version_not_a_new_notice(make_app, httpserver, tmp_path, capsys):
    package = fixture_json(*CF_SUBSET)
    durham = next(r for r in package["releases"] if r["buyer"]["name"] == "Durham University")
    first = dict(package, releases=[durham], links={})
    later = dict(durham, id=durham["id"] + "-update", date="2025-01-24T09:00:00Z",
                 awards=[dict(durham["awards"][0], value={"amount": 600000, "currency": "GBP"})])
    fake = FakeOcds(httpserver, CF_PATH, json.dumps(first).encode())
    text = ocds_config(tmp_path, "uk_contracts_finder", base(httpserver))
    make_app(text=text).once()
    capsys.readouterr()
    fake.first = json.dumps(dict(first, releases=[later, durham])).encode()  # newer first in the page
    make_app(text=text, clock=lambda: NOW + timedelta(hours=1)).once()
    out = capsys.readouterr().out
    assert "[UPDATE] 6-off Broadband Ocean-Bottom Seismographs" in out and "GBP 600,000" in out
    rows = db(tmp_path).execute("select uid, version from notices").fetchall()
    assert [tuple(r) for r in rows] == [(f"src:{durham['ocid']}", 2)]


def test_austender_path_window_user_agent_and_no_empty_cursor(make_app, httpserver, tmp_path, capsys):
    au = serve("austender", httpserver)
    make_app(text=ocds_config(tmp_path, "austender", base(httpserver), "lookback_days = 1")).once()
    assert [(p, a) for p, a, _ in au.requests] == [
        ("/ocds/findByDates/contractPublished/2026-10-01T12:00:00Z/2026-10-02T12:00:00Z", {}),
        ("/ocds/findByDates/contractPublished/2026-09-29T12:00:00Z/2026-09-30T12:00:00Z",  # links.next
         {"cursor": "c2Vjb25kLXBhZ2U="})]  # page 2's `cursor=` (empty) is never sent
    assert all(ua.startswith("Mozilla/5.0 (compatible; procwatch/") for _, _, ua in au.requests)
    out = capsys.readouterr().out
    assert "AUD 275,000" in out and "AUD 245,000" not in out  # page 2's amendment supersedes page 1
    assert "https://api.tenders.gov.au/ocds/findById/CN9000001-A1" in out
    assert db(tmp_path).execute("select version from notices where title like 'Facial recognition software%'"
                                ).fetchone()[0] == 1


def test_contracts_finder_403_waits_five_minutes_and_keeps_the_cursor(make_app, httpserver, tmp_path, caplog):
    httpserver.expect_oneshot_request(CF_PATH).respond_with_data("Too many requests", status=403)
    assert make_app(text=ocds_config(tmp_path, "uk_contracts_finder", base(httpserver))).once() == 2
    state = health(tmp_path, "src")
    assert "HTTP 403: too many requests" in state["last_error"] and "5 minutes" in state["last_error"]
    assert cursor(tmp_path, "src") is None


@pytest.mark.parametrize("status,headers", [(429, {"Retry-After": "2"}), (503, {})])
def test_fts_short_retry_after_and_503_are_retried_within_the_poll(status, headers, make_app, httpserver,
                                                                  tmp_path, capsys):
    httpserver.expect_oneshot_request(FTS_PATH).respond_with_data("busy", status=status, headers=headers)
    serve("uk_find_a_tender", httpserver)
    assert make_app(text=ocds_config(tmp_path, "uk_find_a_tender", base(httpserver))).once() == 0
    assert ALERT["uk_find_a_tender"] in capsys.readouterr().out


def test_fts_windows_are_six_hours_with_the_documented_parameters(make_app, httpserver, tmp_path):
    fts = serve("uk_find_a_tender", httpserver)
    make_app(text=ocds_config(tmp_path, "uk_find_a_tender", base(httpserver), "lookback_days = 1")).once()
    firsts = [a for _, a, _ in fts.requests if "cursor" not in a]
    assert [a["updatedFrom"] for a in firsts] == ["2026-10-01T12:00:00", "2026-10-01T18:00:00",
                                                   "2026-10-02T00:00:00", "2026-10-02T06:00:00"]
    assert set(firsts[0]) == {"updatedFrom", "updatedTo", "limit", "stages"} and firsts[0]["stages"] == "tender,award"


# -- faults -------------------------------------------------------------------------------------------

FAULTS = dict(HTTP_FAULTS) | {
    "truncated body": (lambda: Response(fixture_bytes(*CF_SUBSET)[:5000], content_type="application/json"),
                       "malformed JSON"),
    "not ocds": (lambda: Response('{"message": "Internal server error"}', content_type="application/json"),
                 "neither releases nor records"),
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("kind", list(WATCH))
def test_fault_is_recorded_cursor_kept_and_recovery_alerts_once(kind, fault, make_app, httpserver, tmp_path,
                                                                 capsys, caplog):
    respond, message = FAULTS[fault]
    httpserver.expect_oneshot_request(PATHS[kind]).respond_with_handler(lambda request: respond())
    fault_drill(make_app, ocds_config(tmp_path, kind, base(httpserver)), "src", tmp_path, capsys, caplog,
                message, lambda: serve(kind, httpserver), ALERT[kind])


@pytest.mark.parametrize("kind", list(WATCH))
def test_timeout_is_one_clear_error(kind, make_app, tmp_path):
    with silent_port() as port:
        app = make_app(text=ocds_config(tmp_path, kind, f"http://127.0.0.1:{port}"), timeout=0.2)
        assert app.once() == 2
    assert "timed out after 0.2s" in health(tmp_path, "src")["last_error"]
    assert cursor(tmp_path, "src") is None


def test_hostile_markup_in_a_title_is_text(make_app, httpserver, tmp_path, capsys):
    package = fixture_json(*CF_SUBSET)
    durham = next(r for r in package["releases"] if r["buyer"]["name"] == "Durham University")
    durham["tender"]["title"] = "<script>alert(1)</script>Seismographs \x1b[31m<b>now</b>"
    FakeOcds(httpserver, CF_PATH, json.dumps(dict(package, releases=[durham], links={})).encode())
    make_app(text=ocds_config(tmp_path, "uk_contracts_finder", base(httpserver))).once()
    out = capsys.readouterr().out
    assert "Seismographs" in out and "<script>" not in out and "\x1b" not in out and "<b>" not in out


def test_page_dates_are_utc_windows_whatever_the_clock_zone(make_app, httpserver, tmp_path):
    fts = serve("uk_find_a_tender", httpserver)
    paris = datetime(2026, 10, 2, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    make_app(text=ocds_config(tmp_path, "uk_find_a_tender", base(httpserver), "lookback_days = 1"),
             clock=lambda: paris).once()
    assert fts.requests[0][1]["updatedFrom"] == "2026-10-01T12:00:00"


def test_readme_examples_for_ted_and_ocds_kinds_load(tmp_path):
    from pathlib import Path

    from bot.config import load
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme[readme.index('#### `kind = "ted"`'):readme.index("**All OCDS kinds**")]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.DOTALL)
    path = tmp_path / "feeds.toml"
    path.write_text(f'[bot]\ndatabase = "{tmp_path / "db"}"\n' + "\n".join(blocks))
    sources = load(str(path), env={}).sources
    assert sorted(s.kind for s in sources.values()) == [
        "austender", "ocds", "ted", "uk_contracts_finder", "uk_find_a_tender"]
    assert sources["ted"].options["languages"] == ["eng", "fra"]
