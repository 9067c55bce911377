"""SAM.gov's public Contract Opportunities extract: every notice with its full Description, no API key.

`ContractOpportunitiesFullCSV.csv` (about 230 MB, Windows-1252, refreshed daily) is downloaded to
disk by `download.fetch_file` (conditional GET, Range resume) and read row by row with `csv`, so
memory stays flat. Rows map to the same record shape the Get Opportunities API returns and through
the same mapping, under the API source's name: a notice seen by both is one notice, and the
extract fills in the description the API charges a request for. Only rows posted after the last
file's newest row (less `overlap_days`) become notices; the cursor keeps the file's validators.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

from ..download import fetch_file
from ..errors import SourceError
from ..notice import Notice
from .base import Source
from .fields import plain, record_text, text as _text
from .sam_opportunities import TYPES, SamOpportunities, notice_from_record, type_in

EXTRACT_PATH = ("/api/prod/fileextractservices/v1/api/download/Contract%20Opportunities/datagov/"
                "ContractOpportunitiesFullCSV.csv?privacy=Public")
ENCODING = "cp1252"  # SAM.gov writes its extracts in Windows-1252
REQUIRED = ("noticeid", "title", "posteddate", "type", "description")
DESCRIPTION_CHARS = 100_000  # plenty for any notice; a hostile megabyte cell is clipped
FIELD_LIMIT = 64 * 1024 * 1024  # one Description can run to megabytes; csv's default is 128 kB
POSTED = re.compile(r"^(\d{4}-\d\d-\d\d)(?:[ T](\d\d:\d\d(?::\d\d)?)(?:\.\d+)?\s*([+-]\d\d(?::?\d\d)?|Z)?)?")
US_DATE = re.compile(r"^(\d\d)/(\d\d)/(\d{4})")


class SamExtract(Source):
    kind = "sam_extract"
    BASE_URL = "https://sam.gov"
    EVERY = "6h"
    OPTIONS = {"path": EXTRACT_PATH, "notice_source": "sam",
               "notice_types": list(SamOpportunities.OPTIONS["notice_types"]), "lookback_days": 14,
               "overlap_days": 1, "download_dir": "state", "batch": 500}

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = [("notice_types", f"unknown notice type {t!r} (one of {', '.join(TYPES)})")
                    for t in options["notice_types"] if t not in TYPES]
        if options["lookback_days"] < 1 or options["overlap_days"] < 0 or options["batch"] < 1:
            problems.append(("lookback_days", "lookback_days and batch must be ≥ 1, overlap_days ≥ 0"))
        return problems

    def fetch(self, cursor: dict | None, now: datetime) -> Iterator[tuple[Any, dict]]:
        """Download the extract unless unchanged, then yield batches of new rows with their cursor."""
        cursor = cursor or {}
        dest = Path(self.options["download_dir"]) / f"{self.name}.csv"
        reading = cursor.get("reading") or {}
        if not (reading and dest.exists()):
            got = fetch_file(self.http, self.base_url + self.options["path"], dest,
                             cursor.get("etag", ""), cursor.get("last_modified", ""))
            if got.path is None:
                return  # 304: the file has not changed since it was last read
            reading = {"etag": got.etag, "last_modified": got.last_modified, "row": 0, "newest": ""}
        kept = {k: cursor[k] for k in ("etag", "last_modified", "newest") if k in cursor}  # the last file read
        yield from self._batches(dest, reading, self._after(cursor, now), kept)
        dest.unlink(missing_ok=True)

    def _after(self, cursor: dict, now: datetime) -> str:
        """Rows posted after this UTC instant are read: the last file's newest row less the overlap."""
        if cursor.get("newest"):
            start = datetime.fromisoformat(cursor["newest"]) - timedelta(days=self.options["overlap_days"])
        else:
            start = now - timedelta(days=self.options["lookback_days"])
        return start.astimezone(timezone.utc).isoformat(timespec="seconds")

    def _batches(self, path: Path, reading: dict, after: str, kept: dict) -> Iterator[tuple[list, dict]]:
        """Stream the CSV; each batch's cursor says how far into this file the read has come."""
        csv.field_size_limit(FIELD_LIMIT)
        _check_complete(path)
        done, newest = reading["row"], max(kept.get("newest", ""), reading.get("newest", ""))
        batch: list[dict] = []
        with open(path, encoding=ENCODING, errors="replace", newline="") as f:
            rows = csv.reader(f, strict=True)
            header = [h.strip().lstrip("\ufeffï»¿").lower() for h in next(rows, [])]  # BOM, as cp1252 or not
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise SourceError(f"{path.name} is not the Contract Opportunities extract "
                                  f"(no {', '.join(missing)} column)", "check base_url and path")
            for number, values in enumerate(rows, 1):
                if number <= done:
                    continue
                row = dict(zip(header, values))
                posted = posted_utc(row.get("posteddate", ""))
                newest = max(newest, posted)
                if posted > after and row.get("noticeid"):
                    batch.append(row)
                if len(batch) >= self.options["batch"]:
                    yield batch, kept | {"reading": reading | {"row": number, "newest": newest}}
                    batch = []
        yield batch, {"etag": reading["etag"], "last_modified": reading["last_modified"], "newest": newest}

    def parse(self, payload: Any) -> list[Notice]:
        """Notices of the selected types from a batch of extract rows."""
        wanted = {TYPES[t] for t in self.options["notice_types"]}
        return [self._notice(row) for row in payload if type_in(row.get("type"), wanted)]

    def detail_rank(self, notice: Notice, watched: bool) -> int | None:
        """Never: every row carries its full description."""
        return None

    def _notice(self, row: dict) -> Notice:
        notice = notice_from_record(self.options["notice_source"], api_record(row))
        return notice.replace(description=plain(row.get("description", ""), DESCRIPTION_CHARS),
                              raw=record_text(row))


