"""SAM.gov opportunities' parse shortcuts (each field read once, agency paths split once) give the
fields their plain definitions give, on every recorded search record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.sources import sam_opportunities as sam
from bot.sources.fields import amount, text

FIXTURES = Path(__file__).parent / "fixtures" / "sam_opportunities"
REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "payloads" / "sam_opportunities"


def _records(folder: Path) -> list[dict]:
    pages = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    return [r for page in pages if isinstance(page, dict) for r in page.get("opportunitiesData") or []
            if isinstance(r, dict) and r.get("noticeId")]


def _plain_fields(r: dict) -> tuple:
    """(agency_path, vendor_ids, amount, currency, codes) as first written, each value read where used."""
    full = text(r.get("fullParentPathName"))
    path = ([p.strip() for p in sam.PATH_SPLIT.split(full) if p.strip()] if full else
            [text(r.get(k)) for k in ("department", "subTier", "office") if text(r.get(k))])
    award = r.get("award") or {}
    awardee = award.get("awardee") or {}
    ids = [f"{k}:{text(awardee.get(f))}" for k, f in (("uei", "ueiSAM"), ("cage", "cageCode")) if text(awardee.get(f))]
    naics = r.get("naicsCodes") or ([r.get("naicsCode")] if text(r.get("naicsCode")) else [])
    set_aside = r.get("typeOfSetAside")
    set_aside = set_aside if isinstance(set_aside, list) else [set_aside]
    codes = {"naics": [text(n) for n in naics if text(n)], "psc": [text(r.get("classificationCode"))],
             "set_aside": [text(s) for s in set_aside], "notice_type": [text(r.get("type"))],
             "response_deadline": [text(r.get("responseDeadLine"))]}
    codes = {k: [v for v in vs if v and v.upper() != "NONE"] for k, vs in codes.items() if any(vs)}
    return path, ids, amount(award.get("amount")), "USD" if amount(award.get("amount")) else None, codes


def _odd_records() -> list[dict]:
    """Blanks, "NONE", legacy agency fields, lone naicsCode, set-aside lists: the branches fixtures may miss."""
    return [{"noticeId": "a", "naicsCodes": ["", " 541511 ", None], "typeOfSetAside": ["NONE"], "department": "DEPT",
             "office": " X ", "award": {"amount": "0", "awardee": {"ueiSAM": " ", "cageCode": "1ABC2"}}},
            {"noticeId": "b", "naicsCode": "336411", "typeOfSetAside": "SBA", "fullParentPathName": "U.S. ARMY.. ACC .X",
             "award": {"amount": "$1,200", "awardee": {"ueiSAM": "ABC", "name": "Acme"}}, "responseDeadLine": "null"},
            {"noticeId": "c", "naicsCode": " ", "typeOfSetAside": None, "award": None, "classificationCode": "none"}]


@pytest.mark.parametrize("folder", [FIXTURES, REALWORLD], ids=["fixtures", "realworld"])
def test_parsed_fields_are_the_plain_ones(folder):
    if not folder.is_dir():
        pytest.skip("../shared/realworld is not here (a clone has no ../shared)")
    records = _records(folder) + (_odd_records() if folder == FIXTURES else [])
    assert records
    for r in records:
        n = sam.notice_from_record("sam", r)
        assert (n.agency_path, n.vendor_ids, n.amount, n.currency, n.codes) == _plain_fields(r), r["noticeId"]


def test_an_agency_path_split_once_is_a_fresh_list_each_time():
    record = {"noticeId": "a", "fullParentPathName": "DEPT OF THINGS.SUB TIER.OFFICE"}
    first = sam.notice_from_record("sam", record)
    first.agency_path.append("changed by a caller")
    assert sam.notice_from_record("sam", record).agency_path == ["DEPT OF THINGS", "SUB TIER", "OFFICE"]


def test_type_in_is_any_wanted_prefix():
    wanted = {sam.TYPES[t] for t in sam.TYPES}
    for value in [*wanted, "justification and approval", "AWARD notice", "", None, 3, "Sale", "Sources"]:
        assert sam.type_in(value, wanted) == any(text(value).lower().startswith(w.lower()) for w in wanted)
        assert sam.type_in(value, {"Award Notice"}) == text(value).lower().startswith("award notice")
