"""OCDS 1.1 release → Notice, shared by every OCDS source (notes/sources-intl.md §2, §4, §5).

One procurement (`ocid`) accumulates releases (planning → tender → award → contract); the notice
identity is the ocid, so a later release is a new *version* of the same notice (an award after its
tender is a material update), not a second notice. Publishers differ on where the buyer and the
supplier live and on numeric types, so every field has a fallback. No I/O here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from ..errors import SourceError
from ..notice import Notice
from .fields import amount as _amount, html_to_text, record_text, text as _text

# Release tags → Notice.kind, most specific first.
KIND_BY_TAG = (("contractAmendment", "modification"), ("contractUpdate", "modification"),
               ("contractTermination", "modification"), ("award", "award"), ("awardUpdate", "award"),
               ("contract", "award"), ("tender", "tender"), ("tenderAmendment", "tender"),
               ("tenderUpdate", "tender"), ("planning", "other"))
# AusTender reason fields: camelCase on live `tender`, the published schema's names on `contracts[]`.
LIMITED_REASON_FIELDS = ("limitedTenderReasonCode", "limitedTenderReason", "LtReasonCode", "LtReason")

UrlFor = Callable[[dict], str]


def releases_of(package: Any) -> list[dict]:
    """The releases of a release package, or the compiled/latest release of each record of a record package."""
    if not isinstance(package, dict):
        raise SourceError("OCDS answer is not a JSON object", str(package)[:120])
    if isinstance(package.get("releases"), list):
        return [r for r in package["releases"] if isinstance(r, dict) and r.get("ocid")]
    if isinstance(package.get("records"), list):
        return [r for r in map(_record_release, package["records"]) if r]
    raise SourceError("OCDS answer holds neither releases nor records",
                      _text(package.get("message")) or ", ".join(sorted(package))[:120])


def _record_release(record: Any) -> dict | None:
    """A record's compiledRelease, else its last embedded release (linked releases carry only a URL)."""
    if not isinstance(record, dict):
        return None
    compiled = record.get("compiledRelease")
    if isinstance(compiled, dict) and compiled.get("ocid"):
        return compiled
    embedded = [r for r in record.get("releases") or [] if isinstance(r, dict) and r.get("tag")]
    return max(embedded, key=lambda r: _text(r.get("date")), default=None)


def latest_per_ocid(releases: list[dict]) -> list[dict]:
    """One release per ocid, the latest by `date` (ties: the later in the page), in page order."""
    best: dict[str, dict] = {}
    for release in releases:
        ocid = _text(release.get("ocid"))
        if ocid not in best or _text(release.get("date")) >= _text(best[ocid].get("date")):
            best[ocid] = release
    return list(best.values())


def window_latest(packages: list[dict]) -> list[dict]:
    """Each package as a release package holding only the releases that are their ocid's latest
    across ALL the packages, so re-reading a window never steps a notice back to an older release."""
    pages = [releases_of(p) for p in packages]
    latest = {id(r) for r in latest_per_ocid([r for page in pages for r in page])}
    return [{k: v for k, v in package.items() if k != "records"} | {"releases": [r for r in page if id(r) in latest]}
            for package, page in zip(packages, pages)]


def next_link(package: Any) -> str | None:
    """`links.next`, or None at the end; a next link with an empty `cursor=` is the end, never followed."""
    links = package.get("links") if isinstance(package, dict) else None
    nxt = _text(links.get("next")) if isinstance(links, dict) else ""
    if not nxt or "cursor=&" in nxt + "&":
        return None
    return nxt


def notices(package: Any, source: str, url_for: UrlFor) -> list[Notice]:
    """Notices from one package: the latest release of each ocid it holds."""
    return [to_notice(r, source, url_for) for r in latest_per_ocid(releases_of(package))]


def to_notice(release: dict, source: str, url_for: UrlFor) -> Notice:
    """One release as a Notice (identity = ocid; the release id stays in `raw`)."""
    tender = _dict(release.get("tender"))
    awards, contracts = _dicts(release.get("awards")), _dicts(release.get("contracts"))
    parties = _dicts(release.get("parties"))  # read by the buyer, the suppliers and their ids
    supplied = [s for a in awards for s in _dicts(a.get("suppliers"))]
    value, currency = money(awards, contracts, tender)
    first = (awards or contracts or [{}])[0]
    period = _dict(first.get("contractPeriod") or first.get("period") or tender.get("contractPeriod"))
    ocid = _text(release["ocid"])
    return Notice(
        source=source, native_id=ocid, title=title(release, tender, awards, contracts),
        url=url_for(release), kind=kind(release.get("tag")), description=description(release, tender, awards, contracts),
        agency_path=buyer(release, parties), vendor_name="; ".join(suppliers(supplied, parties)),
        vendor_ids=supplier_ids(supplied, parties), amount=value, currency=currency,
        posted_at=_text(release.get("date")) or None,
        awarded_at=_text(first.get("date") or first.get("dateSigned")) or None,
        period_start=_text(period.get("startDate")) or None, period_end=_text(period.get("endDate")) or None,
        reference=ocid, codes=codes(tender, awards, contracts), raw=record_text(release))


