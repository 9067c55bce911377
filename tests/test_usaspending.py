"""USAspending v2: a local server answering spending_by_award (synthetic page, documented shape) and
the award detail (recorded doc examples)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from conftest import NOW, fixture_json
from generic_source_helpers import HTTP_FAULTS, cursor, db, fault_drill, health, silent_port
from werkzeug import Response

from bot.classify import classify
from bot.config import SourceConfig
from bot.errors import SourceError
from bot.http import Http
from bot.notice import Notice
from bot.sources.usaspending import UsaSpending

PAGE = fixture_json("usaspending", "synthetic_spending_by_award_page_contracts.json")
DETAILS = {d["generated_unique_award_id"]: d for d in (
    fixture_json("usaspending", "apicontract_award_detail_CONT_AWD_definitive_contract_example.json"),
    fixture_json("usaspending", "apidocs2018_award_detail_CONT_sole_source_47PB0618C0001.json"),
    fixture_json("usaspending", "apicontract_award_detail_CONT_IDV_example.json"))}
SOLE_ID, COMPETED_ID = "CONT_AW_4740_-NONE-_47PB0618C0001_-NONE-", "CONT_AWD_H907_9700_SPE2DX16D1500_9700"
ALERT = "IGF::CT::IGF COPIER MAINTENANCE SERVICES FOR GSA OFFICE, SPRINGFIELD, MA"
UNUSED = ("The following filters from the request were not used: {'extent_competed_type_codes'}. "
          "See https://api.usaspending.gov/docs/endpoints for a list of appropriate filters")

WATCH = """
[watchlists.health]
vendors = ["Docusource Business Solutions"]
keywords = ["pharm branch", "copier"]

