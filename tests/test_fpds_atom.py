"""FPDS ATOM feed: a local server answering with recorded feed pages (and an entity bomb)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from conftest import NOW, fixture_bytes
from generic_source_helpers import HTTP_FAULTS, cursor, db, fault_drill, health, silent_port
from lxml import etree
from werkzeug import Response

from bot.classify import classify
from bot.config import SourceConfig
from bot.errors import SourceError
from bot.http import Http
from bot.sources.fpds_atom import FpdsAtom, parse_feed, safe_parser

FULL = fixture_bytes("fpds_atom", "dherincx92_fpds_full_response_gsa4740_10entries_sole_source_UT.xml")
LAST = fixture_bytes("fpds_atom", "dherincx92_fpds_truncated_response_no_paging_links.xml")
BROKER = fixture_bytes("fpds_atom", "databroker_test_fpdsXML_award_and_idv.xml")
BOMB = fixture_bytes("fpds_atom", "synthetic_entity_bomb_billion_laughs.xml")
ALERT = "1. FY13 WATER UTILITIES."

WATCH = """
[watchlists.utilities]
vendors = ["Creative Sign Service"]
keywords = ["utilities"]

[channels.console]
kind = "console"
watchlists = ["utilities"]
"""


def config(tmp_path, base: str, extra: str = 'terms = "AGENCY_CODE:\\"4740\\""') -> str:
    # 2013 records: a first-run baseline of ~14 years lets the first poll alert them.
    return (f'[bot]\ndatabase = "{tmp_path / "state" / "procwatch.db"}"\nfirst_run_alert_days = 5000\n'
            f'contact = "tests@example.org"\n\n[sources.fpds]\nkind = "fpds_atom"\nbase_url = "{base}"\n'
            f'{extra}\n{WATCH}')


class FakeFpds:
    """`/ezsearch/FEEDS/ATOM`: `pages` maps `start` to a recorded page; records every query."""

    def __init__(self, server, pages: dict[int, bytes]):
        self.pages, self.requests, self.fail = pages, [], None
        server.expect_request("/ezsearch/FEEDS/ATOM").respond_with_handler(self._feed)

    def _feed(self, request):
        args = request.args.to_dict()
        self.requests.append(args)
        if self.fail:
            return self.fail()
        body = self.pages.get(int(args.get("start", 0)), b'<feed xmlns="http://www.w3.org/2005/Atom"/>')
        return Response(body, content_type="application/atom+xml")


def base(httpserver) -> str:
    return httpserver.url_for("").rstrip("/")


def parsed(body: bytes):
    src = FpdsAtom(SourceConfig("fpds", "fpds_atom", options=dict(FpdsAtom.OPTIONS)), Http())
    return [classify(n) for n in src.parse(parse_feed(body))]


def test_live_page_every_not_competed_record_is_sole_source_and_the_rest_competed():
    notices = parsed(FULL)
    assert len(notices) == 10
    sole = [n for n in notices if n.competition == "sole_source"]
    assert sorted(n.reference for n in sole) == ["1B3G02670", "1B3H02196", "1B3L02518", "1B4G00363",
                                                 "1B4G00542", "1B4G00602", "1B4G00608"]
    assert all("reasonNotCompeted=UT (Utilities, FAR 6.302-1(b)(3))" in n.competition_evidence for n in sole)
    assert {n.competition for n in notices if n not in sole} == {"competed"}  # CDO
    assert all(n.vendor_name for n in notices)  # from UEILegalBusinessName; titles say "awarded to ,"
    first = notices[0]
    assert (first.native_id, first.kind, first.vendor_name, str(first.amount)) == \
           ("4740:1B3G02670:PA09", "modification", "MC ALLEN CITY OF", "127900.70")
    assert first.agency_path == ["GENERAL SERVICES ADMINISTRATION", "PUBLIC BUILDINGS SERVICE", "GSA, PBS, ACQ MGT SVC BR"]
    assert first.vendor_ids == ["uei:LNLJPLNR7GF5"] and first.codes["naics"] == ["221310"]


def test_broker_award_and_idv_use_their_own_id_paths_and_the_uei_name():
    award, idv = parsed(BROKER)
    assert award.native_id == "9700:N6830617A0090/0001:0" and award.competition == "competed"
    assert idv.native_id == "5000:000000000LC3162:0" and idv.competition == "sole_source"  # B
    assert award.vendor_name == "ROBERTSON FUEL SYSTEMS, L.L.C."  # UEILegalBusinessName over vendorName


def test_once_follows_next_links_and_alerts_the_utilities_not_the_competed_order(make_app, httpserver,
                                                                                 tmp_path, capsys):
    fake = FakeFpds(httpserver, {0: FULL, 10: LAST})
    assert make_app(text=config(tmp_path, base(httpserver))).once() == 0
    out = capsys.readouterr().out
    assert "6 sole-source notices matched" in out  # the 7th (gas, WENATCHEE) has no watched word and "MC ALLEN CITY OF (uei:LNLJPLNR7GF5)" in out
    assert "extentCompeted=B (Not Available for Competition); reasonNotCompeted=UT (Utilities, FAR 6.302-1(b)(3))" in out
    assert "CREATIVE SIGN SERVICE" not in out  # watched vendor, but a competitive delivery order
    assert [r["start"] for r in fake.requests] == ["0", "10"]  # the last page has no next link
    first = fake.requests[0]
    assert first["q"] == 'LAST_MOD_DATE:[2026/09/29,2026/10/02] AGENCY_CODE:"4740"'
    assert (first["FEEDNAME"], first["VERSION"]) == ("PUBLIC", "1.5.3")
    assert cursor(tmp_path, "fpds") == {"done_to": "2026-10-02"}
    assert db(tmp_path).execute("select count(*) from notices").fetchone()[0] == 10
    make_app(text=config(tmp_path, base(httpserver)), clock=lambda: NOW + timedelta(days=1)).once()
    assert capsys.readouterr().out == ""
    assert fake.requests[-1]["q"].startswith("LAST_MOD_DATE:[2026/10/01,2026/10/03]")  # 1-day overlap


def test_records_in_the_older_fpdsng_namespace_read_the_same():
    older = FULL.replace(b"https://www.fpds.gov/FPDS", b"http://www.fpdsng.com/FPDS")
    assert older != FULL
    assert [(n.uid, n.competition, n.vendor_name, n.amount) for n in parsed(older)] == \
           [(n.uid, n.competition, n.vendor_name, n.amount) for n in parsed(FULL)]


def test_records_in_no_namespace_read_the_same():
    plain = FULL.replace(b' xmlns:ns1="https://www.fpds.gov/FPDS"', b"").replace(b"ns1:", b"")
    assert b"fpds.gov/FPDS" not in plain
    assert [(n.uid, n.competition, n.vendor_name, n.amount, n.agency_path, n.title) for n in parsed(plain)] == \
           [(n.uid, n.competition, n.vendor_name, n.amount, n.agency_path, n.title) for n in parsed(FULL)]


def test_each_alert_links_to_its_own_award_page_not_the_feeds_shared_search_link():
    notices = parsed(FULL)
    assert notices[0].url == "https://www.usaspending.gov/award/CONT_AWD_1B3G02670_4740_-NONE-_-NONE-/"
    award, idv = parsed(BROKER)
    assert award.url == "https://www.usaspending.gov/award/CONT_AWD_0001_9700_N6830617A0090_9700/"
    assert (idv.kind, idv.url) == ("idv", "https://www.usaspending.gov/award/CONT_IDV_000000000LC3162_5000/")


def test_a_page_whose_entries_hold_no_record_fails_and_keeps_the_cursor(make_app, httpserver, tmp_path):
    unknown = FULL.replace(b"https://www.fpds.gov/FPDS", b"urn:example:other").replace(b":award", b":thing")
    fake = FakeFpds(httpserver, {0: unknown})
    text = config(tmp_path, base(httpserver))
    assert make_app(text=text).once() == 2
    assert "FPDS ATOM page of 10 entries yielded no award or IDV record" in health(tmp_path, "fpds")["last_error"]
    assert cursor(tmp_path, "fpds") is None  # the page is read again next poll
    fake.pages[0] = FULL
    assert make_app(text=text).once() == 0
    assert db(tmp_path).execute("select count(*) from notices").fetchone()[0] == 10


def test_a_page_without_paging_links_is_the_last(make_app, httpserver, tmp_path):
    fake = FakeFpds(httpserver, {0: LAST})
    make_app(text=config(tmp_path, base(httpserver))).once()
    assert [r["start"] for r in fake.requests] == ["0"]


def test_entity_bomb_is_refused_before_parsing_and_the_parser_would_not_expand_it():
    started = time.perf_counter()
    with pytest.raises(SourceError, match="declares a DTD or entities"):
        parse_feed(BOMB)
    try:  # even past the check, the parser expands nothing (libxml2 may also refuse outright)
        assert len(etree.tostring(etree.fromstring(BOMB, safe_parser()))) < 10_000
    except etree.XMLSyntaxError as e:
        assert "amplification" in str(e)
    assert time.perf_counter() - started < 2


def test_options_cannot_repeat_the_cursor_field():
    problems = FpdsAtom.check_options(dict(FpdsAtom.OPTIONS, terms="LAST_MOD_DATE:[2020/01/01,]"))
    assert [k for k, _ in problems] == ["terms"]


FAULTS = dict(HTTP_FAULTS) | {
    "truncated XML": (lambda: Response(FULL[:20_000], content_type="application/atom+xml"), "truncated XML"),
    "entity bomb": (lambda: Response(BOMB, content_type="application/atom+xml"), "declares a DTD or entities"),
    "not a feed": (lambda: Response('<error><message>Service unavailable</message></error>',
                                    content_type="application/xml"), "got <error>"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_recorded_cursor_kept_and_recovery_alerts_once(fault, make_app, httpserver, tmp_path, capsys, caplog):
    respond, message = FAULTS[fault]
    fake = FakeFpds(httpserver, {0: LAST})
    fake.fail = respond

    def heal():
        fake.fail = None

    fault_drill(make_app, config(tmp_path, base(httpserver)), "fpds", tmp_path, capsys, caplog, message, heal, ALERT)


def test_timeout_is_one_clear_error(make_app, tmp_path):
    with silent_port() as port:
        assert make_app(text=config(tmp_path, f"http://127.0.0.1:{port}"), timeout=0.2).once() == 2
    assert "timed out after 0.2s" in health(tmp_path, "fpds")["last_error"]
    assert cursor(tmp_path, "fpds") is None


def _recorded_records():
    """Every award and IDV element of the recorded FPDS pages: ours, and ../shared/realworld's read in place."""
    from pathlib import Path
    from bot.sources.fpds_atom import RECORDS, safe_parser
    pages = sorted(Path(__file__).parent.joinpath("fixtures", "fpds_atom").glob("*.xml"))
    pages += sorted(Path(__file__).parents[2].joinpath("shared", "realworld", "payloads", "fpds_atom").glob("*.xml"))
    for page in pages:
        if b"<!ENTITY" in page.read_bytes():
            continue
        root = etree.fromstring(page.read_bytes(), safe_parser())
        yield from (el for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname in RECORDS)


