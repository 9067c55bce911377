"""The queries of red flags (bot/flags.py decides them): threads, the vendor/agency index, flags.

A mixin of `store.Database`.
"""

from __future__ import annotations

import functools
import json
from typing import NamedTuple

from .store_notices import Saved


# Withdrawn notices stay filed; they are left out through the partial index of withdrawn uids
# (m010: a few rows, read once per query) rather than a join reading each record's notice row.
_NOT_WITHDRAWN = "f.uid NOT IN (SELECT uid FROM notices WHERE withdrawn)"


_THREAD = ("uid", "source", "kind", "amount", "currency", "competition", "posted_at", "awarded_at")  # a thread row


_THREAD_OF = "coalesce(nullif(f.reference, ''), f.uid)"  # a filed record's thread
_LISTED = 64  # threads of one vendor listed by vendor_threads before it counts them in SQL instead


def _same_vendor(keys: int) -> str:
    return f"f.vendor IN ({','.join('?' * keys)}) AND f.agency = ? AND f.uid != ?"


@functools.cache
def _thread_sql(kinds: int) -> str:
    """FlagQueries.thread's query for `kinds` kinds, built once."""
    return (f"SELECT {', '.join(_THREAD)} FROM notices WHERE reference = ? AND kind IN ({', '.join('?' * kinds)})"
            " AND NOT withdrawn ORDER BY coalesce(awarded_at, posted_at), uid")


class _VendorSql(NamedTuple):
    listing: str  # vendor_threads: the distinct threads, up to a limit
    counting: str  # vendor_threads beyond it: counted in SQL
    later: str  # later_same_vendor
    history: str  # vendor_history: the filed rows around a day


@functools.cache
def _vendor_sql(keys: int) -> _VendorSql:
    """The same-vendor queries for `keys` vendor keys, built once: vendor_threads' two (listing up to
    a limit; counting), later_same_vendor's and vendor_history's listing."""
    where = f"FROM flag_vendors f WHERE {_same_vendor(keys)} AND f.day BETWEEN ? AND ? AND {_NOT_WITHDRAWN}"
    return _VendorSql(f"SELECT DISTINCT {_THREAD_OF} AS t {where} AND t != ? ORDER BY t LIMIT ?",
                      f"SELECT t, count(*) OVER () FROM (SELECT DISTINCT {_THREAD_OF} AS t {where}) WHERE t != ? ORDER BY t LIMIT ?",
                      f"SELECT f.uid FROM flag_vendors f WHERE {_same_vendor(keys)} AND f.day > ? AND f.day <= ?"
                      f" AND {_NOT_WITHDRAWN} GROUP BY f.uid ORDER BY min(f.day), f.uid",
                      f"SELECT f.uid, f.day, {_THREAD_OF} {where} LIMIT ?")


