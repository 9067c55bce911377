"""SAM.gov Contract Awards API v1, FPDS's successor: coded award records (notes/sources-us.md §2c).

Cursor: `lastModifiedDate=[MM/DD/YYYY,MM/DD/YYYY]`, re-reading `overlap_days`. The server filters on
the non-competed `extentCompetedCode`s; the verdict itself is decided client-side from all the
competition codes. `offset` is a page index (GSA's doc) and only the first 400,000 records of a
query are reachable, so a window that holds more is split in halves. Each window is then read a
second time with `deletedStatus=yes`, whose records withdraw the stored notice. The API's empty
answer (`awardResponse` with totalRecords "0" and a "No Data found" message) is an empty page.
A backfill reads its window by `dateSigned` instead of `lastModifiedDate`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any, Iterator

from ..errors import SourceError
from ..http import parse_json
from ..notice import Notice
from .base import Source
from .fields import amount as _amount, text as _text, to_int as _int
from .us_awards import NON_COMPETED, Award, award_notice, withdrawal

log = logging.getLogger("procwatch")
SEARCH_PATH = "/contract-awards/v1/search"
CEILING = 400_000  # records reachable per query (offset × limit)
ORG_LEVELS = ("contractingDepartment", "contractingSubtier", "contractingOffice")


class SamContractAwards(Source):
    kind = "sam_contract_awards"
    BASE_URL = "https://api.sam.gov"
    EVERY = "6h"
    SECRETS = ("api_key",)
    BACKFILL_SPAN = 366  # no documented limit; a year a window (the 400,000-record ceiling splits further)
    OPTIONS = {"extent_competed_codes": list(NON_COMPETED), "limit": 100, "overlap_days": 2,
               "lookback_days": 7, "daily_request_limit": 1000, "withdrawals": True}

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = []
        if not 1 <= options["limit"] <= 100:
            problems.append(("limit", "must be between 1 and 100 (the API's maximum)"))
        if options["lookback_days"] < 1 or options["overlap_days"] < 0:
            problems.append(("lookback_days", "lookback_days must be ≥ 1 and overlap_days ≥ 0"))
        if any(c in "&|{}^\\~!" for c in "".join(options["extent_competed_codes"])):
            problems.append(("extent_competed_codes", "codes such as \"C\" or \"NDO\", without operators"))
        return problems

    def fetch(self, cursor: dict | None, now: datetime) -> Iterator[tuple[Any, dict]]:
        """Page each window (split while over the ceiling) for awards, then for deletions.

        The cursor after the last page is `done_to` the window's end, never a phase: an empty
        phase ends its part of the window like any short page."""
        state = self._resume(cursor, now.date())
        while state is not None:
            payload = self._search(state)
            if state["offset"] == 0 and _total(payload) > CEILING and state["from"] < state["to"]:
                state = _split(state)
                continue
            rows = len(payload.get("awardSummary") or [])
            end, state = state["end"], self._next(state, rows, _total(payload))
            yield payload, state or {"done_to": end}

    def _resume(self, cursor: dict | None, today: date) -> dict:
        """A half-read window from the cursor, a backfill's dateSigned window, else the
        lastModifiedDate window after the last one, with overlap."""
        if cursor and "phase" in cursor:
            return dict(cursor)
        if cursor and "since" in cursor:
            return {"phase": "awards", "field": "dateSigned", "from": cursor["since"], "to": cursor["until"],
                    "end": cursor["until"], "offset": 0}
        if cursor and "done_to" in cursor:
            start = date.fromisoformat(cursor["done_to"]) - timedelta(days=self.options["overlap_days"])
        else:
            start = today - timedelta(days=self.options["lookback_days"])
        return {"phase": "awards", "from": start.isoformat(), "to": today.isoformat(),
                "end": today.isoformat(), "offset": 0}

    def _next(self, state: dict, rows: int, total: int) -> dict | None:
        """The state after one page: next page, next phase, next split window, or None when done."""
        read = (state["offset"] + 1) * self.options["limit"]
        if rows == self.options["limit"] and read < min(total, CEILING):
            return state | {"offset": state["offset"] + 1}
        if total > read >= CEILING:
            log.warning("%s: %s holds %d records; only the first %d are reachable", self.name,
                        state["from"], total, CEILING)
        if state["phase"] == "awards" and self.options["withdrawals"]:
            return state | {"phase": "deleted", "offset": 0}
        if state["to"] < state["end"]:
            after = date.fromisoformat(state["to"]) + timedelta(days=1)
            return state | {"phase": "awards", "from": after.isoformat(), "to": state["end"], "offset": 0}
        return None

    def _search(self, state: dict) -> dict:
        """One search request; 204, an empty `{}` body and the `awardResponse` "No Data found"
        answer (totalRecords "0") are empty pages."""
        self.budget.spend()
        window = f"[{_us_date(state['from'])},{_us_date(state['to'])}]"
        params = {"api_key": self.config.secrets.get("api_key", ""), state.get("field", "lastModifiedDate"): window,
                  "limit": self.options["limit"], "offset": state["offset"]}
        if state["phase"] == "deleted":
            params |= {"deletedStatus": "yes", "includeSections": "contractId"}
        elif self.options["extent_competed_codes"]:
            params["extentCompetedCode"] = "~".join(self.options["extent_competed_codes"])
        resp = self.http.request("GET", self.base_url + SEARCH_PATH, params=params, ok=(200, 204))
        payload = {} if resp.status == 204 or not resp.body.strip() else parse_json(resp)
        if _empty_answer(payload):
            payload = {"totalRecords": 0, "awardSummary": []}
        if not isinstance(payload, dict) or not isinstance(payload.get("awardSummary", []), (list, type(None))) \
                or ("awardSummary" not in payload and payload.get("message")):
            raise SourceError("SAM.gov Contract Awards answered without awardSummary", str(payload)[:160])
        return payload | {"_phase": state["phase"]}

    def parse(self, payload: Any) -> list[Notice]:
        """Notices (or withdrawal markers, for the deleted-records phase) from one page."""
        records = [r for r in payload.get("awardSummary") or [] if isinstance(r, dict)]
        if payload.get("_phase") == "deleted":
            return [self._withdrawal(r) for r in records if _text((r.get("contractId") or {}).get("piid"))]
        return [award_notice(self.name, award, r) for r in records if (award := _award(r)).piid]

    def _withdrawal(self, r: dict) -> Notice:
        cid = r["contractId"]
        return withdrawal(self.name, _code(cid.get("subtier")), _text(cid.get("piid")),
                          _text(cid.get("modificationNumber")), _text(cid.get("referencedIDVPiid")), r)


def _award(r: dict) -> Award:
    """One awardSummary record as an Award; sections may be missing (`includeSections`)."""
    cid, core, details = (r.get(k) or {} for k in ("contractId", "coreData", "awardDetails"))
    org = (core.get("federalOrganization") or {}).get("contractingInformation") or {}
    comp = core.get("competitionInformation") or {}
    dcomp = details.get("competitionInformation") or {}
    dates, dollars = details.get("dates") or {}, details.get("totalContractDollars") or {}
    awardee = details.get("awardeeData") or r.get("awardeeData") or {}
    header, uei = awardee.get("awardeeHeader") or {}, awardee.get("awardeeUEIInformation") or {}
    product = core.get("productOrServiceInformation") or {}
    tx = details.get("transactionData") or {}
    return Award(
        agency=_code(cid.get("subtier")), piid=_text(cid.get("piid")), mod=_text(cid.get("modificationNumber")),
        idv=_text(cid.get("referencedIDVPiid")), idv_agency=_code(cid.get("referencedIDVSubtier")),
        requirement=_text((details.get("productOrServiceInformation") or {}).get("descriptionOfContractRequirement")),
        award_type=_name(core.get("awardOrIDVType")),
        agency_path=[n for k in ORG_LEVELS if (n := _name(org.get(k)))] or [_name(cid.get("subtier"))],
        vendor_name=_text(header.get("legalBusinessName")) or _text(header.get("awardeeName")),
        uei=_text(uei.get("uniqueEntityId")), cage=_text(uei.get("cageCode")),
        amount=_amount(dollars.get("totalActionObligation", (details.get("dollars") or {}).get("actionObligation"))),
        signed=_text(dates.get("dateSigned")), approved=_text(tx.get("approvedDate")),
        period_start=_text(dates.get("periodOfPerformanceStartDate")),
        period_end=_text(dates.get("currentCompletionDate")),
        extent_competed=_code(comp.get("extentCompeted")),
        reason_not_competed=_code(comp.get("otherThanFullAndOpenCompetition")),
        solicitation_procedures=_code(comp.get("solicitationProcedures")),
        fair_opportunity=_code(comp.get("fairOpportunityLimitedSources")),
        set_aside=_code(comp.get("typeOfSetAside")), offers=_text(dcomp.get("numberOfOffersReceived")),
        naics=_code((product.get("principalNaics") or [{}])[0]), psc=_code(product.get("productOrService")))


def _code(value) -> str:
    """`{"code": "C", "name": "NOT COMPETED"}` → "C" (codes over labels)."""
    return _text(value.get("code")) if isinstance(value, dict) else _text(value)


def _name(value) -> str:
    return _text(value.get("name")) if isinstance(value, dict) else ""


def _total(payload: dict) -> int:
    """totalRecords arrives as a string, a number or null (unknown: page on while pages are full)."""
    return _int(payload.get("totalRecords"), CEILING)


def _empty_answer(payload) -> bool:
    """`{"awardResponse": {"totalRecords": "0", …}, "message": "No Data found..."}`: nothing matched."""
    wrapper = payload.get("awardResponse") if isinstance(payload, dict) else None
    return isinstance(wrapper, dict) and "awardSummary" not in payload and _int(wrapper.get("totalRecords"), -1) == 0


def _split(state: dict) -> dict:
    """The first half of a window too large to page; `_next` moves on to the rest afterwards."""
    start, stop = date.fromisoformat(state["from"]), date.fromisoformat(state["to"])
    middle = start + (stop - start) // 2
    return state | {"to": middle.isoformat(), "offset": 0}


def _us_date(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%m/%d/%Y")
