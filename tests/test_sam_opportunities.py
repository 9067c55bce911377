"""The SAM.gov opportunities source against recorded responses: parsing, paging, descriptions, budget."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from decimal import Decimal

from conftest import NOW, fixture_json
from werkzeug import Response

from bot.config import SourceConfig
from bot.http import Http
from bot.sources.sam_opportunities import SamOpportunities

LIVE = "proposal-ai_search_2026-01-01_to_2026-02-02_limit10_mixed_types.json"


def source(**options) -> SamOpportunities:
    cfg = SourceConfig("sam", "sam_opportunities", base_url="http://127.0.0.1:9",
                       options=SamOpportunities.OPTIONS | {"notice_types": list("upakosrgi")} | options,
                       secrets={"api_key": "k"})
    return SamOpportunities(cfg, Http(sleep=lambda s: None))


def test_live_page_parses_every_notice_with_its_award_fields():
    notices = source().parse(fixture_json("sam_opportunities", LIVE))
    assert len(notices) == 10
    award = next(n for n in notices if n.kind == "award")
    assert award.uid == "sam:f90fba9ebf6243ed8290c4ed4603c182"
    assert award.vendor_name == "CANCER CAREPOINT ASSOCIATES, LLC"
    assert award.vendor_ids == ["uei:LPZ2UE7MLNL5", "cage:135X2"]
    assert award.amount == Decimal("5000000.00") and award.currency == "USD"
    assert award.awarded_at == "2026-01-29" and award.posted_at == "2026-02-02"
    assert award.reference == "36F79726D0065"  # the PIID links it to award records
    assert award.agency_path == ["VETERANS AFFAIRS, DEPARTMENT OF", "VETERANS AFFAIRS, DEPARTMENT OF",
                                 "NAC FEDERAL SUPPLY SCHEDULE (36F797)"]
    assert award.url == "https://sam.gov/workspace/contract/opp/f90fba9ebf6243ed8290c4ed4603c182/view"
    assert award.codes["naics"] == ["561320"] and "set_aside" not in award.codes  # "" is no set-aside
    navy = next(n for n in notices if n.title.startswith("MIL-PRF-24282A"))
    assert navy.agency_path == ["DEPT OF DEFENSE", "DEPT OF THE NAVY", "NAVSEA", "NAVSEA HQ"]
    assert navy.amount is None and navy.vendor_name == "" and navy.kind == "other"


def test_agency_names_with_dots_stay_one_level():
    rows = fixture_json("sam_opportunities", "synthetic_sam_opportunities_justification_ptype_u_window.json")
    [first] = source().parse({"opportunitiesData": rows["opportunitiesData"][:1]})
    assert first.agency_path == ["HOMELAND SECURITY, DEPARTMENT OF", "U.S. CUSTOMS AND BORDER PROTECTION",
                                 "OFFICE OF ACQUISITION"]
    assert first.kind == "justification" and first.codes["notice_type"] == ["Justification"]


def test_doc_examples_with_null_strings_and_legacy_fields():
    [legacy] = source().parse(fixture_json("sam_opportunities", "opengsa_doc_ex1_ptype_a_award_notice_v2_response.json"))
    assert legacy.title == "Historic Office Renovation"  # trailing space trimmed
    assert legacy.reference == "47PF0018C0066" and legacy.amount == Decimal("800620")
    assert legacy.agency_path  # from the deprecated department/subTier/office fields
    record = fixture_json("sam_opportunities", "opengsa_doc_ex2_award_notice_single_record_fh_fields.json")
    [placeholder] = source().parse({"opportunitiesData": [record]})
    assert placeholder.url == "https://sam.gov/opp/ff826a59eac743c4a1a07ff5e0cf3e3a/view"  # uiLink "null"
    assert placeholder.description == "" and placeholder.vendor_name == ""
    assert placeholder.agency_path[-1] == "GSA/FAS CENTER FOR IT SCHEDULE PROG"


def test_notice_types_not_selected_are_dropped():
    notices = source(notice_types=["a"]).parse(fixture_json("sam_opportunities", LIVE))
    assert [n.kind for n in notices] == ["award"]


def test_paging_reads_every_page_and_commits_the_cursor(make_app, fake_sam, tmp_path):
    fake_sam.rows *= 1  # 7 rows in the window file, 6 within the 14-day lookback
    make_app("limit = 2").once()
    offsets = [s["offset"] for s in fake_sam.searches]
    assert offsets == ["0", "2", "4"] and all(s["limit"] == "2" for s in fake_sam.searches)
    db = sqlite3.connect(tmp_path / "state" / "procwatch.db")
    assert db.execute("select count(*) from notices").fetchone()[0] == 6
    cursor = json.loads(db.execute("select cursor from cursors where source='sam'").fetchone()[0])
    assert cursor == {"done_to": "2026-10-02"}


def test_description_as_json_html_or_404(httpserver):
    src = source()
    src.base_url = httpserver.url_for("").rstrip("/")
    path = "/prod/opportunities/v1/noticedesc"
    httpserver.expect_request(path, query_string={"noticeid": "j", "api_key": "k"}).respond_with_json(
        {"description": "<p>Only one <b>responsible</b> source.</p>"})
    httpserver.expect_request(path, query_string={"noticeid": "h", "api_key": "k"}).respond_with_data(
        "<p>Brand name &amp; justification</p>", content_type="text/html")
    httpserver.expect_request(path, query_string={"noticeid": "x", "api_key": "k"}).respond_with_data(
        "Description Not Found", status=404)
    notice = source().parse({"opportunitiesData": [{"noticeId": "j", "type": "Justification"}]})[0]
    assert src.fetch_detail(notice) == "Only one responsible source."
    assert src.fetch_detail(notice.replace(native_id="h")) == "Brand name & justification"
    assert src.fetch_detail(notice.replace(native_id="x")) == ""


def test_spent_budget_stops_the_source_until_the_next_utc_day(make_app, fake_sam, tmp_path, caplog):
    # A limit of 3 leaves nothing for descriptions once the day's searches are reserved: the poll
    # still completes, and reads no description at all.
    assert make_app("daily_request_limit = 3").once() == 0
    assert fake_sam.detail_requests == [] and len(fake_sam.searches) == 1
    for minutes in (30, 60):  # the second and third searches spend the day
        assert make_app("daily_request_limit = 3", clock=lambda: NOW + timedelta(minutes=minutes)).once() == 0
    result = make_app("daily_request_limit = 3", clock=lambda: NOW + timedelta(minutes=90)).once()
    assert result == 2  # the source failed, clearly
    assert "daily request budget of 3 spent" in caplog.text and "next UTC day (2026-10-03)" in caplog.text
    db = sqlite3.connect(tmp_path / "state" / "procwatch.db")
    assert db.execute("select used from request_budget").fetchone()[0] == 3
    # Same day: no request at all.
    before = len(fake_sam.searches) + len(fake_sam.detail_requests)
    make_app("daily_request_limit = 3", clock=lambda: NOW + timedelta(hours=2)).once()
    assert len(fake_sam.searches) + len(fake_sam.detail_requests) == before
    # Next UTC day: the budget is fresh, the poll completes and the waiting descriptions are read.
    assert make_app("daily_request_limit = 300", clock=lambda: NOW + timedelta(days=1)).once() == 0
    assert "aa000000000000000000000000000002" in fake_sam.detail_requests


def test_the_api_key_never_reaches_the_database_or_the_log(make_app, httpserver, tmp_path, caplog):
    httpserver.expect_request("/opportunities/v2/search").respond_with_data("<h1>API_KEY_INVALID</h1>", status=403)
    make_app().once()
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("procwatch", "urllib3")))
    assert "refused the API key" in ours and "API_KEY_INVALID" in ours and "expire every 90 days" in ours
    assert "test-key-123" not in ours
    dump = "\n".join(sqlite3.connect(tmp_path / "state" / "procwatch.db").iterdump())
    assert "test-key-123" not in dump


def test_not_found_search_is_an_empty_window(make_app, httpserver, tmp_path):
    httpserver.expect_request("/opportunities/v2/search").respond_with_response(
        Response('{"error":"No Data found"}', status=404, content_type="application/json"))
    assert make_app().once() == 0


def test_fetch_descriptions_false_makes_no_description_request_even_for_watchlist_hits(make_app, fake_sam, capsys):
    make_app("fetch_descriptions = false").once()
    out = capsys.readouterr().out
    assert fake_sam.detail_requests == []
    assert "Clearview AI Facial Recognition Licenses - Justification and Approval" in out  # still alerted


class Allowance:
    """A budget with `left` requests remaining today."""

    def __init__(self, left: int):
        self.left = left

    def spend(self, n: int = 1) -> None:
        self.left -= n

    def remaining(self) -> int:
        return self.left


def planned(left: int, watched: set[str] = frozenset(), every: float = 1800.0):
    """What the description plan reads from the synthetic window with `left` requests remaining."""
    from bot import detail_plan

    cfg = SourceConfig("sam", "sam_opportunities", every=every, options=SamOpportunities.OPTIONS,
                       secrets={"api_key": "k"})
    src = SamOpportunities(cfg, Http(sleep=lambda s: None), Allowance(left))
    rows = fixture_json("sam_opportunities", "synthetic_sam_opportunities_justification_ptype_u_window.json")
    notices = src.parse(rows)
    matcher = type("M", (), {"prefilter": staticmethod(lambda n: n.native_id[-1] in watched)})()
    return detail_plan.choose(src, notices, detail_plan.ranks(src, matcher, notices), NOW)


def test_description_plan_ranks_justifications_then_watched_then_intent_types_within_the_budget():
    uid = "sam:aa00000000000000000000000000000{}".format
    # At 12:00 with a poll every 30 min, 24 polls remain today: 48 requests stay reserved for searches.
    j_and_a = {uid(1), uid(5), uid(7)}
    assert planned(48 + 3, watched={"4"}) == (j_and_a, 4)  # the three J&As first; nothing else fits
    assert planned(48 + 4, watched={"4"}) == (j_and_a | {uid(4)}, 3)  # then the watched solicitation
    # then special notices and presolicitations, in page order; the unwatched solicitation would be last
    assert planned(48 + 6, watched={"4"}) == (j_and_a | {uid(4), uid(2), uid(3)}, 1)
    assert planned(48 + 6) == (j_and_a | {uid(2), uid(3), uid(6)}, 1)
    assert planned(48 + 100) == ({uid(i) for i in range(1, 8)}, 0)  # enough budget: every candidate
    assert planned(10) == (set(), 7)  # the search reserve comes first
    assert planned(10, every=6 * 3600)[0] == {uid(1), uid(5), uid(7), uid(2), uid(3), uid(6)}  # 2 polls left


def test_no_descriptions_when_fetch_descriptions_is_off():
    cfg_off = SamOpportunities.OPTIONS | {"fetch_descriptions": False}
    src = SamOpportunities(SourceConfig("sam", "sam_opportunities", options=cfg_off), Http())
    [first] = src.parse({"opportunitiesData": [{"noticeId": "j", "type": "Justification"}]})
    assert src.detail_rank(first, watched=True) is None
