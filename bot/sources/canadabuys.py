"""CanadaBuys open-data CSVs: federal tender notices (with ACANs) and award notices (notes/sources-intl.md §3).

There is no API: the files under /opendata/pub/ are rewritten on a schedule, so each poll is one
conditional GET per file (unchanged files cost nothing) and the store's content hash turns rows
seen again into no-ops. Headers are bilingual (`title-titre-eng`, `title-titre-fra`); columns are
found by their English stem and language, so historical spellings of the French half still work.
An Advance Contract Award Notice (ACAN) or any limited-tendering reason is sole source; the French
title and description are kept in the text so French keywords match. The site's firewall refuses
default library User-Agents; our Http sends `procwatch/x (+contact)`.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from ..errors import SourceError
from ..http import Response, url_for_log, snippet
from ..notice import Notice
from .base import Source
from .fields import amount as _amount
from .fields import iso_date as _date
from .fields import plain
from .fields import text as _text
from .listing import absolute_link, conditional_get, validators

log = logging.getLogger("procwatch")
PUB = "/opendata/pub/"
LANGS = ("eng", "fra")
TITLE_CHARS, CELL_CHARS = 1000, 50_000
BIG_CELL = 16 * 1024 * 1024  # csv's default 128 KiB cell limit would fail a whole file on one long description
ACAN = re.compile(r"^advance contract award notice|^préavis d'adjudication", re.IGNORECASE)
NOTICE_PAGE = "https://canadabuys.canada.ca/en/tender-opportunities/tender-notice/"


class CsvFile(NamedTuple):
    name: str
    resp: Response
    window: tuple[str, str] | None = None  # a backfill's [since, until]: rows dated outside are left out


class Row:
    """One CSV row read by column stem and language: `row.get("title", "fra")`."""

    def __init__(self, header: list[str], columns: dict[tuple[str, str], int], values: list[str]):
        self.header, self.columns = header, columns
        self.values = values + [""] * (len(header) - len(values))

    def get(self, stem: str, lang: str = "") -> str:
        """The cell for `stem` in `lang` (or the language-neutral column); "" when absent."""
        index = self.columns.get((stem.lower(), lang))
        if index is None and lang:
            index = self.columns.get((stem.lower(), ""))
        return _text(self.values[index]) if index is not None else ""

    def first(self, stem: str, langs) -> str:
        """The cell in the first language that has one."""
        return next((v for v in (self.get(stem, lang) for lang in langs) if v), "")

    def raw(self) -> str:
        """The row as published, column name → cell, for the evidence store."""
        return json.dumps(dict(zip(self.header, self.values)), ensure_ascii=False)


class CanadaBuys(Source):
    kind = "canadabuys"
    BASE_URL = "https://canadabuys.canada.ca"
    EVERY = "6h"
    OPTIONS = {"files": ["newTenderNotice-nouvelAvisAppelOffres.csv", "{FY}-awardNotice-avisAttribution.csv"],
               "backfill_files": ["{FY}-TenderNotice-AvisAppelOffres.csv", "{FY}-awardNotice-avisAttribution.csv"],
               "languages": ["eng", "fra"]}
    BACKFILL_SPAN = 366  # one fiscal year (April–March) a window: the yearly files
    BACKFILL_EARLIEST = "2022-04-01"  # the yearly files start with fiscal year 2022-2023

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = [(key, f"{f!r} is not a CSV file name under {PUB}") for key in ("files", "backfill_files")
                    for f in options[key] if not re.fullmatch(r"[\w{}.-]+\.csv", f)]
        if not options["files"]:
            problems.append(("files", "list at least one file"))
        if not options["languages"] or set(options["languages"]) - set(LANGS):
            problems.append(("languages", 'use "eng" and/or "fra", preferred first'))
        return problems

    def backfill_windows(self, since: date, until: date) -> list[tuple[date, date]]:
        """[since, until] cut at fiscal-year boundaries (1 April): one window per yearly file."""
        out = []
        for start, end in super().backfill_windows(since, until):
            while start <= end:
                year_end = date(start.year + (start.month >= 4), 3, 31)
                out.append((start, min(end, year_end)))
                start = min(end, year_end) + timedelta(days=1)
        return out

    def fetch(self, cursor: dict | None, now: datetime) -> Iterator[tuple[Any, dict]]:
        """Each file once, conditionally; the cursor keeps each file's ETag / Last-Modified.
        A backfill's cursor reads the fiscal year's `backfill_files` instead, rows limited to its days."""
        if cursor and cursor.get("until"):
            yield from self._backfill(cursor)
            return
        names = [f.replace("{FY}", fiscal_year(now)) for f in self.options["files"]]
        known = {k: v for k, v in ((cursor or {}).get("files") or {}).items() if k in names}
        for name in names:
            resp = self._get(name, known.get(name) or {})
            if resp.status == 200:
                known[name] = validators(resp)
            yield (CsvFile(name, resp) if resp.status == 200 else None), {"files": dict(known)}

    def _backfill(self, cursor: dict) -> Iterator[tuple[Any, dict]]:
        """The yearly files of the window's fiscal year, each read whole (its rows filtered by date)."""
        window = (cursor["since"], cursor["until"])
        year = fiscal_year(datetime.fromisoformat(cursor["since"]))
        read = list(cursor.get("read") or [])
        for name in [f.replace("{FY}", year) for f in self.options["backfill_files"]]:
            if name in read:
                continue
            read.append(name)
            yield CsvFile(name, self._get(name, {}), window), {"since": window[0], "until": window[1], "read": list(read)}

    def _get(self, name: str, validators_: dict) -> Response:
        """One file, conditionally; a 403 says what the firewall wants."""
        try:
            return conditional_get(self.http, self.base_url + PUB + name, validators_, "text/csv, */*;q=0.1")
        except SourceError as e:
            if not e.message.startswith("HTTP 403"):
                raise
            raise SourceError(e.message, "CanadaBuys' firewall refuses some User-Agents; procwatch sends "
                              "its own with [bot] contact — set it, and check the address") from None

    def parse(self, payload: CsvFile | None) -> list[Notice]:
        """The notices of one file; an amended notice keeps its latest amendment."""
        if payload is None:
            return []
        columns, rows = read_csv(payload.resp)
        award = ("supplierlegalname", "eng") in columns or ("contractawarddate", "") in columns
        latest: dict[str, tuple[str, Notice]] = {}
        for row in rows:
            notice = self._notice(row, award)
            if notice and not _in_window(notice, payload.window):
                continue
            amendment = row.get("amendmentNumber")
            if notice and amendment >= latest.get(notice.native_id, ("", None))[0]:
                latest[notice.native_id] = (amendment, notice)
        return [n for _, n in latest.values()]

    def _notice(self, row: Row, award: bool) -> Notice | None:
        ref = row.get("referenceNumber")
        if not ref:
            return None
        langs = self.options["languages"]
        supplier = row.first("supplierLegalName", langs) or row.first("supplierOperatingName", langs)
        money = _amount(row.get("contractAmount"))
        codes = _codes(row)
        acan = any(ACAN.match(v) for v in codes.get("notice_type", []) + codes.get("procedure", []))
        start, end = ("contractStartDate", "contractEndDate") if award else \
            ("expectedContractStartDate", "expectedContractEndDate")
        return Notice(
            source=self.name, native_id=f"{ref}:award:{_slug(supplier)}" if award else ref,
            title=plain(row.first("title", langs), TITLE_CHARS), description=_description(row, langs),
            url=absolute_link(NOTICE_PAGE, row.first("noticeURL", langs)) or NOTICE_PAGE + ref,
            kind="award" if award else "intent" if acan else "tender",
            agency_path=_agencies(row, langs), vendor_name="; ".join(multi(supplier)),
            amount=money, currency=(row.get("contractCurrency") or "CAD") if money is not None else None,
            posted_at=_date(row.get("publicationDate")), awarded_at=_date(row.get("contractAwardDate")),
            period_start=_date(row.get(start)), period_end=_date(row.get(end)),
            reference=row.get("solicitationNumber") or ref, codes=codes,
            raw=row.raw())