def _award_by_find(record):
    """The Award as findtext and find read it, one path at a time (what the joined XPath must give)."""
    from bot.sources.fields import amount, text
    from bot.sources.us_awards import Award
    ns = {"f": etree.QName(record).namespace or ""}

    def t(el, path):
        return text(el.findtext(path, namespaces=ns)) if el is not None else ""

    def attr(path, name):
        el = record.find(path, ns)
        return text(el.get(name)) if el is not None else ""

    ids = record.find("f:awardID/f:awardContractID", ns)
    ids = ids if ids is not None else record.find("f:contractID/f:IDVID", ns)
    idv = record.find("f:awardID/f:referencedIDVID", ns)
    uei = "f:vendor/f:vendorSiteDetails/f:entityIdentifiers/f:vendorUEIInformation/"
    office = "f:purchaserInformation/f:contractingOfficeAgencyID"
    return Award(
        agency=t(ids, "f:agencyID"), piid=t(ids, "f:PIID"), mod=t(ids, "f:modNumber"), idv=t(idv, "f:PIID"),
        idv_agency=t(idv, "f:agencyID"), is_idv=etree.QName(record).localname == "IDV",
        requirement=t(record, "f:contractData/f:descriptionOfContractRequirement"),
        award_type=attr("f:contractData/f:contractActionType", "description"),
        agency_path=[attr(office, "departmentName"), attr(office, "name"),
                     attr("f:purchaserInformation/f:contractingOfficeID", "name")],
        vendor_name=t(record, uei + "f:UEILegalBusinessName") or t(record, "f:vendor/f:vendorHeader/f:vendorName"),
        uei=t(record, uei + "f:UEI"),
        amount=amount(t(record, "f:totalDollarValues/f:totalObligatedAmount")
                      or t(record, "f:dollarValues/f:obligatedAmount")),
        **{name: t(record, path) for name, path in (
            ("signed", "f:relevantContractDates/f:signedDate"), ("approved", "f:transactionInformation/f:approvedDate"),
            ("period_start", "f:relevantContractDates/f:effectiveDate"),
            ("period_end", "f:relevantContractDates/f:currentCompletionDate"),
            ("extent_competed", "f:competition/f:extentCompeted"),
            ("reason_not_competed", "f:competition/f:reasonNotCompeted"),
            ("solicitation_procedures", "f:competition/f:solicitationProcedures"),
            ("fair_opportunity", "f:competition/f:statutoryExceptionToFairOpportunity"),
            ("set_aside", "f:competition/f:typeOfSetAside"), ("offers", "f:competition/f:numberOfOffersReceived"),
            ("naics", "f:productOrServiceInformation/f:principalNAICSCode"),
            ("psc", "f:productOrServiceInformation/f:productOrServiceCode"))})