[channels.console]
kind = "console"
watchlists = ["health"]
"""


def config(tmp_path, base: str, extra: str = "") -> str:
    return (f'[bot]\ndatabase = "{tmp_path / "state" / "procwatch.db"}"\nfirst_run_alert_days = 7\n'
            f'contact = "tests@example.org"\n\n[sources.usa]\nkind = "usaspending"\nbase_url = "{base}"\n'
            f'{extra}\n{WATCH}')


class FakeUsaSpending:
    """spending_by_award (page numbers, hasNext, search-after past 50,000, 422 on mixed groups) and
    the award detail; records every search body and detail id."""

    def __init__(self, server, rows: list[dict], messages: list[str] | None = None):
        self.rows, self.messages = rows, messages or []
        self.searches: list[dict] = []
        self.details: list[str] = []
        self.fail = self.detail_fail = None
        self.skip = 0  # rows before `rows` the server pretends to hold (to reach page 50,000 cheaply)
        server.expect_request("/api/v2/search/spending_by_award/", method="POST").respond_with_handler(self._search)
        server.expect_request(re.compile(r"^/api/v2/awards/[^/]+/$")).respond_with_handler(self._detail)

    def _json(self, body, status=200):
        return Response(json.dumps(body), status=status, content_type="application/json")

    def _search(self, request):
        body = request.get_json()
        self.searches.append(body)
        if self.fail:
            return self.fail()
        codes = set(body["filters"]["award_type_codes"])
        if not (codes <= {"A", "B", "C", "D"} or all(c.startswith("IDV") for c in codes)):
            return self._json({"detail": "Field 'filters|award_type_codes' must only contain types from one group"}, 422)
        page, limit = body["page"], body["limit"]
        if page * limit > 50_000 and "last_record_unique_id" not in body:
            return self._json({"detail": "Use last_record_unique_id and last_record_sort_value past 50,000"}, 422)
        if "last_record_unique_id" in body:  # search_after: the rows after the named one
            start = 1 + next(i for i, r in enumerate(self.rows) if r["internal_id"] == body["last_record_unique_id"])
        else:
            start = (page - 1) * limit - self.skip
        rows = self.rows[start:start + limit]
        last = rows[-1] if rows else {}
        return self._json({"spending_level": "awards", "limit": limit, "results": rows, "messages": self.messages,
                           "page_metadata": {"page": page, "hasNext": start + limit < len(self.rows),
                                             "last_record_unique_id": last.get("internal_id"),
                                             "last_record_sort_value": last.get("Last Modified Date")}})

    def _detail(self, request):
        award_id = request.path.rstrip("/").rsplit("/", 1)[-1]
        self.details.append(award_id)
        if self.fail or self.detail_fail:
            return (self.fail or self.detail_fail)()
        return self._json(DETAILS[award_id]) if award_id in DETAILS else self._json({"detail": "Not found"}, 404)


def base(httpserver) -> str:
    return httpserver.url_for("").rstrip("/")


def source(base_url: str | None = None, **options) -> UsaSpending:
    cfg = SourceConfig("usa", "usaspending", base_url=base_url, options=dict(UsaSpending.OPTIONS) | options)
    return UsaSpending(cfg, Http(sleep=lambda s: None))


def rows() -> list[dict]:
    return json.loads(json.dumps(PAGE["results"]))


# -- end to end ---------------------------------------------------------------------------------------

def test_once_alerts_the_coded_sole_source_award_and_not_the_competed_one(make_app, httpserver, tmp_path, capsys):
    fake = FakeUsaSpending(httpserver, rows())
    assert make_app(text=config(tmp_path, base(httpserver))).once() == 0
    out = capsys.readouterr().out
    assert ALERT in out and "DOCUSOURCE BUSINESS SOLUTIONS, LLC" in out and "$2,208" in out
    assert ("extentCompeted=C (Not Competed); reasonNotCompeted=ONE (Only One Source-Other, FAR 6.302-1); "
            "solicitationProcedures=SSS (Only One Source)") in out
    assert f"https://www.usaspending.gov/award/{SOLE_ID}/" in out and "ref 47PB0618C0001" in out
    assert "PHARM BRANCH" not in out  # extent_competed A: competed, although "pharm branch" is watched
    body = fake.searches[0]
    assert body["filters"] == {"award_type_codes": ["A", "B", "C", "D"],
                               "time_period": [{"start_date": "2026-09-25", "end_date": "2026-10-02",
                                                "date_type": "last_modified_date"}],
                               "extent_competed_type_codes": ["B", "C", "G", "NDO"]}
    assert "generated_internal_id" in body["fields"] and body["page"] == 1 and body["limit"] == 100
    assert sorted(fake.details) == sorted([SOLE_ID, COMPETED_ID])
    verdicts = dict(db(tmp_path).execute("select native_id, competition from notices").fetchall())
    assert verdicts == {SOLE_ID: "sole_source", COMPETED_ID: "competed"}
    assert make_app(text=config(tmp_path, base(httpserver)), clock=lambda: NOW + timedelta(hours=12)).once() == 0
    assert capsys.readouterr().out == "" and len(fake.details) == 2  # seen ids cost no detail call
    assert fake.searches[-1]["filters"]["time_period"][0]["start_date"] == "2026-09-29"  # 3-day overlap


def test_a_filter_the_api_ignored_is_a_warning_in_log_and_health(make_app, httpserver, tmp_path, capsys, caplog):
    FakeUsaSpending(httpserver, rows(), messages=[UNUSED])
    assert make_app(text=config(tmp_path, base(httpserver))).once() == 0
    assert "USAspending ignored filter(s) {'extent_competed_type_codes'}" in caplog.text
    state = health(tmp_path, "usa")
    assert state["consecutive_failures"] == 0 and state["last_error"].startswith("warning: USAspending ignored")
    out = capsys.readouterr().out
    assert ALERT in out and "PHARM BRANCH" not in out  # still decided from the detail codes


def test_pages_follow_has_next(make_app, httpserver, tmp_path):
    fake = FakeUsaSpending(httpserver, rows())
    make_app(text=config(tmp_path, base(httpserver), "limit = 1")).once()
    assert [b["page"] for b in fake.searches] == [1, 2]
    assert db(tmp_path).execute("select count(*) from notices").fetchone()[0] == 2


def test_past_50000_records_paging_switches_to_search_after(httpserver):
    fake = FakeUsaSpending(httpserver, rows())
    fake.skip = 49_999
    usa = source(base(httpserver), limit=1)
    resume = {"from": "2026-09-25", "to": "2026-10-02", "page": 50_000}
    pages = list(usa.fetch(resume, NOW))
    assert [b["page"] for b in fake.searches] == [50_000, 50_001]
    assert "last_record_unique_id" not in fake.searches[0]
    assert (fake.searches[1]["last_record_unique_id"], fake.searches[1]["last_record_sort_value"]) == \
           (22834500, "2026-09-30 20:06:44")
    assert pages[0][1]["after"] == [22834500, "2026-09-30 20:06:44"] and pages[-1][1] == {"done_to": "2026-10-02"}


def test_mixed_award_groups_are_refused_in_config_and_by_the_api(httpserver):
    problems = UsaSpending.check_options(dict(UsaSpending.OPTIONS, award_type_codes=["A", "IDV_A"]))
    assert [k for k, _ in problems] == ["award_type_codes"] and "one group" in problems[0][1]
    FakeUsaSpending(httpserver, rows())
    with pytest.raises(SourceError, match="HTTP 422.*must only contain types from one group"):
        list(source(base(httpserver), award_type_codes=["A", "IDV_A"]).fetch(None, NOW))


def test_detail_codes_current_and_2018_names_and_idv_nulls():
    usa = source()
    verdicts = {i: classify(usa.apply_detail(Notice("usa", i), json.dumps(d))) for i, d in DETAILS.items()}
    assert verdicts[SOLE_ID].codes["reason_not_competed"] == ["ONE"]  # recovered from the 2018 label
    assert verdicts[SOLE_ID].competition == "sole_source"
    assert verdicts[COMPETED_ID].competition == "competed" and verdicts[COMPETED_ID].codes["idv"] == ["SPE2DX16D1500"]
    assert verdicts["CONT_IDV_FA304715A0037_9700"].competition == "unknown"


def test_an_idv_is_kind_idv_and_a_row_without_dates_is_dated_from_its_detail():
    usa = source()
    idv_id = "CONT_IDV_FA304715A0037_9700"
    row = {"Award ID": "FA304715A0037", "generated_internal_id": idv_id, "Recipient Name": "X"}  # no date field
    notice = usa.parse({"results": [row]})[0]
    assert (notice.kind, notice.posted_at) == ("idv", None)
    detail = DETAILS[idv_id]
    dated = usa.apply_detail(notice, json.dumps(detail))
    assert dated.posted_at == (detail.get("date_signed") or detail["period_of_performance"]["start_date"])[:10]
    award = usa.parse({"results": [dict(row, generated_internal_id=SOLE_ID, **{"Base Obligation Date": "2018-01-05"})]})[0]
    assert award.kind == "award" and usa.apply_detail(award, json.dumps(DETAILS[SOLE_ID])).posted_at == "2018-01-05"


def test_an_award_without_detail_is_stored_unknown_and_not_alerted(make_app, httpserver, tmp_path, capsys):
    lost = dict(rows()[1], generated_internal_id="CONT_AWD_GONE_4740_-NONE-_-NONE-")
    FakeUsaSpending(httpserver, [lost])
    assert make_app(text=config(tmp_path, base(httpserver))).once() == 0
    assert capsys.readouterr().out == ""
    assert db(tmp_path).execute("select competition from notices").fetchone()[0] == "unknown"


# -- faults -------------------------------------------------------------------------------------------

FAULTS = dict(HTTP_FAULTS) | {
    "truncated body": (lambda: Response(json.dumps(PAGE)[:700], content_type="application/json"), "malformed JSON"),
    "results not a list": (lambda: Response('{"results": "oops"}', content_type="application/json"),
                           "without results"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_recorded_cursor_kept_and_recovery_alerts_once(fault, make_app, httpserver, tmp_path, capsys, caplog):
    respond, message = FAULTS[fault]
    fake = FakeUsaSpending(httpserver, rows())
    fake.fail = respond

    def heal():
        fake.fail = None

    fault_drill(make_app, config(tmp_path, base(httpserver)), "usa", tmp_path, capsys, caplog, message, heal, ALERT)


def test_timeout_is_one_clear_error(make_app, tmp_path):
    with silent_port() as port:
        assert make_app(text=config(tmp_path, f"http://127.0.0.1:{port}"), timeout=0.2).once() == 2
    assert "timed out after 0.2s" in health(tmp_path, "usa")["last_error"]
    assert cursor(tmp_path, "usa") is None


def test_a_failed_detail_fails_the_poll_and_keeps_the_cursor(make_app, httpserver, tmp_path, capsys):
    fake = FakeUsaSpending(httpserver, rows())
    fake.detail_fail = lambda: Response("<html>Bad Gateway</html>", status=502, content_type="text/html")
    assert make_app(text=config(tmp_path, base(httpserver))).once() == 2
    assert "HTTP 502" in health(tmp_path, "usa")["last_error"] and cursor(tmp_path, "usa") is None
    fake.detail_fail = None
    assert make_app(text=config(tmp_path, base(httpserver)), clock=lambda: NOW + timedelta(hours=1)).once() == 0
    assert capsys.readouterr().out.count(ALERT) == 1 and cursor(tmp_path, "usa") == {"done_to": "2026-10-02"}


def test_readme_examples_for_the_us_award_sources_are_valid(tmp_path, monkeypatch):
    from pathlib import Path

    from bot.config import load
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme[readme.index("#### US award records"):readme.index('#### `kind = "canadabuys"`')]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.DOTALL)
    path = tmp_path / "feeds.toml"
    path.write_text(f'[bot]\ndatabase = "{tmp_path / "db"}"\n' + "\n".join(blocks))
    sources = load(str(path), env={"SAM_API_KEY": "k"}).sources
    assert {s.kind for s in sources.values()} == {"sam_contract_awards", "usaspending", "fpds_atom"}
    assert "DoD awards appear only 90 days after signing" in section


def test_once_with_both_keyless_and_keyed_award_sources(make_app, httpserver, tmp_path, capsys):
    """The issue's "done when": both kinds pointed at local servers in one feeds.toml."""
    from test_sam_contract_awards import FakeContractAwards, competed, ge_order
    FakeUsaSpending(httpserver, rows())
    FakeContractAwards(httpserver, [competed(), ge_order("0", "28735")])
    awards = f'[sources.awards]\nkind = "sam_contract_awards"\nbase_url = "{base(httpserver)}"\n' \
             'api_key_env = "SAM_API_KEY"\nextent_competed_codes = []\n'
    text = config(tmp_path, base(httpserver)).replace("[watchlists.health]", awards + "\n[watchlists.health]")
    text = text.replace('vendors = ["Docusource Business Solutions"]',
                        'vendors = ["Docusource Business Solutions", "GE Precision Healthcare"]')
    text = text.replace('keywords = ["pharm branch", "copier"]', 'keywords = ["pharm branch", "copier", "salad mix"]')
    assert make_app(text=text).once() == 0
    out = capsys.readouterr().out
    assert "2 sole-source notices matched" in out and ALERT in out and "X-RAY EQUIPMENT MAINTENANCE" in out
    assert "PHARM BRANCH" not in out and "SALAD MIX" not in out  # competed, though their keywords are watched
