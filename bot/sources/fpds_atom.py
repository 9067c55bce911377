"""FPDS ATOM feed (legacy, being retired): award and IDV records for history and backfill.

Query `LAST_MOD_DATE:[yyyy/mm/dd,yyyy/mm/dd]` plus configurable terms, 10 entries a page through
`&start=`; a page with a `rel="next"` link has a successor (notes/sources-us.md §2a). The XML is
untrusted: a document with a DTD or entity declaration is refused before parsing, and lxml runs
with entity resolution, network access and huge trees off (what defusedxml guards against).
Namespaces are matched by URI, never by prefix; codes are read, labels ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Iterator

from lxml import etree

from ..errors import SourceError
from ..notice import Notice
from .base import Source
from .bounded import MAX_MARKUP, markup_count
from .fields import amount as _amount, html_to_text, text as _text
from .us_awards import Award, award_notice

FEED_PATH = "/ezsearch/FEEDS/ATOM"
ATOM = "http://www.w3.org/2005/Atom"
NS = {"a": ATOM, "f": "https://www.fpds.gov/FPDS"}
FORBIDDEN = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def safe_parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities, never fetches, and caps tree size."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_comments=True)


def parse_feed(body: bytes, where: str = "FPDS") -> etree._Element:
    """The Atom `<feed>` root of a page; DTDs, entities, HTML and broken XML are one clear error."""
    if body[:200].lstrip().lower().startswith((b"<!doctype html", b"<html")):
        raise SourceError(f"expected an Atom feed from {where}, got an HTML page", _words(body))
    if markup_count(body) > MAX_MARKUP:  # lxml cannot be stopped midway: ~270 bytes of tree per tag
        raise SourceError(f"refused XML from {where}: over {MAX_MARKUP} tags", "a real page has a few thousand")
    if FORBIDDEN.search(body):
        raise SourceError(f"refused XML from {where}: it declares a DTD or entities",
                          "the FPDS feed never does; this could be an entity-expansion attack")
    try:
        root = etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError as e:
        raise SourceError(f"malformed or truncated XML from {where}", str(e)[:120]) from None
    if root.tag != f"{{{ATOM}}}feed":
        raise SourceError(f"expected an Atom feed from {where}, got <{etree.QName(root).localname}>",
                          _words(body))
    return root


def _words(body: bytes) -> str:
    """The first readable words of an unexpected page, for the error line."""
    return html_to_text(body[:600].decode("utf-8", "replace"))[:120]


class FpdsAtom(Source):
    kind = "fpds_atom"
    BASE_URL = "https://www.fpds.gov"
    EVERY = "1d"
    OPTIONS = {"terms": "", "lookback_days": 3, "overlap_days": 1, "version": "1.5.3"}

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = []
        if "LAST_MOD_DATE" in options["terms"].upper():
            problems.append(("terms", "LAST_MOD_DATE is set from the cursor; leave it out"))
        if options["lookback_days"] < 1 or options["overlap_days"] < 0:
            problems.append(("lookback_days", "lookback_days must be ≥ 1 and overlap_days ≥ 0"))
        return problems

    def fetch(self, cursor: dict | None, now: datetime) -> Iterator[tuple[Any, dict]]:
        """Page the LAST_MOD_DATE window 10 entries at a time while the feed links a next page."""
        start, end, offset = self._window(cursor, now.date())
        while True:
            root = self._page(start, end, offset)
            entries = len(root.findall("a:entry", NS))
            offset += entries
            more = entries > 0 and root.find("a:link[@rel='next']", NS) is not None
            yield root, ({"from": start.isoformat(), "to": end.isoformat(), "start": offset} if more
                         else {"done_to": end.isoformat()})
            if not more:
                return

    def _window(self, cursor: dict | None, today: date) -> tuple[date, date, int]:
        if cursor and "start" in cursor:
            return date.fromisoformat(cursor["from"]), date.fromisoformat(cursor["to"]), cursor["start"]
        if cursor and "done_to" in cursor:
            return date.fromisoformat(cursor["done_to"]) - timedelta(days=self.options["overlap_days"]), today, 0
        return today - timedelta(days=self.options["lookback_days"]), today, 0

    def _page(self, start: date, end: date, offset: int) -> etree._Element:
        query = f"LAST_MOD_DATE:[{start:%Y/%m/%d},{end:%Y/%m/%d}] {self.options['terms']}".strip()
        params = {"FEEDNAME": "PUBLIC", "VERSION": self.options["version"], "q": query, "start": offset}
        resp = self.http.request("GET", self.base_url + FEED_PATH, params=params)
        return parse_feed(resp.body, "FPDS ATOM")

    def parse(self, payload: Any) -> list[Notice]:
        """Notices for the award and IDV records of one feed page."""
        out = []
        for entry in payload.iterfind("a:entry", NS):
            record = entry.find("a:content/*", NS)
            if record is not None and (award := _award(entry, record)).piid:
                out.append(award_notice(self.name, award, etree.tostring(record, encoding="unicode")))
        return out


def _award(entry, r) -> Award:
    """One `<award>` or `<IDV>` element as an Award."""
    ids = r.find("f:awardID/f:awardContractID", NS)
    if ids is None:
        ids = r.find("f:contractID/f:IDVID", NS)
    idv = r.find("f:awardID/f:referencedIDVID", NS)
    office = r.find("f:purchaserInformation/f:contractingOfficeAgencyID", NS)
    office = office if office is not None else etree.Element("none")
    uei = "f:vendor/f:vendorSiteDetails/f:entityIdentifiers/f:vendorUEIInformation/"
    link = entry.find("a:link[@rel='alternate']", NS)
    return Award(
        agency=_t(ids, "f:agencyID"), piid=_t(ids, "f:PIID"), mod=_t(ids, "f:modNumber"),
        idv=_t(idv, "f:PIID"), idv_agency=_t(idv, "f:agencyID"),
        requirement=_t(r, "f:contractData/f:descriptionOfContractRequirement"),
        award_type=_text(_attr(r, "f:contractData/f:contractActionType", "description")),
        agency_path=[_text(office.get("departmentName")), _text(office.get("name")),
                     _text(_attr(r, "f:purchaserInformation/f:contractingOfficeID", "name"))],
        vendor_name=_t(r, uei + "f:UEILegalBusinessName") or _t(r, "f:vendor/f:vendorHeader/f:vendorName"),
        uei=_t(r, uei + "f:UEI"),
        amount=_amount(_t(r, "f:totalDollarValues/f:totalObligatedAmount") or _t(r, "f:dollarValues/f:obligatedAmount")),
        signed=_t(r, "f:relevantContractDates/f:signedDate"),
        approved=_t(r, "f:transactionInformation/f:approvedDate"),
        period_start=_t(r, "f:relevantContractDates/f:effectiveDate"),
        period_end=_t(r, "f:relevantContractDates/f:currentCompletionDate"),
        url=_text(link.get("href")) if link is not None else "",
        extent_competed=_t(r, "f:competition/f:extentCompeted"),
        reason_not_competed=_t(r, "f:competition/f:reasonNotCompeted"),
        solicitation_procedures=_t(r, "f:competition/f:solicitationProcedures"),
        fair_opportunity=_t(r, "f:competition/f:statutoryExceptionToFairOpportunity"),
        set_aside=_t(r, "f:competition/f:typeOfSetAside"),
        offers=_t(r, "f:competition/f:numberOfOffersReceived"),
        naics=_t(r, "f:productOrServiceInformation/f:principalNAICSCode"),
        psc=_t(r, "f:productOrServiceInformation/f:productOrServiceCode"))


def _t(el, path: str) -> str:
    return _text(el.findtext(path, namespaces=NS)) if el is not None else ""


def _attr(el, path: str, name: str) -> str:
    found = el.find(path, NS)
    return found.get(name, "") if found is not None else ""
