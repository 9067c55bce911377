"""USAspending.gov API v2 (keyless): contract awards by last-modified date, coded via award detail.

`spending_by_award` has no competition field, so the search is narrowed server-side with
`extent_competed_type_codes` and each award new to us (or changed) costs one detail request, whose
`latest_transaction_contract_data` carries the codes (notes/sources-us.md §3). Pages follow
`hasNext`; past 50,000 records the API wants `last_record_unique_id`/`last_record_sort_value`.
A filter the API reports as unused is a warning in the log and in the source's health: results
would otherwise be silently wrong. A backfill reads its window by action date; `CONT_IDV_` ids are
IDVs (kind `idv`), and dates a search row lacks come from the detail.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date, datetime, timedelta
from typing import Any, Iterator

from ..errors import SourceError
from ..http import parse_json
from ..notice import Notice
from .base import Source
from .fields import amount as _amount, text as _text
from .us_awards import NON_COMPETED, USASPENDING_AWARD_URL, Award, award_codes, award_notice, day_of, reason_code

log = logging.getLogger("procwatch")
SEARCH_PATH = "/api/v2/search/spending_by_award/"
DETAIL_PATH = "/api/v2/awards/{}/"
SEARCH_AFTER_FROM = 50_000  # page × limit beyond which page numbers are refused (422)
FIELDS = ["Award ID", "Recipient Name", "Recipient UEI", "Award Amount", "Start Date", "End Date",
          "Awarding Agency", "Awarding Sub Agency", "Contract Award Type", "Description",
          "Last Modified Date", "Base Obligation Date", "NAICS", "PSC", "generated_internal_id"]
SORT = "Last Modified Date"
IDV_PREFIX = "CONT_IDV_"  # generated ids of IDVs (contract vehicles), as against CONT_AWD_ awards
GROUPS = {"contracts": {"A", "B", "C", "D"}, "idvs": {"IDV_A", "IDV_B", "IDV_B_A", "IDV_B_B", "IDV_B_C",
                                                       "IDV_C", "IDV_D", "IDV_E"}}
UNUSED = re.compile(r"filters from the request were not used:\s*(.+?)(?:\.\s|\.?$)", re.I | re.S)


class UsaSpending(Source):
    kind = "usaspending"
    BASE_URL = "https://api.usaspending.gov"
    EVERY = "12h"
    BACKFILL_SPAN = 366  # no documented limit; a year a window
    BACKFILL_EARLIEST = "2007-10-01"  # the earliest start_date time_period accepts
    OPTIONS = {"award_type_codes": ["A", "B", "C", "D"], "extent_competed_codes": list(NON_COMPETED),
               "limit": 100, "lookback_days": 7, "overlap_days": 3}

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        codes = set(options["award_type_codes"])
        problems = []
        if not codes or not any(codes <= group for group in GROUPS.values()):
            problems.append(("award_type_codes", "all codes must come from one group: A–D (contracts) "
                             "or IDV_* (the API answers 422 to a mix)"))
        if not 1 <= options["limit"] <= 100:
            problems.append(("limit", "must be between 1 and 100"))
        if options["lookback_days"] < 1 or options["overlap_days"] < 0:
            problems.append(("lookback_days", "lookback_days must be ≥ 1 and overlap_days ≥ 0"))
        return problems

    def fetch(self, cursor: dict | None, now: datetime) -> Iterator[tuple[Any, dict]]:
        """Page the last-modified window while `hasNext`, by page number and then by search-after."""
        state = self._resume(cursor, now.date())
        while True:
            payload = self._search(state)
            meta = payload.get("page_metadata") or {}
            more = bool(meta.get("hasNext")) and bool(payload.get("results"))
            end, state = state["to"], (self._next(state, meta) if more else None)
            yield payload, state or {"done_to": end}
            if state is None:
                return

    def _resume(self, cursor: dict | None, today: date) -> dict:
        """A half-read window, a backfill's action-date window, else the last-modified window since the last poll."""
        if cursor and "page" in cursor:
            return dict(cursor)
        if cursor and "since" in cursor:
            return {"from": cursor["since"], "to": cursor["until"], "page": 1, "date_type": "action_date"}
        if cursor and "done_to" in cursor:
            start = date.fromisoformat(cursor["done_to"]) - timedelta(days=self.options["overlap_days"])
        else:
            start = today - timedelta(days=self.options["lookback_days"])
        return {"from": start.isoformat(), "to": today.isoformat(), "page": 1}

    def _next(self, state: dict, meta: dict) -> dict:
        """Next page number, switching to search-after once page numbers would pass 50,000 records."""
        nxt = state | {"page": state["page"] + 1}
        if nxt["page"] * self.options["limit"] > SEARCH_AFTER_FROM or "after" in state:
            after = [meta.get("last_record_unique_id"), meta.get("last_record_sort_value")]
            if None in after:
                raise SourceError("USAspending gave no last_record_unique_id/sort_value past 50,000 records",
                                  "narrow the window (lookback_days) or the filters")
            nxt["after"] = after
        return nxt

    def _search(self, state: dict) -> dict:
        body = {"filters": self._filters(state), "fields": FIELDS, "limit": self.options["limit"],
                "page": state["page"], "sort": SORT, "order": "asc", "subawards": False}
        if "after" in state:
            body |= {"last_record_unique_id": state["after"][0], "last_record_sort_value": state["after"][1]}
        payload = parse_json(self.http.request("POST", self.base_url + SEARCH_PATH, json=body))
        if not isinstance(payload, dict) or not isinstance(payload.get("results", []), (list, type(None))):
            raise SourceError("USAspending answered without results", str(payload)[:120])
        self._check_messages(payload.get("messages"))
        return payload

    def _filters(self, state: dict) -> dict:
        filters = {"award_type_codes": self.options["award_type_codes"],
                   "time_period": [{"start_date": state["from"], "end_date": state["to"],
                                    "date_type": state.get("date_type", "last_modified_date")}]}
        if self.options["extent_competed_codes"]:
            filters["extent_competed_type_codes"] = self.options["extent_competed_codes"]
        return filters

    def _check_messages(self, messages) -> None:
        """Warn (log + health) about every filter the API says it did not use."""
        for message in messages if isinstance(messages, list) else []:
            if isinstance(message, str) and (found := UNUSED.search(message)):
                warning = f"USAspending ignored filter(s) {found.group(1).strip()}: results are not filtered as configured"
                if warning not in self.warnings:
                    log.warning("%s: %s", self.name, warning)
                    self.warnings.append(warning)

    def parse(self, payload: Any) -> list[Notice]:
        """Notices from one search page; the competition codes come with the detail."""
        rows = [r for r in payload.get("results") or [] if isinstance(r, dict)]
        return [self._notice(r) for r in rows if _text(r.get("generated_internal_id"))]

    def _notice(self, r: dict) -> Notice:
        award_id = _text(r["generated_internal_id"])
        award = Award(
            agency="", piid=_text(r.get("Award ID")), requirement=_text(r.get("Description")),
            award_type=_text(r.get("Contract Award Type")),
            agency_path=[_text(r.get("Awarding Agency")), _text(r.get("Awarding Sub Agency"))],
            vendor_name=_text(r.get("Recipient Name")), uei=_text(r.get("Recipient UEI")),
            amount=_amount(r.get("Award Amount")), signed=_text(r.get("Base Obligation Date")),
            approved=_text(r.get("Last Modified Date")), period_start=_text(r.get("Start Date")),
            period_end=_text(r.get("End Date")), naics=_code(r.get("NAICS") or r.get("NAICS Code")),
            psc=_code(r.get("PSC") or r.get("PSC Code")), url=USASPENDING_AWARD_URL.format(award_id),
            is_idv=award_id.startswith(IDV_PREFIX))
        return award_notice(self.name, award, r, native=award_id)

    def wants_detail(self, notice: Notice) -> bool:
        """Every award: the search carries no competition field."""
        return True

    def fetch_detail(self, notice: Notice) -> str:
        """The award's detail as JSON text (cached by the pipeline per award version)."""
        resp = self.http.request("GET", self.base_url + DETAIL_PATH.format(notice.native_id), ok=(200, 404))
        if resp.status == 404:
            return ""
        detail = parse_json(resp)
        if not isinstance(detail, dict):
            raise SourceError("USAspending award detail is not an object", str(detail)[:120])
        return json.dumps(detail, ensure_ascii=False)

    def apply_detail(self, notice: Notice, detail: str) -> Notice:
        """Competition codes (and the referenced IDV) from `latest_transaction_contract_data`."""
        record = json.loads(detail)
        award = detail_award(record)
        codes = notice.codes | award_codes(award)
        return notice.replace(codes=codes, description=notice.description or " ".join(award.requirement.split()),
                              **_missing_dates(notice, record))


