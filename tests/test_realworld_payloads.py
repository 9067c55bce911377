"""Every real payload in ../shared/realworld/payloads through its own source, in place.

The payloads were recorded by other public projects (provenance and per-record labels in that
folder's README); procwatch was not built on them. Each is served by a local server at the path
its source asks for, polled once through `procwatch once`, and then polled again: what was stored,
the labelled verdicts and a clean second poll are asserted. Labels come from the README's rules,
never from procwatch. Clones have no ../shared: then this module is skipped, saying why.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from generic_source_helpers import config, db, health
from werkzeug import Response

REALWORLD = Path(__file__).resolve().parents[1].parent / "shared" / "realworld"
PAYLOADS = REALWORLD / "payloads"
pytestmark = pytest.mark.skipif(not PAYLOADS.is_dir(),
                                reason=f"real-world payloads not found at {PAYLOADS} (only the shared workspace has them)")
EMPTY_FEED = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>end</title></feed>'


def payload(kind: str, name: str) -> bytes:
    return (PAYLOADS / kind / name).read_bytes()


def stored(tmp_path) -> dict[str, dict]:
    return {r["uid"]: dict(r) for r in db(tmp_path).execute("select * from notices")}


def versions(tmp_path) -> int:
    return db(tmp_path).execute("select count(*) from notice_versions").fetchone()[0]


def poll_twice(make_app, tmp_path, source_toml: str) -> dict[str, dict]:
    """Two polls: the first must succeed; the second must succeed and store nothing new."""
    app = make_app(text=config(tmp_path, source_toml))
    assert app.once() == 0, health(tmp_path, "s")["last_error"]
    first, count = stored(tmp_path), versions(tmp_path)
    assert app.once() == 0, health(tmp_path, "s")["last_error"]
    assert health(tmp_path, "s")["last_error"] is None
    assert stored(tmp_path).keys() == first.keys() and versions(tmp_path) == count
    return first


def check_labels(notices: dict[str, dict], sole: set[str], competed: set[str], not_sole: set[str] = frozenset()):
    """sole → sole_source; competed → competed; not_sole → anything else (as the README defines them)."""
    wrong = {uid: notices[uid]["competition"] for uid in sole if notices[uid]["competition"] != "sole_source"}
    wrong |= {uid: notices[uid]["competition"] for uid in competed if notices[uid]["competition"] != "competed"}
    wrong |= {uid: notices[uid]["competition"] for uid in not_sole if notices[uid]["competition"] == "sole_source"}
    assert wrong == {}


# -- FPDS ATOM: 3 live pages, both namespaces ------------------------------------------------------

FPDS = {
    "kapangyu-gsa_fpds_feed_sample_1_LAST_MOD_DATE_2020-04-02_page1_native.xml":
        (10, {"9700:W15P7T09DW201/0001:0"}),
    "nuaxis_vendor_feed_result_VENDOR_NAME_nuaxis_v1.4.4_fpdsng_ns.xml":
        (10, {"1443:INP11PX76365:0", "1443:INP11PX76365:6", "1605:GS35F0361T/DOLOPS15F00071:4"}),
    "nuaxis_piid_feed_result_DOLOPS15T00043_v1.4.4_fpdsng_ns.xml": (2, set()),
}


@pytest.mark.parametrize("name", sorted(FPDS))
def test_fpds_pages_store_every_record_with_its_labelled_verdict(name, make_app, httpserver, tmp_path):
    def answer(request):
        start = parse_qs(request.query_string.decode()).get("start", ["0"])[0]
        return Response(payload("fpds_atom", name) if start == "0" else EMPTY_FEED, content_type="application/atom+xml")

    httpserver.expect_request("/ezsearch/FEEDS/ATOM").respond_with_handler(answer)
    notices = poll_twice(make_app, tmp_path, f'[sources.s]\nkind = "fpds_atom"\nbase_url = "{httpserver.url_for("")}"')
    count, sole = FPDS[name]
    assert len(notices) == count
    sole = {f"s:{n}" for n in sole}
    check_labels(notices, sole, set(notices) - sole)  # every other record of these pages is competed
    urls = {n["url"] for n in notices.values()}  # one page per award: its modifications share it
    assert len(urls) == len({uid.rsplit(":", 1)[0] for uid in notices})
    assert all(u.startswith("https://www.usaspending.gov/award/CONT_") for u in urls)


# -- USAspending: 3 live search pages, a page derived from the 3 recorded award details ------------

DETAILS = {
    "CONT_AWD_0007_9700_FA870215D0001_9700": "layonez_03_award_detail_CONT_AWD_0007_9700_FA870215D0001_9700_C_MES_SSS.json",
    "CONT_AWD_SPE4A718F9115_9700_SPRPA117GC101_9700": "usaspending-api_doc2019_award_detail_CONT_AWD_SPE4A718F9115_G_SP2.json",
    "CONT_IDV_190PRL18A0613_1900": "usaspending-api_doc2019_award_detail_CONT_IDV_190PRL18A0613_null_competition.json",
    "CONT_AWD_70B02C26F00000035_7014_70B02C20D00000019_7014":
        "govcheck_award_detail_CONT_AWD_70B02C26F00000035_7014_anduril_cbp_D_competed.json",
}


def derived_page() -> bytes:
    """A search page whose rows copy the searchable fields of the three recorded details."""
    rows = []
    for award_id, name in list(DETAILS.items())[1:]:
        d = json.loads(payload("usaspending", name))
        period = d.get("period_of_performance") or {}
        rows.append({"Award ID": d["piid"], "Recipient Name": (d.get("recipient") or {}).get("recipient_name"),
                     "Award Amount": d.get("total_obligation"), "Start Date": period.get("start_date"),
                     "End Date": period.get("end_date"),
                     "Awarding Agency": ((d.get("awarding_agency") or {}).get("toptier_agency") or {}).get("name"),
                     "Awarding Sub Agency": ((d.get("awarding_agency") or {}).get("subtier_agency") or {}).get("name"),
                     "Contract Award Type": d.get("type_description"), "Description": d.get("description"),
                     "generated_internal_id": d["generated_unique_award_id"]})
        assert rows[-1]["generated_internal_id"] == award_id
    return json.dumps({"results": rows, "page_metadata": {"page": 1, "hasNext": False}}).encode()


USA = {  # page → (rows, sole, competed); the other rows hold no competition data (reported only)
    "layonez_01_spending_by_award_dod_mit_10rows_hasNext_true.json": (10, {"CONT_AWD_0007_9700_FA870215D0001_9700"}, set()),
    "layonez_07_spending_by_award_non_competed_dod_BCGNDO_10rows.json": (10, set(), set()),
    "makegov_spending_by_award_triwest_8rows_hasNext_false.json": (8, set(), set()),
    "DERIVED": (3, {"CONT_AWD_SPE4A718F9115_9700_SPRPA117GC101_9700"},
                {"CONT_AWD_70B02C26F00000035_7014_70B02C20D00000019_7014"}),
}


def serve_usaspending(httpserver, page: bytes) -> None:
    def search(request):
        first = json.loads(request.data).get("page") == 1 and "last_record_unique_id" not in json.loads(request.data)
        body = page if first else b'{"results": [], "page_metadata": {"page": 2, "hasNext": false}}'
        return Response(body, content_type="application/json")

    def detail(request):
        award_id = request.path.rstrip("/").rsplit("/", 1)[1]
        if award_id not in DETAILS:
            return Response('{"detail": "No award found"}', status=404, content_type="application/json")
        return Response(payload("usaspending", DETAILS[award_id]), content_type="application/json")

    httpserver.expect_request("/api/v2/search/spending_by_award/").respond_with_handler(search)
    httpserver.expect_request(re.compile(r"^/api/v2/awards/[^/]+/$")).respond_with_handler(detail)


@pytest.mark.parametrize("name", sorted(USA))
def test_usaspending_pages_store_every_row_with_its_labelled_verdict(name, make_app, httpserver, tmp_path):
    serve_usaspending(httpserver, derived_page() if name == "DERIVED" else payload("usaspending", name))
    notices = poll_twice(make_app, tmp_path,
                         f'[sources.s]\nkind = "usaspending"\nbase_url = "{httpserver.url_for("").rstrip("/")}"')
    count, sole, competed = USA[name]
    assert len(notices) == count
    check_labels(notices, {f"s:{u}" for u in sole}, {f"s:{u}" for u in competed})
    for uid in (f"s:{u}" for u in DETAILS if f"s:{u}" in notices):  # rows with a detail are dated from it
        assert notices[uid]["posted_at"], uid
    if name == "DERIVED":
        assert notices["s:CONT_IDV_190PRL18A0613_1900"]["kind"] == "idv"
        assert notices["s:CONT_IDV_190PRL18A0613_1900"]["competition"] == "unknown"
    if name.startswith("layonez_01"):
        assert notices["s:CONT_AWD_0007_9700_FA870215D0001_9700"]["posted_at"] == "2016-06-03"


# -- SAM.gov Get Opportunities: 3 live search pages, none sole source ------------------------------

SAM_OPPS = {"makegov_sam_opps_1record_combined_synopsis_SDVOSBC.json": 1,
            "makegov_sam_individual_opp_1record_presolicitation_RFI.json": 1,
            "unknownrepo_sam_v2_search_2records_of_2390_navy.json": 2}


@pytest.mark.parametrize("name", sorted(SAM_OPPS))
def test_sam_opportunities_pages_store_every_notice_none_sole_source(name, make_app, httpserver, tmp_path):
    httpserver.expect_request("/opportunities/v2/search").respond_with_data(
        payload("sam_opportunities", name), content_type="application/json")
    httpserver.expect_request("/prod/opportunities/v1/noticedesc").respond_with_data("", status=404)
    notices = poll_twice(make_app, tmp_path, f'[sources.s]\nkind = "sam_opportunities"\n'
                                             f'base_url = "{httpserver.url_for("").rstrip("/")}"\napi_key_env = "SAM_API_KEY"\n'
                                             'notice_types = ["u", "p", "k", "o", "a", "s"]')
    assert len(notices) == SAM_OPPS[name]
    check_labels(notices, set(), set(), set(notices))


# -- SAM.gov Contract Awards: the reported empty answer -------------------------------------------

def test_contract_awards_reported_empty_answer_is_an_empty_page_on_every_poll(make_app, httpserver, tmp_path):
    httpserver.expect_request("/contract-awards/v1/search").respond_with_data(
        payload("sam_contract_awards", "REPORTED_thirdparty_empty_result_awardResponse_wrapper.json"),
        content_type="application/json")
    notices = poll_twice(make_app, tmp_path, f'[sources.s]\nkind = "sam_contract_awards"\n'
                                             f'base_url = "{httpserver.url_for("").rstrip("/")}"\napi_key_env = "SAM_API_KEY"')
    assert notices == {}
    cursor = json.loads(db(tmp_path).execute("select cursor from cursors where source = 's'").fetchone()[0])
    assert "phase" not in cursor


# -- TED: 2 search replies, kinds from notice-type or form-type ------------------------------------

TED = {"danylov04_tenderwatch111_ted_v3_search_PL_cn_and_can_2notices.json": {"tender", "award"},
       "uobt_tender-collector_ted_search_IE_result_PL_competition_2notices.json": {"tender", "award"}}


@pytest.mark.parametrize("name", sorted(TED))
def test_ted_replies_store_both_notices_with_their_kinds_none_sole_source(name, make_app, httpserver, tmp_path):
    httpserver.expect_request("/v3/notices/search").respond_with_data(payload("ted", name),
                                                                     content_type="application/json")
    notices = poll_twice(make_app, tmp_path, f'[sources.s]\nkind = "ted"\nbase_url = "{httpserver.url_for("").rstrip("/")}"')
    assert len(notices) == 2 and {n["kind"] for n in notices.values()} == TED[name]
    check_labels(notices, set(), set(), set(notices))


# -- OCDS: Contracts Finder (100 releases, 96 ocids) and Sell2Wales (90) ----------------------------

def cf_label(release: dict) -> str:
    """The README's rule for these releases, read from the release itself."""
    tender = release.get("tender") or {}
    method, details = tender.get("procurementMethod"), (tender.get("procurementMethodDetails") or "").lower()
    if method == "direct" or "without prior publication" in details \
            or "awarded following a negotiated procedure without prior publication" in (tender.get("description") or ""):
        return "sole"
    return "competed" if method in ("open", "selective") else "not_sole"


