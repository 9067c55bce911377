"""SAM.gov Contract Awards API: a local server answering in GSA's documented format (doc examples)."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta

import pytest
from conftest import NOW, fixture_json
from generic_source_helpers import HTTP_FAULTS, cursor, db, fault_drill, health, silent_port
from werkzeug import Response

from bot.classify import (EXTENT_COMPETED, FAIR_OPPORTUNITY, REASON_NOT_COMPETED, SET_ASIDE,
                          SOLICITATION_PROCEDURES, classify)
from bot.config import SourceConfig
from bot.http import Http
from bot.sources.sam_contract_awards import SamContractAwards

EX = {n: fixture_json("sam_contract_awards", f) for n, f in {
    1: "opengsa_contract_awards_ex1_dod_base_contracts_lastModifiedDate.json",
    2: "opengsa_contract_awards_ex2_purchase_orders_not_competed_approvedDate.json",
    3: "opengsa_contract_awards_ex3_gsa_idv_contractId_only.json",
    4: "opengsa_contract_awards_ex4_va_services_small_business_sections.json",
    5: "opengsa_contract_awards_ex5_deleted_contracts_deletedStatus.json"}.items()}
PIID = "15B61524P00000105"  # the BOP purchase order of ex2 (ONE + SSS, no extentCompeted)
ALERT = "X-RAY EQUIPMENT MAINTENANCE"

WATCH = """
[watchlists.health]
vendors = ["GE Precision Healthcare", "Docusource Business Solutions"]
keywords = ["salad mix", "pharm branch", "utilities"]