class FlagQueries:
    """A notice's thread, its vendor's other filed records, its stored flags."""

    def thread(self, reference: str, kinds: tuple[str, ...]) -> list[dict]:
        """The stored notices of these kinds (never its modifications: a contract can have hundreds)
        in one procurement thread (same `reference`), in date order."""
        return [dict(zip(_THREAD, row)) for row in self._execute(_thread_sql(len(kinds)), (reference, *kinds))]

    def index_vendor(self, uid: str, vendors: list[str], agency: str = "", day: str | None = None,
                     reference: str = "") -> None:
        """(Re)file a non-competed award or J&A under its vendor keys and agency; no keys unfiles it
        (nothing to unfile for a notice first stored in this transaction and not filed since, most of
        a page). Filing leaves it fresh for `save_flags`: it still has no flag rows to clear."""
        if uid not in self._fresh or uid in self._filed:
            self._execute("DELETE FROM flag_vendors WHERE uid = ?", (uid,))
        if vendors and uid in self._fresh:
            self._filed.add(uid)
        for vendor in vendors:
            self._execute("INSERT INTO flag_vendors (uid, vendor, agency, day, reference) VALUES (?, ?, ?, ?, ?)",
                          (uid, vendor, agency, day, reference))

    def vendor_threads(self, uid: str, vendors: list[str], agency: str, start: str, end: str, mine: str,
                       shown: int = 3) -> tuple[int, list[str]]:
        """(how many, the first `shown` + 1 in order) of the distinct threads (reference, else uid)
        other than `mine` among the filed records of these vendor keys at this agency dated from
        `start` to `end`, but `uid`'s own: listed up to `_LISTED` (most vendors have a few, and
        a plain DISTINCT took half the time of counting), else counted in SQL on the covering index
        (a busy vendor has hundreds)."""
        sql = _vendor_sql(len(vendors))
        args = (*vendors, agency, uid, start, end, mine)
        listed = [t for t, in self._execute(sql.listing, (*args, _LISTED))]
        if len(listed) < _LISTED:
            return len(listed), listed[:shown + 1]
        found = self._execute(sql.counting, (*args, shown + 1)).fetchall()
        return found[0][1], [t for t, _ in found]

    def later_same_vendor(self, uid: str, vendors: list[str], agency: str, after: str, end: str) -> list[str]:
        """The other filed records (uids) of these vendor keys at this agency dated after `after`
        up to `end`, in date order."""
        return [u for u, in self._execute(_vendor_sql(len(vendors)).later, (*vendors, agency, uid, after, end))]

    def vendor_history(self, uid: str, vendors: list[str], agency: str, start: str, day: str, end: str, mine: str,
                       shown: int = 3) -> tuple[int, list[str], list[str]]:
        """vendor_threads(uid, vendors, agency, start, day, mine, shown) and later_same_vendor(uid,
        vendors, agency, day, end) from one listing of the filed rows dated `start` to `end` (a
        notice's vendor mostly has a few), or from those two queries when it has `_LISTED` or more."""
        rows = self._execute(_vendor_sql(len(vendors)).history, (*vendors, agency, uid, start, end, _LISTED)).fetchall()
        if len(rows) >= _LISTED:
            return *self.vendor_threads(uid, vendors, agency, start, day, mine, shown), \
                self.later_same_vendor(uid, vendors, agency, day, end)
        threads = sorted({t for _, on, t in rows if on <= day} - {mine})
        first: dict[str, str] = {}  # a later record's first day (one row per vendor key)
        for other, on, _ in rows:
            if on > day and (other not in first or on < first[other]):
                first[other] = on
        return len(threads), threads[:shown + 1], sorted(first, key=lambda other: (first[other], other))

    def save_flags(self, uid: str, found: list[tuple[str, str, str | None]], now: str) -> None:
        """Store a notice's current flags (code, detail, due); flags no longer raised are cleared
        (none to clear for a notice first stored in this transaction and not flagged since)."""
        fresh = uid in self._fresh
        if fresh:
            if not found:
                return
            self._fresh.discard(uid)
        for code, detail, due in found:
            self._execute("INSERT INTO flags (uid, flag, detail, due, raised_at) VALUES (?, ?, ?, ?, ?)"
                          " ON CONFLICT(uid, flag) DO UPDATE SET detail = excluded.detail, due = excluded.due,"
                          " raised_at = CASE WHEN cleared_at IS NULL THEN raised_at ELSE excluded.raised_at END,"
                          " cleared_at = NULL", (uid, code, detail, due, now))
        if fresh:
            return  # it has no other flag to clear
        keep = [code for code, _, _ in found]
        self._execute(f"UPDATE flags SET cleared_at = ? WHERE uid = ? AND cleared_at IS NULL"
                      f" AND flag NOT IN ({','.join('?' * len(keep))})", (now, uid, *keep))

    def flags(self, uid: str) -> list[dict]:
        """The open flags of a notice."""
        return self.rows("SELECT flag, detail, due, raised_at FROM flags WHERE uid = ? AND cleared_at IS NULL"
                         " ORDER BY raised_at, flag", (uid,))

    def closed_windows(self, today: str) -> list[dict]:
        """Open intent-window flags whose date has passed and that were not followed up yet."""
        return self.rows("SELECT uid, detail, due FROM flags WHERE flag = 'intent_window' AND cleared_at IS NULL"
                         " AND announced_at IS NULL AND due < ? ORDER BY due, uid", (today,))

    def mark_flag_announced(self, uid: str, flag: str, now: str) -> None:
        self.db.execute("UPDATE flags SET announced_at = ? WHERE uid = ? AND flag = ?", (now, uid, flag))

    def recheck_candidates(self, since: str) -> list[str]:
        """Sole-source awards signed on or after `since`, which a daily re-check may newly flag."""
        return [r["uid"] for r in self.rows("SELECT uid FROM notices WHERE kind = 'award' AND competition ="
                                            " 'sole_source' AND awarded_at >= ? AND NOT withdrawn ORDER BY uid",
                                            (since,))]

    def flag_version(self, uid: str, changes: dict, now: str) -> Saved:
        """A new (material) version of a stored notice whose content is unchanged but which a flag
        raised later makes news again (alerted once: the flag is raised once)."""
        old = self.rows("SELECT version, content_hash FROM notices WHERE uid = ?", (uid,))[0]
        version = old["version"] + 1
        self.db.execute("UPDATE notices SET version = ?, last_seen_at = ? WHERE uid = ?", (version, now, uid))
        # No raw record of its own: the record is the previous version's ("as before", see raw_records).
        self.db.execute("INSERT INTO notice_versions (uid, version, content_hash, seen_at, changes, material)"
                        " VALUES (?, ?, ?, ?, ?, 1)",
                        (uid, version, old["content_hash"], now, json.dumps(changes, ensure_ascii=False)))
        return Saved(uid, version, "updated", changes, True)
