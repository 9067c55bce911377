"""FPDS ATOM feed (legacy, being retired): award and IDV records for history and backfill.

Query `LAST_MOD_DATE:[yyyy/mm/dd,yyyy/mm/dd]` plus configurable terms, 10 entries a page through
`&start=`; a page with a `rel="next"` link has a successor (notes/sources-us.md §2a). The XML is
untrusted: a document with a DTD or entity declaration is refused before parsing, and lxml runs
with entity resolution, network access and huge trees off (what defusedxml guards against).
Atom is matched by URI; a record's children are read in the record's own namespace (template 1.5
uses `https://www.fpds.gov/FPDS`, 1.4 `http://www.fpdsng.com/FPDS`), never by prefix. Codes are
read, labels ignored. The alert links to the award's USAspending page (from PIID and agency): the
entry's `rel="alternate"` link is a search URL that orders under one IDV share.
"""

from __future__ import annotations

import functools
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
NS = {"a": ATOM}
RECORDS = ("award", "IDV")  # local names of the record elements, in whichever FPDS namespace
# An entry's first award or IDV record, whatever its namespace (a list of none or one element).
_RECORD = etree.XPath(f"(a:content/*[{' or '.join(f'local-name()={n!r}' for n in RECORDS)}])[1]", namespaces=NS)
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
    if declares_dtd(body):
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


def declares_dtd(body: bytes) -> bool:
    """Whether FORBIDDEN occurs in the body, tried at each "!" (a rare byte, found at memchr's speed)
    instead of searched for at every "<": 4 against 143 µs on a recorded page of ten FPDS records."""
    at = body.find(b"!")
    while at != -1:
        if at and FORBIDDEN.match(body, at - 1):
            return True
        at = body.find(b"!", at + 1)
    return False


def _words(body: bytes) -> str:
    """The first readable words of an unexpected page, for the error line."""
    return html_to_text(body[:600].decode("utf-8", "replace"))[:120]


class FpdsAtom(Source):
    kind = "fpds_atom"
    BASE_URL = "https://www.fpds.gov"
    EVERY = "1d"
    BACKFILL_SPAN = 366  # no documented limit; a year a window keeps the progress readable
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
        """Page the date window 10 entries at a time while the feed links a next page."""
        state = self._window(cursor, now.date())
        while True:
            root = self._page(state)
            entries = len(root.findall("a:entry", NS))
            state = state | {"start": state["start"] + entries}
            more = entries > 0 and root.find("a:link[@rel='next']", NS) is not None
            yield root, (state if more else {"done_to": state["to"]})
            if not more:
                return

    def _window(self, cursor: dict | None, today: date) -> dict:
        """{field, from, to, start}: a half-read window, a backfill's SIGNED_DATE window, or the
        LAST_MOD_DATE window since the last poll (with overlap)."""
        cursor = cursor or {}
        if "start" in cursor:
            return {"field": "LAST_MOD_DATE"} | cursor
        if "since" in cursor:
            return {"field": "SIGNED_DATE", "from": cursor["since"], "to": cursor["until"], "start": 0}
        if "done_to" in cursor:
            start = date.fromisoformat(cursor["done_to"]) - timedelta(days=self.options["overlap_days"])
        else:
            start = today - timedelta(days=self.options["lookback_days"])
        return {"field": "LAST_MOD_DATE", "from": start.isoformat(), "to": today.isoformat(), "start": 0}

    def _page(self, state: dict) -> etree._Element:
        start, end = (date.fromisoformat(state[k]) for k in ("from", "to"))
        query = f"{state['field']}:[{start:%Y/%m/%d},{end:%Y/%m/%d}] {self.options['terms']}".strip()
        params = {"FEEDNAME": "PUBLIC", "VERSION": self.options["version"], "q": query, "start": state["start"]}
        resp = self.http.request("GET", self.base_url + FEED_PATH, params=params)
        return parse_feed(resp.body, "FPDS ATOM")

    def parse(self, payload: Any) -> list[Notice]:
        """Notices for the award and IDV records of one feed page, in either FPDS namespace.

        A page with entries but no readable record is an error (its cursor stays): reporting
        success there would lose the page for good."""
        out, entries = [], payload.findall("a:entry", NS)
        for entry in entries:
            for record in _RECORD(entry):
                if (award := _award(record)).piid:
                    out.append(award_notice(self.name, award, etree.tostring(record, encoding="unicode")))
        if entries and not out:
            names = sorted({etree.QName(el).text for e in entries for el in e.iterfind("a:content/*", NS)})
            raise SourceError(f"FPDS ATOM page of {len(entries)} entries yielded no award or IDV record",
                              f"content elements found: {', '.join(names)[:120] or 'none'}")
        return out


