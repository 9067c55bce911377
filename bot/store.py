"""All SQL lives here: notices and their versions, cursors, matches, health, budgets (DESIGN §6).

One `Database` per thread (sqlite3 connections are not shared). Writes that read first run in
`transaction()`, which takes the write lock up front with BEGIN IMMEDIATE.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import sqlite_utils

from .migrations import migrations
from .notice import CONTENT_FIELDS, Notice, changed_fields, is_material


@dataclass
class Saved:
    """What storing one notice did: `status` is new, updated or same."""

    uid: str
    version: int
    status: str
    changes: dict
    material: bool


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Database:
    """The bot's SQLite database, migrated to the current schema on open."""

    def __init__(self, path: str):
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.db = sqlite_utils.Database(sqlite3.connect(path, timeout=30))
        if path != ":memory:":
            self.db.enable_wal()
        self.db.execute("PRAGMA foreign_keys=ON")
        migrations.apply(self.db)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.db.rollback()
            raise
        self.db.commit()

    def rows(self, sql: str, params=()) -> list[dict]:
        """Run a SELECT and return dict rows (empty list when none)."""
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    # -- notices ---------------------------------------------------------------------------

    def save(self, notice: Notice, now: str) -> Saved:
        """Insert or version a notice; a record seen again with the same hash only touches last_seen."""
        digest = notice.content_hash()
        old = self.rows("SELECT version, content_hash FROM notices WHERE uid = ?", (notice.uid,))
        if old and old[0]["content_hash"] == digest:
            self.db.execute("UPDATE notices SET last_seen_at = ? WHERE uid = ?", (now, notice.uid))
            return Saved(notice.uid, old[0]["version"], "same", {}, False)
        version = old[0]["version"] + 1 if old else 1
        changes = changed_fields(self._content(notice.uid, old), notice.content()) if old else {}
        row = _notice_row(notice) | {"content_hash": digest, "version": version, "last_seen_at": now}
        if old:
            self.db["notices"].update(notice.uid, row)
        else:
            self.db["notices"].insert(row | {"first_seen_at": now, "withdrawn": 0})
        self.db["notice_versions"].insert({
            "uid": notice.uid, "version": version, "content_hash": digest, "seen_at": now,
            "changes": json.dumps(changes, ensure_ascii=False), "material": int(is_material(changes)),
            "content": json.dumps(notice.content(), ensure_ascii=False), "raw": notice.raw,
        })
        return Saved(notice.uid, version, "updated" if old else "new", changes, is_material(changes))

    def _content(self, uid: str, old: list) -> dict:
        rows = self.rows("SELECT content FROM notice_versions WHERE uid = ? AND version = ?",
                         (uid, old[0]["version"]))
        return json.loads(rows[0]["content"]) if rows else {}

    def notice(self, uid: str) -> Notice | None:
        """The current version of a stored notice."""
        rows = self.rows("SELECT content, raw FROM notice_versions v JOIN notices n USING (uid)"
                         " WHERE uid = ? AND v.version = n.version", (uid,))
        if not rows:
            return None
        stored = self.rows("SELECT source, native_id, codes, competition_evidence FROM notices WHERE uid = ?", (uid,))[0]
        return notice_from_content(stored, json.loads(rows[0]["content"]), rows[0]["raw"])

    def count(self, table: str) -> int:
        return self.db[table].count

    # -- descriptions fetched at a cost ------------------------------------------------------

    def detail(self, uid: str, summary_hash: str) -> str | None:
        """A description already fetched for this notice and list-record version, if any."""
        rows = self.rows("SELECT description FROM details WHERE uid = ? AND summary_hash = ?",
                         (uid, summary_hash))
        return rows[0]["description"] if rows else None

    def save_detail(self, uid: str, summary_hash: str, description: str, now: str) -> None:
        self.db["details"].upsert({"uid": uid, "summary_hash": summary_hash,
                                   "description": description, "fetched_at": now}, pk="uid")

    # -- matches -----------------------------------------------------------------------------

    def save_match(self, uid: str, version: int, watchlist: str, hits: list, now: str) -> None:
        self.db["matches"].upsert({"uid": uid, "version": version, "watchlist": watchlist,
                                   "hits": json.dumps(hits, ensure_ascii=False), "matched_at": now},
                                  pk=("uid", "version", "watchlist"))

    # -- cursors, baselines, health, budgets ----------------------------------------------------

    def cursor(self, source: str) -> dict | None:
        rows = self.rows("SELECT cursor FROM cursors WHERE source = ?", (source,))
        return json.loads(rows[0]["cursor"]) if rows else None

    def set_cursor(self, source: str, cursor: dict, now: str) -> None:
        self.db["cursors"].upsert({"source": source, "cursor": json.dumps(cursor), "updated_at": now},
                                  pk="source")

    def add_baseline(self, source: str, held_back: int, now: str) -> None:
        """Count notices stored without alerting on a source's first poll."""
        self.db.execute(
            "INSERT INTO baselines (source, held_back, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT(source) DO UPDATE SET held_back = held_back + excluded.held_back",
            (source, held_back, now))

    def baselines_since(self, since: str | None) -> dict[str, int]:
        rows = self.rows("SELECT source, held_back FROM baselines WHERE created_at > ? AND held_back > 0",
                         (since or "",))
        return {r["source"]: r["held_back"] for r in rows}

    def record_health(self, source: str, now: str, error: str | None, fetched: int, new: int) -> None:
        """Update a source's health after a poll: failures count up until the next success."""
        old = self.rows("SELECT * FROM source_health WHERE source = ?", (source,))
        row = old[0] if old else {"source": source, "consecutive_failures": 0, "fetched": 0, "new": 0}
        row |= {"last_attempt_at": now, "fetched": row["fetched"] + fetched, "new": row["new"] + new}
        if error:
            row |= {"consecutive_failures": row["consecutive_failures"] + 1, "last_error": error}
        else:
            row |= {"consecutive_failures": 0, "last_ok_at": now, "last_error": None}
            if new:
                row["last_new_at"] = now
        self.db["source_health"].upsert(row, pk="source")

    def health(self) -> list[dict]:
        return self.rows("SELECT * FROM source_health ORDER BY source")

    def budget_used(self, key_id: str, day: str) -> int:
        rows = self.rows("SELECT used FROM request_budget WHERE key_id = ? AND day = ?", (key_id, day))
        return rows[0]["used"] if rows else 0

    def spend_budget(self, key_id: str, day: str, n: int = 1) -> int:
        """Count `n` requests against a key's day; return the new total."""
        self.db.execute(
            "INSERT INTO request_budget (key_id, day, used) VALUES (?, ?, ?)"
            " ON CONFLICT(key_id, day) DO UPDATE SET used = used + excluded.used", (key_id, day, n))
        return self.budget_used(key_id, day)


def _notice_row(n: Notice) -> dict:
    row = {k: v for k, v in n.content().items()}
    row |= {"uid": n.uid, "source": n.source, "native_id": n.native_id,
            "agency": " › ".join(n.agency_path), "agency_path": json.dumps(n.agency_path, ensure_ascii=False),
            "vendor_ids": json.dumps(n.vendor_ids), "codes": json.dumps(n.codes, ensure_ascii=False),
            "competition_evidence": json.dumps(n.competition_evidence, ensure_ascii=False)}
    return row


def notice_from_content(stored: dict, content: dict, raw: str) -> Notice:
    """Rebuild a Notice from a stored version."""
    fields = {k: content.get(k) for k in CONTENT_FIELDS}
    if fields["amount"] is not None:
        fields["amount"] = Decimal(fields["amount"])
    return Notice(source=stored["source"], native_id=stored["native_id"], raw=raw or "",
                  codes=json.loads(stored["codes"] or "{}"),
                  competition_evidence=json.loads(stored["competition_evidence"] or "[]"), **fields)