def test_the_joined_read_gives_what_findtext_and_find_give_on_every_recorded_record():
    from bot.sources.fpds_atom import _award
    records = list(_recorded_records())
    for record in records:
        assert _award(record) == _award_by_find(record)
    assert len(records) >= 35 and {etree.QName(r).localname for r in records} == {"award", "IDV"}


def test_a_value_holding_the_joined_reads_separator_is_read_alone():
    from bot.sources.fpds_atom import SEP, _award
    record = next(r for r in _recorded_records() if etree.QName(r).localname == "award")
    requirement = record.find("f:contractData/f:descriptionOfContractRequirement",
                              {"f": etree.QName(record).namespace})
    requirement.text = f"SIGNS {SEP} AND POSTS"
    award = _award(record)
    assert award.requirement == f"SIGNS {SEP} AND POSTS" and award == _award_by_find(record)
    assert award.piid and award.agency and award.extent_competed


def test_ids_come_from_the_award_id_before_an_idv_id_and_the_first_of_each():
    from bot.sources.fpds_atom import _award
    f = "http://www.fpdsng.com/FPDS"
    record = etree.fromstring(
        f'<award xmlns="{f}"><contractID><IDVID><agencyID>9700</agencyID><PIID>IDV1</PIID></IDVID></contractID>'
        '<awardID><awardContractID><agencyID>4740</agencyID><PIID>P1</PIID><modNumber>2</modNumber>'
        '</awardContractID><awardContractID><PIID>P2</PIID></awardContractID>'
        '<referencedIDVID><PIID>R1</PIID></referencedIDVID><referencedIDVID><PIID>R2</PIID><agencyID>1</agencyID>'
        '</referencedIDVID></awardID></award>')
    award = _award(record)
    assert (award.agency, award.piid, award.mod, award.idv, award.idv_agency) == ("4740", "P1", "2", "R1", "")
    assert award == _award_by_find(record)
    record.remove(record[1])
    assert (_award(record).agency, _award(record).piid, _award(record).mod) == ("9700", "IDV1", "")