# What `_award` reads, as XPath 1.0 string expressions relative to the record (`f:` = its namespace):
# the first text node of the first element at a path, or an attribute of the first element at it.
IDS = "(f:awardID/f:awardContractID | f:contractID/f:IDVID[not(../../f:awardID/f:awardContractID)])[1]"
IDV = "(f:awardID/f:referencedIDVID)[1]"
UEI = "f:vendor/f:vendorSiteDetails/f:entityIdentifiers/f:vendorUEIInformation/"
READS = {
    "agency": f"{IDS}/f:agencyID", "piid": f"{IDS}/f:PIID", "mod": f"{IDS}/f:modNumber",
    "idv": f"{IDV}/f:PIID", "idv_agency": f"{IDV}/f:agencyID",
    "requirement": "f:contractData/f:descriptionOfContractRequirement",
    "award_type": "(f:contractData/f:contractActionType)[1]/@description",
    "department": "(f:purchaserInformation/f:contractingOfficeAgencyID)[1]/@departmentName",
    "agency_name": "(f:purchaserInformation/f:contractingOfficeAgencyID)[1]/@name",
    "office": "(f:purchaserInformation/f:contractingOfficeID)[1]/@name",
    "uei_name": UEI + "f:UEILegalBusinessName", "vendor_name": "f:vendor/f:vendorHeader/f:vendorName",
    "uei": UEI + "f:UEI", "total": "f:totalDollarValues/f:totalObligatedAmount",
    "obligated": "f:dollarValues/f:obligatedAmount", "signed": "f:relevantContractDates/f:signedDate",
    "approved": "f:transactionInformation/f:approvedDate",
    "period_start": "f:relevantContractDates/f:effectiveDate",
    "period_end": "f:relevantContractDates/f:currentCompletionDate",
    "extent_competed": "f:competition/f:extentCompeted", "reason_not_competed": "f:competition/f:reasonNotCompeted",
    "solicitation_procedures": "f:competition/f:solicitationProcedures",
    "fair_opportunity": "f:competition/f:statutoryExceptionToFairOpportunity",
    "set_aside": "f:competition/f:typeOfSetAside", "offers": "f:competition/f:numberOfOffersReceived",
    "naics": "f:productOrServiceInformation/f:principalNAICSCode",
    "psc": "f:productOrServiceInformation/f:productOrServiceCode",
}
EXPRESSIONS = tuple(f"string({p})" if "@" in p else f"string({p}/text()[1])" for p in READS.values())
SEP = "\ue000"  # a private-use character between the values of the joined read (none is expected in FPDS text)
JOINED = "concat(" + f", '{SEP}', ".join(EXPRESSIONS) + ")"


def _award(r) -> Award:
    """One `<award>` or `<IDV>` element as an Award; children are read in the record's own namespace."""
    name = etree.QName(r)
    v = _reads(r, name.namespace or "")
    return Award(
        agency=v["agency"], piid=v["piid"], mod=v["mod"], idv=v["idv"], idv_agency=v["idv_agency"],
        is_idv=name.localname == "IDV", requirement=v["requirement"], award_type=v["award_type"],
        agency_path=[v["department"], v["agency_name"], v["office"]],
        vendor_name=v["uei_name"] or v["vendor_name"], uei=v["uei"], amount=_amount(v["total"] or v["obligated"]),
        signed=v["signed"], approved=v["approved"], period_start=v["period_start"], period_end=v["period_end"],
        extent_competed=v["extent_competed"], reason_not_competed=v["reason_not_competed"],
        solicitation_procedures=v["solicitation_procedures"], fair_opportunity=v["fair_opportunity"],
        set_aside=v["set_aside"], offers=v["offers"], naics=v["naics"], psc=v["psc"])


def _reads(r, namespace: str) -> dict[str, str]:
    """Every value of READS, trimmed: one XPath call joins them all (~25 calls cost 4× as much); a
    record whose text holds SEP itself is read one value at a time."""
    values = _xpath(JOINED, namespace)(r).split(SEP)
    if len(values) != len(READS):
        values = [_xpath(e, namespace)(r) for e in EXPRESSIONS]
    return dict(zip(READS, map(_text, values)))


@functools.cache
def _xpath(expression: str, namespace: str) -> etree.XPath:
    """An XPath compiled once per record namespace (compiling it per record cost more than reading); a
    record in no namespace is read by plain names (XPath cannot bind a prefix to no namespace; every
    "f:" in READS is a step's prefix, so dropping them leaves the same paths)."""
    if not namespace:
        return etree.XPath(expression.replace("f:", ""), smart_strings=False)
    return etree.XPath(expression, namespaces={"f": namespace}, smart_strings=False)