def title(release: dict, tender: dict, awards: list[dict], contracts: list[dict]) -> str:
    for item in (tender, *awards, *contracts, _dict(release.get("planning")), release):
        if _text(item.get("title")):
            return html_to_text(_text(item["title"]))
    return ""


def description(release: dict, tender: dict, awards: list[dict], contracts: list[dict]) -> str:
    """Tender, award, contract and release descriptions and the method rationale (duplicates once)."""
    parts = [tender.get("description"), *(a.get("description") for a in (*awards, *contracts)),
             release.get("description"), tender.get("procurementMethodRationale")]
    return "\n\n".join(dict.fromkeys([html_to_text(t) for p in parts if p is not None and (t := _text(p))]))


def kind(tags: Any) -> str:
    tags = set(tags) if isinstance(tags, list) else set()
    return next((k for tag, k in KIND_BY_TAG if tag in tags), "other")


def with_role(parties: list[dict], role: str) -> list[dict]:
    return [p for p in parties if role in (p.get("roles") or [])]


def buyer(release: dict, parties: list[dict]) -> list[str]:
    """`buyer.name`, else the party with role buyer, else procuringEntity (AusTender has no buyer)."""
    named = _text(_dict(release.get("buyer")).get("name"))
    if named:
        return [named]
    for role in ("buyer", "procuringEntity"):
        for party in with_role(parties, role):
            if name := _text(party.get("name")):
                return [name]
    return []


def suppliers(supplied: list[dict], parties: list[dict]) -> list[str]:
    """The awards' supplier names, else the supplier parties' (each once)."""
    names = [_text(s.get("name")) for s in supplied] or [_text(p.get("name")) for p in with_role(parties, "supplier")]
    return list(dict.fromkeys([n for n in names if n]))


def supplier_ids(supplied: list[dict], parties: list[dict]) -> list[str]:
    """`scheme:id` for each supplier party identifier (e.g. `gb-coh:01234567`, `au-abn:…`)."""
    wanted = {_text(s.get("id")) for s in supplied}
    found = []
    for party in parties:
        if _text(party.get("id")) in wanted or "supplier" in (party.get("roles") or []):
            for ident in [_dict(party.get("identifier")), *_dicts(party.get("additionalIdentifiers"))]:
                scheme, ident_id = _text(ident.get("scheme")), _text(ident.get("id"))
                if scheme and ident_id:
                    found.append(f"{scheme.lower()}:{ident_id}")
    return list(dict.fromkeys(found))


def money(awards: list[dict], contracts: list[dict], tender: dict) -> tuple[Decimal | None, str | None]:
    """Sum of the award values, else of the contract values, else the tender value (one currency only)."""
    for group in (awards, contracts, [tender]):
        values = [value for item in group if (value := _dict(item.get("value")))]
        amounts = [_amount(v.get("amount")) for v in values]
        currencies = {_text(v.get("currency")) for v in values}
        if values and None not in amounts and len(currencies) == 1:
            return sum(amounts, Decimal(0)), currencies.pop() or None
    return None, None


def codes(tender: dict, awards: list[dict], contracts: list[dict]) -> dict[str, list[str]]:
    """Classification codes by scheme plus the competition codes classify reads."""
    out: dict[str, list[str]] = {}
    items = [i for group in (tender, *awards, *contracts) for i in _dicts(group.get("items"))]
    for cls in [_dict(tender.get("classification")), *_dicts(tender.get("additionalClassifications")),
                *(_dict(i.get("classification")) for i in items)]:
        scheme, code = _text(cls.get("scheme")).lower(), _text(cls.get("id"))
        if scheme and code:
            out.setdefault(scheme, []).append(code)
    out["procedure"] = [_text(tender.get("procurementMethod"))]
    out["procedure_details"] = [_text(tender.get("procurementMethodDetails"))]
    out["notice_type"] = [_text(d.get("noticeType")) for group in (tender, *awards)
                          for d in _dicts(group.get("documents"))]
    out["direct_award_justification"] = [
        _text(c.get("id")) for c in _dicts(tender.get("procurementMethodRationaleClassifications"))
        if "direct-award-justification" in _text(c.get("scheme")).lower()]
    out["limited_tender_reason"] = [_text(group[f]) for group in (tender, *contracts)
                                    for f in LIMITED_REASON_FIELDS if f in group]
    return {k: once for k, values in out.items() if (once := _once(values))}


def _once(values: list[str]) -> list[str]:
    """The values that are not empty, each once, in order (most code lists hold one value or none)."""
    if len(values) < 2:
        return values if values and values[0] else []
    return list(dict.fromkeys([v for v in values if v]))


def document_url(release: dict) -> str:
    """The first published notice document (Contracts Finder links its notice page this way)."""
    for group in (*_dicts(release.get("awards")), _dict(release.get("tender"))):
        for doc in _dicts(group.get("documents")):
            if _text(doc.get("url")).startswith("http"):
                return _text(doc["url"])
    return ""


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