def read_csv(resp: Response) -> tuple[dict[tuple[str, str], int], Iterator[Row]]:
    """(columns, rows) of a CanadaBuys CSV; an HTML page, a foreign or truncated file is an error."""
    text = decode(resp)
    if text.lstrip()[:1] == "<":
        raise SourceError(f"expected a CSV from {url_for_log(resp.url)}, got an HTML page", snippet(resp))
    csv.field_size_limit(max(csv.field_size_limit(), BIG_CELL))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, [])
    except csv.Error as e:
        raise SourceError(f"unreadable CSV header from {url_for_log(resp.url)}", str(e)) from None
    columns = {column_key(h): i for i, h in reversed(list(enumerate(header)))}
    if ("referencenumber", "") not in columns:
        raise SourceError(f"{url_for_log(resp.url)} is not a CanadaBuys notice file",
                          f"no referenceNumber column in a header starting {','.join(header[:3])[:80]!r}")
    return columns, _rows(reader, header, columns, resp.url)


def _rows(reader, header: list[str], columns: dict, url: str) -> Iterator[Row]:
    """Each row, read one behind so that a short or unterminated last row (a cut-off body) fails."""
    previous: list[str] = []
    try:
        for values in reader:
            if previous:
                yield Row(header, columns, previous)
            previous = values
    except csv.Error as e:
        raise SourceError(f"CSV from {url_for_log(url)} is truncated or malformed at line {reader.line_num}",
                          str(e)) from None
    if previous and len(previous) < len(header):
        raise SourceError(f"CSV from {url_for_log(url)} is truncated: its last row has "
                          f"{len(previous)} of {len(header)} columns")
    if previous:
        yield Row(header, columns, previous)