def _check_complete(path: Path) -> None:
    """The extract ends with a line break; a file that stops mid-row was cut short."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 1))
        if size == 0 or f.read(1) != b"\n":
            path.unlink()
            raise SourceError(f"{path.name} is truncated: it stops mid-row after {size} bytes",
                              "nothing of it was stored; the next poll downloads it again")


def api_record(row: dict) -> dict:
    """An extract row (lower-cased headers) in the Get Opportunities search record's shape."""
    get = lambda *names: next((_text(row[n]) for n in names if _text(row.get(n))), "")  # noqa: E731
    return {"noticeId": get("noticeid"), "title": get("title"), "solicitationNumber": get("sol#"),
            "department": get("department/ind.agency"), "subTier": get("sub-tier"), "office": get("office"),
            "postedDate": _day(get("posteddate")), "type": get("type"),
            "baseType": get("basetype"), "typeOfSetAside": get("setasidecode"),
            "naicsCode": get("naicscode"), "classificationCode": get("classificationcode"),
            "active": get("active"), "uiLink": get("link"),
            "award": {"number": get("awardnumber"), "date": _day(get("awarddate")),
                      "amount": get("award$"), "awardee": {"name": get("awardee")}}}


def _day(value: str) -> str | None:
    """The date as published ("2026-04-25 22:22:47-04" → "2026-04-25"), as the API gives it."""
    us = US_DATE.match(value)
    return f"{us[3]}-{us[1]}-{us[2]}" if us else (value[:10] if POSTED.match(value) else None)


def posted_utc(value: str) -> str:
    """A PostedDate ("2026-04-25 22:22:47.454-04", "2026-04-25", "04/25/2026") as sortable UTC ISO text."""
    value = value.strip()
    us = US_DATE.match(value)
    if us:
        value = f"{us[3]}-{us[1]}-{us[2]}"
    m = POSTED.match(value)
    if not m:
        return ""
    zone = m[3] or "+00:00"
    zone = "+00:00" if zone == "Z" else zone if ":" in zone or len(zone) != 5 else f"{zone[:3]}:{zone[3:]}"
    zone = zone if len(zone) != 3 else zone + ":00"
    clock = (m[2] or "00:00:00") + (":00" if m[2] and len(m[2]) == 5 else "")
    stamp = datetime.fromisoformat(f"{m[1]}T{clock}{zone}")
    return stamp.astimezone(timezone.utc).isoformat(timespec="seconds")
