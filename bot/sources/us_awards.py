"""US federal award records (FPDS / SAM.gov Contract Awards / USAspending) → Notice, in one place.

The three US award sources publish the same FPDS data in three shapes. Each maps its shape to an
`Award` and calls `award_notice`, so identity (DESIGN §4: PIID + modification + agency), the
thread key (`reference` = PIID), the competition code keys that `classify` reads and the
withdrawal marker are defined once (notes/sources-us.md §4–5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..classify import EXTENT_COMPETED, REASON_NOT_COMPETED, SOLE
from ..notice import Notice
from .fields import record_text, text

# extentCompeted codes that mean "not competed" (B, C, G, NDO): the server-side filter default.
NON_COMPETED = [code for code, (verdict, _) in EXTENT_COMPETED.items() if verdict == SOLE]
WITHDRAWN = "withdrawn"  # codes key a source sets on a deleted record (see `withdrawal`)
USASPENDING_AWARD_URL = "https://www.usaspending.gov/award/{}/"


@dataclass
class Award:
    """One award transaction, normalised from any of the three shapes (codes, never labels)."""

    agency: str                 # contracting agency (sub-tier) code of the award id, e.g. "4740"
    piid: str
    mod: str = "0"
    idv: str = ""               # referenced IDV PIID, for orders
    idv_agency: str = ""
    is_idv: bool = False        # the record is an IDV itself (a contract vehicle), not an award under one
    requirement: str = ""       # descriptionOfContractRequirement
    award_type: str = ""        # label, e.g. "PURCHASE ORDER"
    agency_path: list[str] = field(default_factory=list)
    vendor_name: str = ""
    uei: str = ""
    cage: str = ""
    amount: Decimal | None = None   # total obligation of the contract to date
    signed: str | None = None
    approved: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    url: str = ""
    extent_competed: str = ""
    reason_not_competed: str = ""
    solicitation_procedures: str = ""
    fair_opportunity: str = ""
    set_aside: str = ""
    offers: str = ""
    naics: str = ""
    psc: str = ""


def native_id(agency: str, piid: str, mod: str, idv: str = "") -> str:
    """`agency:PIID:mod`, with `IDV/` before the PIID of an order (order numbers repeat across IDVs)."""
    return f"{agency or '-'}:{idv + '/' if idv else ''}{piid}:{mod or '0'}"


def is_modification(mod: str) -> bool:
    return text(mod) not in ("", "0")


def usaspending_url(award: Award) -> str:
    """USAspending's page for the award (the same page for the base and its modifications)."""
    if award.is_idv:
        return USASPENDING_AWARD_URL.format(f"CONT_IDV_{award.piid}_{award.agency}")
    return USASPENDING_AWARD_URL.format(usaspending_award_id(award.piid, award.agency, award.idv, award.idv_agency))


def usaspending_award_id(piid: str, agency: str, idv: str = "", idv_agency: str = "") -> str:
    """USAspending's generated_unique_award_id: CONT_AWD_{piid}_{agency}_{idv}_{idv agency}."""
    return f"CONT_AWD_{piid}_{agency}_{idv or '-NONE-'}_{(idv_agency or agency) if idv else '-NONE-'}"


def award_kind(award: Award) -> str:
    """`modification` for a mod, `idv` for a contract vehicle itself, else `award`."""
    if is_modification(award.mod):
        return "modification"
    return "idv" if award.is_idv else "award"


def award_notice(source: str, award: Award, raw: dict | str, native: str | None = None) -> Notice:
    """The Notice for one award transaction; `native` overrides the id (USAspending's own id)."""
    first_line = " ".join(award.requirement.strip().splitlines()[0].split()) if award.requirement.strip() else ""
    title = first_line or f"{award.award_type or 'Award'} {award.piid}".strip()
    vendor_ids = [f"uei:{award.uei}"] if award.uei else []
    vendor_ids += [f"cage:{award.cage}"] if award.cage else []
    return Notice(
        source=source, native_id=native or native_id(award.agency, award.piid, award.mod, award.idv),
        title=title[:300], url=award.url or usaspending_url(award),
        kind=award_kind(award),
        description=" ".join(award.requirement.split()), agency_path=[p for p in award.agency_path if p],
        vendor_name=award.vendor_name, vendor_ids=vendor_ids, amount=award.amount,
        currency="USD" if award.amount is not None else None,
        posted_at=day_of(award.approved or award.signed), awarded_at=day_of(award.signed),
        period_start=day_of(award.period_start), period_end=day_of(award.period_end),
        reference=award.piid, codes=award_codes(award),
        raw=raw if isinstance(raw, str) else record_text(raw))


def award_codes(award: Award) -> dict[str, list[str]]:
    """The codes keys classify.py reads, plus NAICS/PSC, the referenced IDV, the mod and offers."""
    pairs = {"extent_competed": award.extent_competed, "reason_not_competed": award.reason_not_competed,
             "solicitation_procedures": award.solicitation_procedures,
             "fair_opportunity": award.fair_opportunity, "set_aside": award.set_aside,
             "naics": award.naics, "psc": award.psc, "idv": award.idv,
             "modification": award.mod if is_modification(award.mod) else "", "offers_received": award.offers}
    return {k: [text(v).upper() if k != "idv" else text(v)] for k, v in pairs.items() if text(v)}


def withdrawal(source: str, agency: str, piid: str, mod: str, idv: str, raw: dict) -> Notice:
    """A marker Notice for a deleted record: same uid as the record, `codes["withdrawn"]` set.

    The pipeline marks the stored notice withdrawn (and re-alerts it as withdrawn if it had been
    alerted) instead of storing this marker's empty fields over the record.
    """
    return Notice(source=source, native_id=native_id(agency, piid, mod, idv), reference=piid,
                  codes={WITHDRAWN: ["deletedStatus=yes"]},
                  raw=record_text(raw))


def reason_code(code: str, label: str) -> str:
    """The reasonNotCompeted code, or the code whose label the published label starts with.

    Old USAspending records (2018 docs) give only `other_than_full_and_o_desc`, e.g.
    "ONLY ONE SOURCE-OTHER (FAR 6.302-1 OTHER)"; keyed on codes, so recover the code when we can.
    """
    if text(code):
        return text(code)
    folded = _letters(label)
    for known, (_, known_label) in REASON_NOT_COMPETED.items():
        head = _letters(known_label.split(",")[0])
        if folded and head and folded.startswith(head):
            return known
    return text(label)


def _letters(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text(value).lower())


def day_of(value: str | None) -> str | None:
    """The date part of an FPDS/SAM/USAspending timestamp ("2025-04-02T00:00:00Z" → "2025-04-02")."""
    raw = text(value)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10]).isoformat()
    except ValueError:
        return raw
