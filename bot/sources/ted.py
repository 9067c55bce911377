"""EU TED Search API v3: negotiated-without-call awards and VEAT notices (notes/sources-intl.md §1).

Anonymous `POST /v3/notices/search`, one publication day at a time, ITERATION paging (page-number
mode stops at 15,000). Fields come as strings, one-element arrays, or per-language maps; every
language of the title and description is kept for matching (a French keyword finds a French
title) while the user's preferred language is shown first. Amounts arrive as strings.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Iterator

from ..errors import SourceError
from ..http import parse_json
from ..notice import Notice
from .base import Source
from .fields import amount as _amount, html_to_text, record_text, text as _text

SEARCH_PATH = "/v3/notices/search"
DETAIL_URL = "https://ted.europa.eu/{lang}/notice/-/detail/{number}"
# Field names from real replies and third-party clients (notes §1); TED rejects unknown names (400).
FIELDS = ["publication-number", "publication-date", "notice-type", "form-type", "notice-subtype",
          "procedure-type", "direct-award-justification-proc", "direct-award-justification-text-proc",
          "notice-title", "title-proc", "description-proc", "buyer-name", "buyer-country",
          "winner-name", "winner-identifier", "tender-value", "tender-value-cur", "total-value",
          "total-value-cur", "estimated-value-lot", "estimated-value-cur-lot", "classification-cpv",
          "procedure-identifier", "official-language"]
KIND = {"veat": "intent", "can-modif": "modification"}
# eForms form types, for notices that carry `form-type` without `notice-type`.
FORM_KIND = {"planning": "tender", "competition": "tender", "result": "award", "dir-awa-pre": "intent",
             "cont-modif": "modification"}


class Ted(Source):
    kind = "ted"
    BASE_URL = "https://api.ted.europa.eu"
    EVERY = "3h"
    BACKFILL_SPAN = 31  # a month a window, read one publication day per query (ITERATION paging)
    OPTIONS = {"query": "procedure-type = neg-wo-call OR notice-type = veat", "languages": ["eng"],
               "lookback_days": 7, "overlap_days": 1, "limit": 250}

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = [("languages", f"{lang!r} is not a three-letter language code such as \"eng\", \"fra\"")
                    for lang in options["languages"] if len(lang) != 3 or not lang.isalpha()]
        if not options["query"].strip():
            problems.append(("query", "must not be empty"))
        if not 1 <= options["limit"] <= 250:
            problems.append(("limit", "must be between 1 and 250"))
        if not 1 <= options["lookback_days"] <= 366 or options["overlap_days"] < 0:
            problems.append(("lookback_days", "lookback_days must be 1 to 366, overlap_days 0 or more"))
        return problems

    def fetch(self, cursor: dict | None, now: datetime) -> Iterator[tuple[Any, dict]]:
        """Every page of every publication day from the cursor (less the overlap) to today."""
        committed = dict(cursor or {})
        until = {"until": committed["until"]} if committed.get("until") else {}  # a backfill's last day
        for day in self._days(committed, now.astimezone(timezone.utc).date()):
            token, seen = None, set()
            while True:
                payload = self._search(day, token)
                token = _text(payload.get("iterationNextToken"))
                done = not token or not payload["notices"] or token in seen
                if done:
                    committed = until | {"done_to": day.isoformat()}
                yield payload, committed
                if done:
                    break
                seen.add(token)

    def _days(self, cursor: dict, today: date) -> list[date]:
        """The days to read: a backfill's [since, until] (resumed after its last full day), else
        from the last full day (less the overlap) to today."""
        done_to = date.fromisoformat(cursor["done_to"]) if cursor.get("done_to") else None
        if cursor.get("until"):
            end = date.fromisoformat(cursor["until"])
            start = done_to + timedelta(days=1) if done_to else date.fromisoformat(cursor["since"])
        else:
            end = today
            start = (done_to - timedelta(days=self.options["overlap_days"]) if done_to
                     else today - timedelta(days=self.options["lookback_days"]))
        return [start + timedelta(days=n) for n in range((end - start).days + 1)]

    def _search(self, day: date, token: str | None) -> dict:
        """One search request; a reply TED marks as timed out is incomplete, so it is an error."""
        stamp = day.strftime("%Y%m%d")
        body = {"query": f"({self.options['query']}) AND publication-date >= {stamp} "
                         f"AND publication-date <= {stamp}",
                "fields": FIELDS, "limit": self.options["limit"], "scope": "ALL",
                "paginationMode": "ITERATION"}
        if token:
            body["iterationNextToken"] = token
        payload = parse_json(self.http.request("POST", self.base_url + SEARCH_PATH, json=body))
        if not isinstance(payload, dict) or not isinstance(payload.get("notices"), list):
            raise SourceError("TED answered without a notices list", str(payload)[:120])
        if payload.get("timedOut") is True:
            raise SourceError(f"TED search for {day} timed out (results incomplete)", "retried next poll")
        return payload

    def parse(self, payload: Any) -> list[Notice]:
        return [self._notice(n) for n in payload.get("notices") or []
                if isinstance(n, dict) and _first(n.get("publication-number"))]

    def _notice(self, n: dict) -> Notice:
        langs = self.options["languages"]
        number = _first(n["publication-number"])
        amount, currency = _money(n)
        titles = _in_order(n.get("title-proc"), langs), _in_order(n.get("notice-title"), langs)
        shown = _preferred(titles[0]) or _preferred(titles[1])
        return Notice(
            source=self.name, native_id=number, title=shown, url=_link(n, number, langs),
            kind=_kind(n), description=_description(n, langs, titles, shown),
            agency_path=_unique(_in_order(n.get("buyer-name"), langs)),
            vendor_name="; ".join(_unique(_in_order(n.get("winner-name"), langs))),
            vendor_ids=[f"company:{i}" for i in _unique(_values(n.get("winner-identifier")))],
            amount=amount, currency=currency, posted_at=_first(n.get("publication-date"))[:10] or None,
            reference=_first(n.get("procedure-identifier")), codes=_codes(n),
            raw=record_text(n))


def _values(field: Any) -> list[str]:
    """Every string in a field: a string, an array, or a {language: string | array} map."""
    if not isinstance(field, (dict, list)):
        value = _text(field)
        return [value] if value else []
    out = []
    for value in field.values() if isinstance(field, dict) else field:
        if type(value) is str:  # most items (a title of 24 languages): no recursive call each
            value = _text(value)
            if value:
                out.append(value)
        else:
            out += _values(value)
    return out


def _first(field: Any) -> str:
    if type(field) is str:  # most ids and dates: not a list to take one string from
        return _text(field)
    found = _values(field)
    return found[0] if found else ""


def _in_order(field: Any, langs: list[str]) -> list[str]:
    """All values, the preferred languages' first (then `mul`, then the rest as published)."""
    if not isinstance(field, dict):
        return _values(field)
    rank = _ranks(tuple(langs))
    first, rest = [], []
    for key in field:  # the few preferred keys sorted by rank, the rest kept as published (a stable sort's order)
        (first if key.lower() in rank else rest).append(key)
    first.sort(key=lambda k: rank[k.lower()])
    return _values({k: field[k] for k in first + rest}) if first else _values(field)