def latest_releases(package: dict) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for release in package["releases"]:
        if release["ocid"] not in latest or release["date"] >= latest[release["ocid"]]["date"]:
            latest[release["ocid"]] = release
    return latest


def test_contracts_finder_assembled_page_stores_each_procurement_with_its_labelled_verdict(
        make_app, httpserver, tmp_path):
    name = "ASSEMBLED_apa999_CFServer1_cf_releases_2025-03-10_to_11_100releases.json"
    httpserver.expect_request("/Published/Notices/OCDS/Search").respond_with_data(
        payload("uk_contracts_finder", name), content_type="application/json")
    notices = poll_twice(make_app, tmp_path, f'[sources.s]\nkind = "uk_contracts_finder"\n'
                                             f'base_url = "{httpserver.url_for("").rstrip("/")}"')
    labels = {f"s:{ocid}": cf_label(r) for ocid, r in latest_releases(json.loads(payload("uk_contracts_finder", name))).items()}
    assert len(notices) == 96 and set(notices) == set(labels)
    by = {v: {u for u, lab in labels.items() if lab == v} for v in ("sole", "competed", "not_sole")}
    assert {v: len(u) for v, u in by.items()} == {"sole": 11, "competed": 51, "not_sole": 34}  # the README's counts
    check_labels(notices, by["sole"], by["competed"], by["not_sole"])


def test_sell2wales_package_through_the_generic_ocds_kind_is_all_competed(make_app, httpserver, tmp_path):
    name = "ASSEMBLED_apa999_CFServer1_sell2wales_releases_2025-02_90releases.json"
    httpserver.expect_request("/s2w/releases").respond_with_data(payload("ocds", name), content_type="application/json")
    notices = poll_twice(make_app, tmp_path, f'[sources.s]\nkind = "ocds"\nbase_url = "{httpserver.url_for("/s2w/releases")}"')
    assert len(notices) == 90
    check_labels(notices, set(), set(notices))