def decode(resp: Response) -> str:
    """UTF-8 (BOM or not), whatever the server declares; Windows-1252 when the bytes are not UTF-8."""
    try:
        return resp.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        log.warning("%s is not UTF-8; read as Windows-1252", url_for_log(resp.url))
        return resp.body.decode("cp1252", errors="replace")


def column_key(header: str) -> tuple[str, str]:
    """`title-titre-eng` → ("title", "eng"); `referenceNumber-numeroReference` → ("referencenumber", "")."""
    parts = header.strip().lstrip("\ufeff").split("-")
    lang = parts[-1].lower() if len(parts) > 1 and parts[-1].lower() in LANGS else ""
    return parts[0].strip().lower(), lang


def multi(cell: str) -> list[str]:
    """A multi-value cell (`*CFTA\\n*Canada-Colombia`) → its values."""
    return [v for v in (p.strip().lstrip("*").strip() for p in re.split(r"[\r\n]+", cell)) if v]


def fiscal_year(now: datetime) -> str:
    """The Government of Canada fiscal year (April to March) holding `now`: "2026-2027"."""
    start = now.year if now.month >= 4 else now.year - 1
    return f"{start}-{start + 1}"


def _codes(row: Row) -> dict[str, list[str]]:
    """Competition and commodity codes; labels read in English first, as classify's tables are."""
    codes = {"notice_type": [row.first("noticeType", LANGS)],
             "procedure": [row.first("procurementMethod", LANGS)],
             "limited_tender_reason": multi(row.first("limitedTenderingReason", LANGS)),
             "gsin": [row.get("gsin").lstrip("*")], "unspsc": [u.lstrip("*") for u in multi(row.get("unspsc"))]}
    return {k: [v for v in vs if v] for k, vs in codes.items() if any(vs)}


def _description(row: Row, langs) -> str:
    """The description in each language, the other languages' titles included, preferred first."""
    shown = row.first("title", langs)
    parts = [row.get("tenderDescription", langs[0])]
    for lang in langs[1:]:
        parts += [t for t in (row.get("title", lang),) if t != shown] + [row.get("tenderDescription", lang)]
    return "\n\n".join(plain(p, CELL_CHARS) for p in parts if p)


def _agencies(row: Row, langs) -> list[str]:
    """Contracting entity, then end users it buys for (when different)."""
    path = [row.first("contractingEntityName", langs)]
    path += [u for u in multi(row.first("endUserEntitiesName", langs)) if u not in path]
    return [p for p in path if p]


def _in_window(notice: Notice, window: tuple[str, str] | None) -> bool:
    """True outside a backfill, for undated rows (nothing is lost), and for rows dated in the window."""
    day = (notice.awarded_at or notice.posted_at or "")[:10]
    return window is None or not day or window[0] <= day <= window[1]


def _slug(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", name.casefold()).strip("-")[:80]
