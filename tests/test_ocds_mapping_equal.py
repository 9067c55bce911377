"""ocds_mapping reads a release's lists once: its fields equal the straightforward reads on every recorded release."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.http import Response, parse_json
from bot.sources import ocds_mapping as m
from bot.sources.fields import html_to_text, text

HERE = Path(__file__).parent
FOLDERS = ("uk_contracts_finder", "uk_fts", "austender", "ocds")
ODD = [  # a supplier named twice, a blank name, suppliers only as parties, reasons on a contract, code repeats
    {"ocid": "o-1", "buyer": {"name": " "}, "tag": ["tender"],
     "parties": [{"id": "B", "name": " ", "roles": ["buyer"]}, {"id": "B2", "name": "Board", "roles": ["buyer"]},
                 {"id": "S", "name": "Acme", "roles": ["supplier"], "identifier": {"scheme": "GB-COH", "id": "1"},
                  "additionalIdentifiers": [{"scheme": "X", "id": "2"}, {"scheme": "GB-COH", "id": "1"}]},
                 "not a party", {"id": "T", "name": "Acme", "roles": ["supplier"]}],
     "tender": {"description": "a  b", "procurementMethodRationale": "a b", "procurementMethod": "limited",
                "limitedTenderReason": "  ", "LtReason": "urgency", "classification": {"scheme": "CPV", "id": "1"},
                "additionalClassifications": [{"scheme": "cpv", "id": "1"}, {"scheme": "CPV", "id": "2"}],
                "items": [{"classification": {"scheme": "UNSPSC", "id": "9"}}, "x"],
                "documents": [{"noticeType": "n1"}, {"noticeType": "n1"}, {}]},
     "contracts": [{"LtReasonCode": "c", "limitedTenderReasonCode": "null", "description": "a b"}]},
    {"ocid": "o-2", "parties": [{"name": "P", "roles": ["procuringEntity"]}],
     "awards": [{"suppliers": [{"id": "S", "name": "Acme"}, {"id": "", "name": ""}, {"name": "Acme"}],
                 "description": None, "documents": [{"noticeType": "n2"}]}, {"suppliers": "none"}],
     "tender": {"description": 5}},
]


def _releases() -> list[dict]:
    """Every release of the recorded OCDS pages (ours, and ../shared/realworld's read in place) and ODD."""
    pages = [p for f in FOLDERS for p in sorted(HERE.joinpath("fixtures", f).glob("*.json"))]
    realworld = HERE.parents[1].joinpath("shared", "realworld", "payloads")
    pages += [p for f in FOLDERS for p in sorted(realworld.joinpath(f).glob("*.json"))]
    packages = [parse_json(Response(200, p.read_bytes(), {}, "https://127.0.0.1/")) for p in pages]
    return [r for p in packages if "releases" in p or "records" in p for r in m.releases_of(p)] + ODD


def _parties(release: dict, role: str) -> list[dict]:
    return [p for p in m._dicts(release.get("parties")) if role in (p.get("roles") or [])]


def plain_buyer(release: dict) -> list[str]:
    named = text(m._dict(release.get("buyer")).get("name"))
    if named:
        return [named]
    for role in ("buyer", "procuringEntity"):
        names = [text(p.get("name")) for p in _parties(release, role) if text(p.get("name"))]
        if names:
            return names[:1]
    return []


def plain_suppliers(release: dict, awards: list[dict]) -> list[str]:
    names = [text(s.get("name")) for a in awards for s in m._dicts(a.get("suppliers"))]
    names = names or [text(p.get("name")) for p in _parties(release, "supplier")]
    return list(dict.fromkeys(n for n in names if n))


def plain_supplier_ids(release: dict, awards: list[dict]) -> list[str]:
    wanted = {text(s.get("id")) for a in awards for s in m._dicts(a.get("suppliers"))}
    found = []
    for party in m._dicts(release.get("parties")):
        if text(party.get("id")) in wanted or "supplier" in (party.get("roles") or []):
            for ident in [m._dict(party.get("identifier")), *m._dicts(party.get("additionalIdentifiers"))]:
                if text(ident.get("scheme")) and text(ident.get("id")):
                    found.append(f"{text(ident.get('scheme')).lower()}:{text(ident.get('id'))}")
    return list(dict.fromkeys(found))


def plain_description(release: dict, tender: dict, awards: list[dict], contracts: list[dict]) -> str:
    parts = [tender.get("description"), *(a.get("description") for a in (*awards, *contracts)),
             release.get("description"), tender.get("procurementMethodRationale")]
    return "\n\n".join(dict.fromkeys(html_to_text(text(p)) for p in parts if text(p)))


def plain_codes(tender: dict, awards: list[dict], contracts: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    items = [i for group in (tender, *awards, *contracts) for i in m._dicts(group.get("items"))]
    for cls in [m._dict(tender.get("classification")), *m._dicts(tender.get("additionalClassifications")),
                *(m._dict(i.get("classification")) for i in items)]:
        if text(cls.get("scheme")) and text(cls.get("id")):
            out.setdefault(text(cls.get("scheme")).lower(), []).append(text(cls.get("id")))
    out["procedure"] = [text(tender.get("procurementMethod"))]
    out["procedure_details"] = [text(tender.get("procurementMethodDetails"))]
    out["notice_type"] = [text(d.get("noticeType")) for g in (tender, *awards) for d in m._dicts(g.get("documents"))]
    out["direct_award_justification"] = [
        text(c.get("id")) for c in m._dicts(tender.get("procurementMethodRationaleClassifications"))
        if "direct-award-justification" in text(c.get("scheme")).lower()]
    out["limited_tender_reason"] = [text(g.get(f)) for g in (tender, *contracts) for f in m.LIMITED_REASON_FIELDS]
    return {k: list(dict.fromkeys(v for v in vs if v)) for k, vs in out.items() if any(vs)}


@pytest.mark.parametrize("release", _releases(), ids=lambda r: text(r.get("ocid"))[-24:])
def test_notice_fields_equal_the_straightforward_reads(release):
    tender = m._dict(release.get("tender"))
    awards, contracts = m._dicts(release.get("awards")), m._dicts(release.get("contracts"))
    notice = m.to_notice(release, "src", m.document_url)
    assert notice.agency_path == plain_buyer(release)
    assert notice.vendor_name == "; ".join(plain_suppliers(release, awards))
    assert notice.vendor_ids == plain_supplier_ids(release, awards)
    assert notice.description == plain_description(release, tender, awards, contracts)
    assert notice.codes == plain_codes(tender, awards, contracts)
    assert list(notice.codes) == list(plain_codes(tender, awards, contracts))


def test_the_odd_releases_read_what_they_hold():
    first, second = (m.to_notice(r, "src", m.document_url) for r in ODD)
    assert (first.agency_path, first.vendor_name, first.vendor_ids) == (["Board"], "Acme", ["gb-coh:1", "x:2"])
    assert first.codes["cpv"] == ["1", "2"] and first.codes["limited_tender_reason"] == ["urgency", "c"]
    assert first.codes["notice_type"] == ["n1"] and first.description == "a b"
    assert (second.agency_path, second.vendor_name, second.description) == (["P"], "Acme", "5")
    assert second.codes == {"notice_type": ["n2"]}
    assert len(_releases()) > 100