def test_markup_count_counts_tags_and_every_escaped_form_of_one():
    from bot.sources.bounded import markup_count
    assert markup_count(b"<a>&lt;b&gt; &#60; &#x3c; &#x3C; &amp;lt; &#61;</a>") == 2 + 4
    assert markup_count(b"&lt;" * 100_000) == 100_000


def test_declares_dtd_finds_what_a_search_for_the_pattern_finds():
    from pathlib import Path
    from bot.sources.fpds_atom import FORBIDDEN, declares_dtd
    here = Path(__file__).parent
    bodies = [p.read_bytes() for p in sorted(here.joinpath("fixtures").rglob("*")) if p.is_file()]
    bodies += [p.read_bytes() for p in sorted(here.parents[1].joinpath("shared", "realworld").rglob("*.xml"))]
    bodies += [b"<!DOCTYPE x>", b"!<!doctype x>", b"< !DOCTYPE x>", b"<!\n\t Entity x", b"<!x<!ENTITY", b"a!", b"!",
               b"", b"<!-- DOCTYPE -->", b"<!<!DOCTYPE", BOMB, FULL.replace(b"<ns0:feed", b"<!DOCTYPE f><ns0:feed")]
    found = [declares_dtd(b) for b in bodies]
    assert found == [bool(FORBIDDEN.search(b)) for b in bodies]
    assert sum(found) >= 7 and len(bodies) - sum(found) > 40
