"""SAM.gov Get Opportunities API v2: J&As, intent notices and award notices (notes/sources-us.md §1).

The search answers date-only `postedFrom`/`postedTo` windows, so each poll re-reads the last
`overlap_days` to catch late postings; descriptions cost one request each and are fetched only for
candidates the pipeline asks about.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import date, datetime, timedelta
from typing import Any, Iterator

from ..classify import sole_source_cue
from ..errors import SourceError
from ..http import parse_json, snippet
from ..notice import Notice
from .base import Source
from .fields import amount as _amount, html_to_text, iso_date as _date, record_text, text as _text, to_int as _int

SEARCH_PATH = "/opportunities/v2/search"
DESCRIPTION_PATH = "/prod/opportunities/v1/noticedesc"
TYPES = {"u": "Justification", "p": "Presolicitation", "a": "Award Notice", "r": "Sources Sought",
         "s": "Special Notice", "o": "Solicitation", "g": "Sale of Surplus Property",
         "k": "Combined Synopsis/Solicitation", "i": "Intent to Bundle"}
KINDS = {"Justification": "justification", "Award Notice": "award", "Presolicitation": "tender",
         "Solicitation": "tender", "Combined Synopsis/Solicitation": "tender"}
# Description queue after J&As, intent-like titles and watchlist hits (rank 0 and 1).
RANKS = {"Special Notice": 2, "Presolicitation": 2, "Sources Sought": 2, "Combined Synopsis/Solicitation": 2,
         "Solicitation": 3, "Award Notice": 3, "Intent to Bundle": 3}
SEARCH_RESERVE_PER_POLL = 2  # a poll's search is one page; the second covers a busy day's extra page
SOLE_SOURCE_SET_ASIDES = {"8AN", "HZS", "SDVOSBS", "WOSBSS", "EDWOSBSS", "VSS"}
# Titles that announce an intent to sole-source without saying so in classify's stricter terms.
INTENT_TITLE = re.compile(r"\b(notice of intent|intent to (award|sole[- ]source)|noi|j\s*&\s*a|sole[- ]source)\b", re.I)
# PTYPE_FORM: the API's own definition (GSA/open-gsa-redesign, get-opportunities-v2.yml) declares
# `ptype` as `type: array, collectionFormat: multi`, i.e. `ptype=u&ptype=s`; requests sends a list so.
# A dot between path levels follows a word of two or more letters ("U.S. CUSTOMS" is one level).
PATH_SPLIT = re.compile(r"(?<=[^.\s]{2})\.(?=\S)")


class SamOpportunities(Source):
    kind = "sam_opportunities"
    BASE_URL = "https://api.sam.gov"
    EVERY = "30m"
    SECRETS = ("api_key",)
    BACKFILL_SPAN = 365  # postedTo − postedFrom ≤ 364 days (notes/sources-us.md §1)
    OPTIONS = {"notice_types": ["u", "s", "p", "r", "a", "k", "o"], "limit": 1000, "overlap_days": 2,
               "lookback_days": 14, "daily_request_limit": 1000, "fetch_descriptions": True}

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = [("notice_types", f"unknown notice type {t!r} (one of {', '.join(TYPES)})")
                    for t in options["notice_types"] if t not in TYPES]
        if not 1 <= options["limit"] <= 1000:
            problems.append(("limit", "must be between 1 and 1000"))
        if not 1 <= options["lookback_days"] <= 364:
            problems.append(("lookback_days", "must be between 1 and 364 (the API allows a year)"))
        if options["overlap_days"] < 0 or options["daily_request_limit"] < 1:
            problems.append(("overlap_days", "overlap_days must be ≥ 0, daily_request_limit ≥ 1"))
        return problems

    def fetch(self, cursor: dict | None, now: datetime) -> Iterator[tuple[Any, dict]]:
        """Page through the posted-date window that starts at the cursor (with overlap)."""
        start, end, offset = self._window(cursor, now.date())
        until = {"until": cursor["until"]} if cursor and cursor.get("until") else {}  # a backfill's end
        limit = self.options["limit"]
        while True:
            payload = self._search(start, end, offset, limit)
            rows = len(payload.get("opportunitiesData") or [])
            offset += rows
            total = _int(payload.get("totalRecords"), offset)
            done = rows < limit or offset >= total
            yield payload, until | ({"done_to": end.isoformat()} if done else
                                    {"from": start.isoformat(), "to": end.isoformat(), "offset": offset})
            if done:
                return

    def _window(self, cursor: dict | None, today: date) -> tuple[date, date, int]:
        """(postedFrom, postedTo, offset): resume a half-read window, else overlap the last one.

        `procwatch backfill` passes {"since", "until"}: that window as asked (the API refuses more
        than a year), and every later cursor keeps `until` as the end instead of today."""
        cursor = cursor or {}
        end = date.fromisoformat(cursor["until"]) if cursor.get("until") else today
        if "offset" in cursor:
            return date.fromisoformat(cursor["from"]), date.fromisoformat(cursor["to"]), cursor["offset"]
        if "done_to" in cursor:
            start = date.fromisoformat(cursor["done_to"]) - timedelta(days=self.options["overlap_days"])
        elif "since" in cursor:
            return date.fromisoformat(cursor["since"]), end, 0
        else:
            start = today - timedelta(days=self.options["lookback_days"])
        return max(start, end - timedelta(days=364)), end, 0

    def _search(self, start: date, end: date, offset: int, limit: int) -> dict:
        """One search request; 404 "No Data found" is an empty page."""
        self.budget.spend()
        params = {"api_key": self.config.secrets.get("api_key", ""), "postedFrom": _us_date(start),
                  "postedTo": _us_date(end), "ptype": list(self.options["notice_types"]),  # repeated: PTYPE_FORM
                  "limit": limit, "offset": offset}
        resp = self.http.request("GET", self.base_url + SEARCH_PATH, params=params, ok=(200, 401, 403, 404))
        if resp.status in (401, 403):
            raise SourceError(f"SAM.gov refused the API key (HTTP {resp.status}: {snippet(resp)})",
                              "check the key in the variable api_key_env names; SAM.gov keys expire every 90 days")
        if resp.status == 404:
            return {"totalRecords": 0, "opportunitiesData": []}
        payload = parse_json(resp)
        if not isinstance(payload, dict) or not isinstance(payload.get("opportunitiesData", []), (list, type(None))):
            raise SourceError("SAM.gov answered without opportunitiesData", str(payload)[:120])
        return payload

    def parse(self, payload: Any) -> list[Notice]:
        """Notices of the selected types from one search page."""
        wanted = {TYPES[t] for t in self.options["notice_types"]}
        records = payload.get("opportunitiesData") or []
        return [notice_from_record(self.name, r) for r in records
                if isinstance(r, dict) and r.get("noticeId") and type_in(r.get("type"), wanted)]

    def detail_rank(self, notice: Notice, watched: bool) -> int | None:
        """J&As and intent-like notices first, then watchlist hits, then the types agencies use for
        notices of intent, then the rest; surplus sales never (issue 10: plan, don't gate on titles)."""
        if not self.options["fetch_descriptions"]:
            return None
        notice_type = (notice.codes.get("notice_type") or [""])[0]
        if notice_type.lower().startswith("justification") or _intent_like(notice):
            return 0
        if watched:
            return 1
        return RANKS.get(notice_type)

    def detail_allowance(self, now: datetime) -> int | None:
        """The day's remaining requests less a reserve: one search per poll still due today, doubled."""
        remaining = self.budget.remaining()
        if remaining is None:
            return None
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
        polls_left = math.ceil((midnight - now).total_seconds() / max(self.config.every, 60))
        return max(0, remaining - SEARCH_RESERVE_PER_POLL * polls_left)

    def fetch_detail(self, notice: Notice) -> str:
        """The description as text; JSON-wrapped HTML, bare HTML and 404 are all accepted."""
        if not self.options["fetch_descriptions"]:  # off means no description request at all,
            raise NotImplementedError  # even for a watchlist hit (nothing is cached either)
        self.budget.spend()
        params = {"noticeid": notice.native_id, "api_key": self.config.secrets.get("api_key", "")}
        resp = self.http.request("GET", self.base_url + DESCRIPTION_PATH, params=params, ok=(200, 404))
        if resp.status == 404:
            return ""
        body = resp.text().strip()
        if body.startswith("{"):
            body = _text(parse_json(resp).get("description"))
        return html_to_text(body)


def _intent_like(notice: Notice) -> bool:
    """A title or set-aside that already reads like a sole-source intent."""
    title = notice.title
    return bool(INTENT_TITLE.search(title) or sole_source_cue(title)
                or SOLE_SOURCE_SET_ASIDES & set(notice.codes.get("set_aside", [])))


def notice_from_record(source: str, r: dict) -> Notice:
    """One search record as a Notice; the public extract maps its rows to the same shape first."""
    award = r.get("award") or {}
    awardee = award.get("awardee") or {}
    notice_type, money = _text(r.get("type")), _amount(award.get("amount"))
    return Notice(
        source=source, native_id=r["noticeId"], title=_text(r.get("title")),
        url=_text(r.get("uiLink")) or f"https://sam.gov/opp/{r['noticeId']}/view",
        kind=_kind(notice_type), agency_path=_agency_path(r),
        vendor_name=_text(awardee.get("name")),
        vendor_ids=[f"{k}:{v}" for k, f in (("uei", "ueiSAM"), ("cage", "cageCode")) if (v := _text(awardee.get(f)))],
        amount=money, currency="USD" if money else None,
        posted_at=_date(r.get("postedDate")), awarded_at=_date(award.get("date")),
        reference=_text(award.get("number")) or _text(r.get("solicitationNumber")),
        codes=_codes(r, notice_type), raw=record_text(r))


def type_in(value, wanted: set[str]) -> bool:
    """True when a notice type label starts with one of the wanted labels (case-insensitive)."""
    return _text(value).lower().startswith(tuple(w.lower() for w in wanted))


def _kind(notice_type: str) -> str:
    if notice_type.lower().startswith("justification"):
        return "justification"
    return KINDS.get(notice_type, "other")


def _agency_path(r: dict) -> list[str]:
    """Department › sub-tier › office from fullParentPathName, or the legacy fields."""
    full = _text(r.get("fullParentPathName"))
    if full:
        return list(_path_levels(full))
    return [_text(r.get(k)) for k in ("department", "subTier", "office") if _text(r.get(k))]


@functools.lru_cache(maxsize=4096)
def _path_levels(full: str) -> tuple[str, ...]:
    """The levels of a fullParentPathName, split once per path: a page's notices share a few agencies."""
    return tuple(p.strip() for p in PATH_SPLIT.split(full) if p.strip())


def _codes(r: dict, notice_type: str) -> dict[str, list[str]]:
    naics = r.get("naicsCodes") or ([r.get("naicsCode")] if _text(r.get("naicsCode")) else [])
    set_aside = r.get("typeOfSetAside")
    set_aside = set_aside if isinstance(set_aside, list) else [set_aside]
    codes = {"naics": [_text(n) for n in naics], "psc": [_text(r.get("classificationCode"))],  # blanks: dropped below
             "set_aside": [_text(s) for s in set_aside], "notice_type": [notice_type],
             "response_deadline": [_text(r.get("responseDeadLine"))]}
    return {k: [v for v in vs if v and v.upper() != "NONE"] for k, vs in codes.items() if any(vs)}


def _us_date(d: date) -> str:
    return d.strftime("%m/%d/%Y")