def _missing_dates(notice: Notice, d: dict) -> dict:
    """Dates the search row lacked, from the detail: signed (else performance start) as posted."""
    period = d.get("period_of_performance") if isinstance(d.get("period_of_performance"), dict) else {}
    signed, start = day_of(d.get("date_signed")), day_of(period.get("start_date"))
    found = {"posted_at": signed or start, "awarded_at": signed, "period_start": start,
             "period_end": day_of(period.get("end_date"))}
    return {k: v for k, v in found.items() if v and not getattr(notice, k)}


def detail_award(d: dict) -> Award:
    """The competition fields of an award detail, current and 2018 field names alike."""
    tx = d.get("latest_transaction_contract_data") or {}
    naics, psc = _text(tx.get("naics")), _text(tx.get("product_or_service_code"))
    parent = d.get("parent_award") or {}
    return Award(
        agency="", piid=_text(d.get("piid")), idv=_text(parent.get("piid")) or _text(d.get("parent_award_piid")),
        requirement=_text(d.get("description")),
        extent_competed=_text(tx.get("extent_competed")),
        reason_not_competed=reason_code(tx.get("other_than_full_and_open"),
                                        tx.get("other_than_full_and_open_description") or tx.get("other_than_full_and_o_desc")),
        solicitation_procedures=_text(tx.get("solicitation_procedures")),
        fair_opportunity=_text(tx.get("fair_opportunity_limited")),
        set_aside=_text(tx.get("type_set_aside")), offers=_text(tx.get("number_of_offers_received")),
        naics=naics, psc=psc)


def _code(value) -> str:
    """NAICS/PSC arrive as a code string or as `{"code": …, "description": …}`."""
    return _text(value.get("code")) if isinstance(value, dict) else _text(value)