[channels.console]
kind = "console"
watchlists = ["health"]
"""


def config(tmp_path, base: str, extra: str = "", before: str = "") -> str:
    return (f'[bot]\ndatabase = "{tmp_path / "state" / "procwatch.db"}"\nfirst_run_alert_days = 7\n'
            f'contact = "tests@example.org"\n\n{before}\n[sources.awards]\nkind = "sam_contract_awards"\n'
            f'base_url = "{base}"\napi_key_env = "SAM_API_KEY"\n{extra}\n{WATCH}')


def moved(record: dict, day: str = "2026-10-01", **contract_id) -> dict:
    """A copy of a doc-example record modified/approved on `day` (inside the test window)."""
    r = copy.deepcopy(record)
    tx = r["awardDetails"]["transactionData"]
    tx["lastModifiedDate"], tx["approvedDate"] = f"{day}T12:00:00Z", f"{day}T11:00:00Z"
    r["contractId"].update(contract_id)
    return r


def competed() -> dict:
    """ex1: a competed DLA order (extentCompeted A) for SALAD MIX."""
    return moved(EX[1]["awardSummary"][0])


def ge_order(mod: str = "P00003", total: str | None = None, day: str = "2026-10-01") -> dict:
    """ex2's sole-source purchase order; mod "0" with `total` "28735" (its baseDollarsObligated) is
    the base award derived from it, other mods are further modifications."""
    r = moved(EX[2]["awardSummary"][0], day, modificationNumber=mod)
    if total:
        r["awardDetails"]["totalContractDollars"]["totalActionObligation"] = total
    return r


class FakeContractAwards:
    """`/contract-awards/v1/search`: window and extentCompetedCode filters, page-index paging."""

    def __init__(self, server, records: list[dict], deleted: list[dict] | None = None):
        self.records, self.deleted = records, deleted or []
        self.requests: list[dict] = []
        self.fail = None        # a response factory answering every request while set
        self.total = None       # (args, rows) → the totalRecords value to report
        server.expect_request("/contract-awards/v1/search").respond_with_handler(self._search)

    def _search(self, request):
        args = request.args.to_dict()
        self.requests.append(args)
        if self.fail:
            return self.fail()
        lo, hi = (_iso(d) for d in args["lastModifiedDate"].strip("[]").split(","))
        if args.get("deletedStatus") == "yes":
            rows = list(self.deleted)
        else:
            wanted = args.get("extentCompetedCode", "").split("~")
            rows = [r for r in self.records
                    if lo <= r["awardDetails"]["transactionData"]["lastModifiedDate"][:10] <= hi
                    and (not args.get("extentCompetedCode") or _extent(r) in wanted + [""])]
        limit, page = int(args.get("limit", 10)), int(args.get("offset", 0))
        total = self.total(args, rows) if self.total else str(len(rows))
        if not rows:  # the API's own empty answer: no awardSummary, string counters, a message
            return Response(json.dumps({"awardResponse": {"totalRecords": "0", "limit": str(limit), "offset": str(page)},
                                        "message": "No Data found..."}), content_type="application/json")
        body = {"awardSummary": rows[page * limit:(page + 1) * limit], "totalRecords": total,
                "limit": str(limit), "offset": str(page)}
        return Response(json.dumps(body), content_type="application/json")


def _iso(us: str) -> str:
    month, day, year = us.split("/")
    return f"{year}-{month}-{day}"


def _extent(r: dict) -> str:
    return ((r.get("coreData") or {}).get("competitionInformation", {}).get("extentCompeted") or {}).get("code", "")


def base(httpserver) -> str:
    return httpserver.url_for("").rstrip("/")


def source(**options) -> SamContractAwards:
    cfg = SourceConfig("awards", "sam_contract_awards", options=dict(SamContractAwards.OPTIONS) | options)
    return SamContractAwards(cfg, Http(sleep=lambda s: None))


# -- classification on the recorded records ---------------------------------------------------------

def test_recorded_records_classify_from_codes_even_without_extent_competed():
    verdicts = {n.native_id: classify(n) for ex in (1, 2, 3, 4) for n in source().parse(EX[ex])}
    sole = verdicts[f"1540:{PIID}:P00003"]
    assert sole.competition == "sole_source" and sole.kind == "modification"
    assert sole.competition_evidence == ["reasonNotCompeted=ONE (Only One Source-Other, FAR 6.302-1)",
                                         "solicitationProcedures=SSS (Only One Source)", "1 offer received"]
    assert sole.vendor_name == "GE PRECISION HEALTHCARE LLC" and sole.reference == PIID
    assert verdicts["9700:SPE30023DSA78/SPE3SU25F97V0:0"].competition == "competed"
    others = [n for k, n in verdicts.items() if not k.endswith((":P00003", "SPE3SU25F97V0:0"))]
    assert len(others) == 6 and {n.competition for n in others} == {"unknown"}  # contractId-only, no coreData


@pytest.mark.parametrize("table,field", [
    (EXTENT_COMPETED, "extentCompeted"), (REASON_NOT_COMPETED, "otherThanFullAndOpenCompetition"),
    (SOLICITATION_PROCEDURES, "solicitationProcedures"), (FAIR_OPPORTUNITY, "fairOpportunityLimitedSources"),
    (SET_ASIDE, "typeOfSetAside")])
def test_every_competition_code_gives_its_table_verdict(table, field):
    for code, (verdict, _) in table.items():
        r = competed()
        r["coreData"]["competitionInformation"] = {field: {"code": code, "name": "label not used"}}
        [notice] = source().parse({"awardSummary": [r]})
        assert classify(notice).competition == (verdict or "unknown"), code


# -- end to end ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("server_filter", ["", "extent_competed_codes = []"])
def test_once_alerts_the_sole_source_award_and_not_the_competed_one(server_filter, make_app, httpserver,
                                                                     tmp_path, capsys):
    fake = FakeContractAwards(httpserver, [competed(), ge_order("0", "28735")])
    assert make_app(text=config(tmp_path, base(httpserver), server_filter)).once() == 0
    out = capsys.readouterr().out
    assert ALERT in out and "GE PRECISION HEALTHCARE LLC (uei:JJURYE5M19G1, cage:9CB48)" in out
    assert "$28,735" in out and "JUSTICE, DEPARTMENT OF › FEDERAL PRISON SYSTEM / BUREAU OF PRISONS" in out
    assert "reasonNotCompeted=ONE (Only One Source-Other, FAR 6.302-1); solicitationProcedures=SSS" in out
    assert f"award · ref {PIID}" in out and "usaspending.gov/award/CONT_AWD_15B61524P00000105_1540_-NONE-_-NONE-/" in out
    assert "SALAD MIX" not in out  # competed, although "salad mix" is a watched keyword
    first, deleted = fake.requests[0], fake.requests[1]
    assert first["lastModifiedDate"] == "[09/25/2026,10/02/2026]" and first["api_key"] == "test-key-123"
    assert first["limit"] == "100" and first["offset"] == "0"
    assert first.get("extentCompetedCode") == (None if server_filter else "B~C~G~NDO")
    assert deleted["deletedStatus"] == "yes" and deleted["lastModifiedDate"] == first["lastModifiedDate"]
    assert cursor(tmp_path, "awards") == {"done_to": "2026-10-02"}
    again = make_app(text=config(tmp_path, base(httpserver)), clock=lambda: NOW + timedelta(days=1))
    assert again.once() == 0 and capsys.readouterr().out == ""
    assert fake.requests[-1]["lastModifiedDate"] == "[09/30/2026,10/03/2026]"  # 2-day overlap


def test_offset_is_a_page_index_and_string_counters_are_read(make_app, httpserver, tmp_path):
    days = ["2026-09-28", "2026-09-29", "2026-09-30"]
    fake = FakeContractAwards(httpserver, [ge_order(f"P0000{i}", day=d) for i, d in enumerate(days, 1)])
    make_app(text=config(tmp_path, base(httpserver), "limit = 1\nwithdrawals = false")).once()
    assert [r["offset"] for r in fake.requests] == ["0", "1", "2"]
    assert db(tmp_path).execute("select count(*) from notices").fetchone()[0] == 3


def test_null_total_pages_on_while_pages_are_full(make_app, httpserver, tmp_path):
    fake = FakeContractAwards(httpserver, [ge_order("P00001"), ge_order("P00002")])
    fake.total = lambda args, rows: None
    make_app(text=config(tmp_path, base(httpserver), "limit = 1\nwithdrawals = false")).once()
    assert [r["offset"] for r in fake.requests] == ["0", "1", "2"]  # the third page is empty
    assert db(tmp_path).execute("select count(*) from notices").fetchone()[0] == 2


@pytest.mark.parametrize("empty", [Response(status=204), Response("{}", content_type="application/json")])
def test_204_and_empty_object_are_empty_pages(empty, make_app, httpserver, tmp_path):
    fake = FakeContractAwards(httpserver, [])
    fake.fail = lambda: empty
    assert make_app(text=config(tmp_path, base(httpserver))).once() == 0
    assert health(tmp_path, "awards")["last_error"] is None and cursor(tmp_path, "awards") == {"done_to": "2026-10-02"}


def test_empty_phases_end_the_window_and_no_poll_leaves_the_cursor_in_a_phase(make_app, httpserver, tmp_path, capsys):
    fake = FakeContractAwards(httpserver, [ge_order("0", "28735")])  # awards page, then no deletions
    text = config(tmp_path, base(httpserver))
    for n, day in enumerate(("2026-10-02", "2026-10-03", "2026-10-04")):
        clock = (lambda d: lambda: NOW.replace(day=int(d[-2:])))(day)
        if n == 2:
            fake.records.append(ge_order("P00001", day="2026-10-04"))  # new on the third day
        assert make_app(text=text, clock=clock).once() == 0
        assert health(tmp_path, "awards")["last_error"] is None
        assert cursor(tmp_path, "awards") == {"done_to": day}
    phases = [("deletedStatus" in r, r["lastModifiedDate"]) for r in fake.requests]
    assert phases == [(False, "[09/25/2026,10/02/2026]"), (True, "[09/25/2026,10/02/2026]"),
                      (False, "[09/30/2026,10/03/2026]"), (True, "[09/30/2026,10/03/2026]"),
                      (False, "[10/01/2026,10/04/2026]"), (True, "[10/01/2026,10/04/2026]")]
    assert db(tmp_path).execute("select count(*) from notices").fetchone()[0] == 2  # the third poll read the new mod


def test_a_window_over_the_400000_ceiling_is_split_until_it_fits(make_app, httpserver, tmp_path):
    days = [(date(2026, 9, 25) + timedelta(days=i)).isoformat() for i in range(8)]
    fake = FakeContractAwards(httpserver, [ge_order(f"P{i:05}", day=d) for i, d in enumerate(days, 1)])
    fake.total = lambda args, rows: "400001" if args["lastModifiedDate"].count("/") == 4 and \
        args["lastModifiedDate"][1:11] != args["lastModifiedDate"][12:22] else str(len(rows))
    make_app(text=config(tmp_path, base(httpserver), "withdrawals = false")).once()
    read = [r["lastModifiedDate"] for r in fake.requests if r["lastModifiedDate"][1:11] == r["lastModifiedDate"][12:22]]
    assert read == [f"[{d[5:7]}/{d[8:]}/2026,{d[5:7]}/{d[8:]}/2026]" for d in days]
    assert db(tmp_path).execute("select count(*) from notices").fetchone()[0] == 8
    assert cursor(tmp_path, "awards") == {"done_to": "2026-10-02"}


def test_a_modification_of_an_alerted_award_is_an_update_only_when_material(make_app, httpserver, tmp_path, capsys):
    fake = FakeContractAwards(httpserver, [ge_order("0", "28735", day="2026-09-30")])
    text = config(tmp_path, base(httpserver))
    make_app(text=text).once()
    assert ALERT in capsys.readouterr().out
    fake.records.append(ge_order("P00003"))  # ex2 as recorded: total obligation now 45,497.06
    make_app(text=text, clock=lambda: NOW + timedelta(hours=6)).once()
    out = capsys.readouterr().out
    assert f"[UPDATE] {ALERT}" in out and "Amount: $28,735 → $45,497.06" in out and "modification" in out
    fake.records.append(ge_order("P00004"))  # same vendor, amount and codes: an administrative mod
    make_app(text=text, clock=lambda: NOW + timedelta(hours=12)).once()
    assert capsys.readouterr().out == ""
    assert db(tmp_path).execute("select count(*) from notices where reference = ?", (PIID,)).fetchone()[0] == 3


def test_deleted_record_withdraws_the_alerted_notice_and_says_so(make_app, httpserver, tmp_path, capsys):
    fake = FakeContractAwards(httpserver, [ge_order("0", "28735")], EX[5]["awardSummary"])
    text = config(tmp_path, base(httpserver))
    make_app(text=text).once()
    assert ALERT in capsys.readouterr().out
    fake.deleted = EX[5]["awardSummary"] + [{"contractId": ge_order("0")["contractId"]}]
    make_app(text=text, clock=lambda: NOW + timedelta(hours=6)).once()
    out = capsys.readouterr().out
    assert f"[WITHDRAWN] {ALERT}" in out and "withdrawn by the source (deletedStatus=yes)" in out
    rows = db(tmp_path).execute("select uid, withdrawn from notices").fetchall()
    assert [tuple(r) for r in rows] == [(f"awards:1540:{PIID}:0", 1)]  # unknown deletions store nothing
    make_app(text=text, clock=lambda: NOW + timedelta(hours=12)).once()
    assert capsys.readouterr().out == ""


def test_award_of_a_stored_j_and_a_is_shown_as_its_follow_up(make_app, httpserver, fake_sam, sam_rows,
                                                              tmp_path, capsys):
    sam_rows[0]["award"]["number"] = PIID  # the CBP J&A names the PIID as its award number
    FakeContractAwards(httpserver, [ge_order("0", "28735")])
    sam = f'[sources.sam]\nkind = "sam_opportunities"\nbase_url = "{base(httpserver)}"\napi_key_env = "SAM_API_KEY"\n'
    make_app(text=config(tmp_path, base(httpserver), before=sam)).once()
    out = capsys.readouterr().out
    assert "Thread:   follow-up of Clearview AI Facial Recognition Licenses - Justification and Approval" \
           " (sam:aa000000000000000000000000000001)" in out


def test_both_sam_sources_spend_one_daily_budget(make_app, httpserver, fake_sam, tmp_path):
    fake = FakeContractAwards(httpserver, [ge_order("0", "28735")])
    sam = f'[sources.sam]\nkind = "sam_opportunities"\nbase_url = "{base(httpserver)}"\napi_key_env = "SAM_API_KEY"\n' \
          'daily_request_limit = 2\nfetch_descriptions = false\n'
    assert make_app(text=config(tmp_path, base(httpserver), "daily_request_limit = 2", before=sam)).once() == 2
    budget = db(tmp_path).execute("select used from request_budget").fetchall()
    assert [r[0] for r in budget] == [2]  # one key, one budget: 1 opportunities search + 1 award search
    assert len(fake.requests) == 1 and "daily request budget of 2 spent" in health(tmp_path, "awards")["last_error"]


# -- faults -------------------------------------------------------------------------------------------

FAULTS = dict(HTTP_FAULTS) | {
    "truncated body": (lambda: Response(json.dumps({"awardSummary": [ge_order()]})[:3000],
                                        content_type="application/json"), "malformed JSON"),
    "message with 200": (lambda: Response('{"message": "The search parameter, x does not exist."}',
                                          content_type="application/json"), "x does not exist"),
    "400 (documented)": (lambda: Response('{"message": "The max value allowed for parameter \'limit\' is 100."}',
                                          status=400, content_type="application/json"), "HTTP 400"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_recorded_cursor_kept_and_recovery_alerts_once(fault, make_app, httpserver, tmp_path, capsys, caplog):
    respond, message = FAULTS[fault]
    fake = FakeContractAwards(httpserver, [ge_order()])
    fake.fail = respond

    def heal():
        fake.fail = None

    fault_drill(make_app, config(tmp_path, base(httpserver)), "awards", tmp_path, capsys, caplog, message, heal, ALERT)


def test_timeout_is_one_clear_error(make_app, tmp_path):
    with silent_port() as port:
        assert make_app(text=config(tmp_path, f"http://127.0.0.1:{port}"), timeout=0.2).once() == 2
    assert "timed out after 0.2s" in health(tmp_path, "awards")["last_error"]
    assert cursor(tmp_path, "awards") is None


def test_bad_options_are_config_errors():
    problems = SamContractAwards.check_options(dict(SamContractAwards.OPTIONS, limit=101,
                                                    extent_competed_codes=["C~A"]))
    assert [k for k, _ in problems] == ["limit", "extent_competed_codes"]