def _preferred(found: list[str]) -> str:
    return html_to_text(found[0]) if found else ""


@functools.cache
def _ranks(langs: tuple[str, ...]) -> dict[str, int]:
    """Each preferred language (then `mul`) → its place in the order (the first place, if repeated)."""
    order = [*langs, "mul"]
    return {lang: order.index(lang) for lang in order}


def _description(n: dict, langs: list[str], titles: tuple[list[str], list[str]], shown: str) -> str:
    """Descriptions and the direct-award reason in every language, then the titles in the others."""
    texts = [*_in_order(n.get("description-proc"), langs),
             *_in_order(n.get("direct-award-justification-text-proc"), langs), *titles[0], *titles[1]]
    return "\n\n".join(t for t in _unique(html_to_text(t) for t in texts) if t != shown)


def _money(n: dict) -> tuple[Decimal | None, str | None]:
    """Total value, else the lot tender values summed, else the lot estimates (one currency only)."""
    for value, cur in (("total-value", "total-value-cur"), ("tender-value", "tender-value-cur"),
                       ("estimated-value-lot", "estimated-value-cur-lot")):
        amounts, currencies = [_amount(v) for v in _values(n.get(value))], set(_values(n.get(cur)))
        if amounts and None not in amounts and len(currencies) == 1:
            return sum(amounts, Decimal(0)), currencies.pop()
    return None, None


def _kind(n: dict) -> str:
    """From notice-type (veat, can-*, cn-*, pin-*), else from the eForms form-type."""
    notice_type = _first(n.get("notice-type")).lower()
    if notice_type in KIND:
        return KIND[notice_type]
    if notice_type.startswith("can"):
        return "award"
    if notice_type.startswith(("cn", "pin")):
        return "tender"
    return FORM_KIND.get(_first(n.get("form-type")).lower(), "other")


def _codes(n: dict) -> dict[str, list[str]]:
    codes = {"cpv": _unique(_values(n.get("classification-cpv"))),
             "procedure": _values(n.get("procedure-type")), "notice_type": _values(n.get("notice-type")),
             "notice_subtype": _values(n.get("form-type")) + _values(n.get("notice-subtype")),
             "direct_award_justification": _unique(_values(n.get("direct-award-justification-proc")))}
    return {k: v for k, v in codes.items() if v}


def _link(n: dict, number: str, langs: list[str]) -> str:
    """The HTML detail page in the first preferred language TED offers, else English."""
    html = (n.get("links") or {}).get("html") if isinstance(n.get("links"), dict) else None
    html = html if isinstance(html, dict) else {}
    for lang in [*langs, "eng"]:
        if _text(html.get(lang.upper())):
            return _text(html[lang.upper()])
    return DETAIL_URL.format(lang="en", number=number)


def _unique(items) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))
