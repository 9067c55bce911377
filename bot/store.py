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
from decimal import Decimal

import sqlite_utils

from .filelock import exclusive
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


@contextmanager
def _schema_lock(path: str):
    """One process at a time switches a new database to WAL and migrates it: two commands opening a
    fresh (or just upgraded) database at once otherwise fail with 'database is locked'."""
    if path == ":memory:":
        yield
        return
    with exclusive(path + ".lock"):
        yield


class Database:
    """The bot's SQLite database, migrated to the current schema on open."""

    def __init__(self, path: str):
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.db = sqlite_utils.Database(sqlite3.connect(path, timeout=30))
        with _schema_lock(path):
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
        old = self.db.execute("SELECT version, content_hash FROM notices WHERE uid = ?", (notice.uid,)).fetchone()
        if old and old[1] == digest:
            self.db.execute("UPDATE notices SET last_seen_at = ? WHERE uid = ?", (now, notice.uid))
            return Saved(notice.uid, old[0], "same", {}, False)
        version = old[0] + 1 if old else 1
        content = notice.content()
        changes = changed_fields(self._content(notice.uid, old[0]), content) if old else {}
        row = _notice_row(notice, content) | {"content_hash": digest, "version": version, "last_seen_at": now}
        if old:
            self._write("UPDATE notices SET {sets} WHERE uid = :uid", row)
        else:
            self._write("INSERT INTO notices ({columns}) VALUES ({values})", row | {"first_seen_at": now, "withdrawn": 0})
        self._write("INSERT INTO notice_versions ({columns}) VALUES ({values})", {
            "uid": notice.uid, "version": version, "content_hash": digest, "seen_at": now,
            "changes": json.dumps(changes, ensure_ascii=False), "material": int(is_material(changes)),
            "content": json.dumps(content, ensure_ascii=False), "raw": notice.raw,
        })
        return Saved(notice.uid, version, "updated" if old else "new", changes, is_material(changes))

    def _write(self, template: str, row: dict) -> None:
        """Run an INSERT/UPDATE template over a row's columns (statements are built once per shape
        and prepared once by sqlite3: the store's hot path, see bench/ingest.py)."""
        key = (template, tuple(row))
        sql = _STATEMENTS.get(key)
        if sql is None:
            sql = _STATEMENTS[key] = template.format(
                columns=", ".join(f"[{c}]" for c in row), values=", ".join(f":{c}" for c in row),
                sets=", ".join(f"[{c}] = :{c}" for c in row if c != "uid"))
        self.db.execute(sql, row)

    def _content(self, uid: str, version: int) -> dict:
        found = self.db.execute("SELECT content FROM notice_versions WHERE uid = ? AND version = ?",
                                (uid, version)).fetchone()
        return json.loads(found[0]) if found else {}

    def notice(self, uid: str) -> Notice | None:
        """The current version of a stored notice."""
        rows = self.rows("SELECT content, raw FROM notice_versions v JOIN notices n USING (uid)"
                         " WHERE uid = ? AND v.version = n.version", (uid,))
        if not rows:
            return None
        stored = self.rows("SELECT source, native_id, codes, competition_evidence FROM notices WHERE uid = ?", (uid,))[0]
        return notice_from_content(stored, json.loads(rows[0]["content"]), rows[0]["raw"])

    def related(self, reference: str, uid: str) -> list[dict]:
        """Other stored notices of the same procurement thread (same `reference`), oldest first."""
        if not reference:
            return []
        return self.rows("SELECT uid, source, kind, title, vendor_name, amount, competition, codes, withdrawn"
                         " FROM notices WHERE reference = ? AND uid != ? ORDER BY first_seen_at, uid",
                         (reference, uid))

    def is_withdrawn(self, uid: str) -> bool:
        rows = self.rows("SELECT withdrawn FROM notices WHERE uid = ?", (uid,))
        return bool(rows and rows[0]["withdrawn"])

    def mark_withdrawn(self, uid: str, reason: str, now: str) -> Saved | None:
        """Mark a stored notice withdrawn, as a new (material) version; None if unknown or already."""
        old = self.rows("SELECT n.version, n.content_hash, v.content, v.raw FROM notices n JOIN notice_versions v"
                        " ON v.uid = n.uid AND v.version = n.version WHERE n.uid = ? AND NOT n.withdrawn", (uid,))
        if not old:
            return None
        version, changes = old[0]["version"] + 1, {"withdrawn": ["", reason]}
        self.db.execute("UPDATE notices SET withdrawn = 1, version = ?, last_seen_at = ? WHERE uid = ?",
                        (version, now, uid))
        self.db["notice_versions"].insert({
            "uid": uid, "version": version, "content_hash": old[0]["content_hash"], "seen_at": now,
            "changes": json.dumps(changes), "material": 1, "content": old[0]["content"], "raw": old[0]["raw"]})
        return Saved(uid, version, "updated", changes, True)

    def alerted_to(self, uid: str) -> list[dict]:
        """Each (channel, recipient) a notice was queued for, with the watchlists and hits of its last row."""
        return self.rows("SELECT channel, recipient, watchlists, hits FROM outbox WHERE id IN"
                         " (SELECT max(id) FROM outbox WHERE uid = ? GROUP BY channel, recipient)", (uid,))

    def count(self, table: str) -> int:
        return self.db[table].count

    # -- descriptions fetched at a cost ------------------------------------------------------

    def detail(self, uid: str, summary_hash: str) -> str | None:
        """A description already fetched for this notice and list-record version, if any."""
        rows = self.rows("SELECT description FROM details WHERE uid = ? AND summary_hash = ?",
                         (uid, summary_hash))
        return rows[0]["description"] if rows else None

    def save_detail(self, uid: str, summary_hash: str, description: str, now: str) -> None:
        self.db.execute("INSERT INTO details (uid, summary_hash, description, fetched_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT(uid) DO UPDATE SET summary_hash = excluded.summary_hash,"
                        " description = excluded.description, fetched_at = excluded.fetched_at",
                        (uid, summary_hash, description, now))

    # -- matches -----------------------------------------------------------------------------

    def save_match(self, uid: str, version: int, watchlist: str, hits: list, now: str) -> None:
        self.db.execute("INSERT INTO matches (uid, version, watchlist, hits, matched_at) VALUES (?, ?, ?, ?, ?)"
                        " ON CONFLICT(uid, version, watchlist) DO UPDATE SET hits = excluded.hits,"
                        " matched_at = excluded.matched_at",
                        (uid, version, watchlist, json.dumps(hits, ensure_ascii=False), now))

    # -- red flags (bot/flags.py) ---------------------------------------------------------------

    def thread(self, reference: str) -> list[dict]:
        """The stored notices of one procurement thread (same `reference`) but its modifications
        (a contract can have hundreds), in date order."""
        return self.rows("SELECT uid, source, kind, amount, currency, competition, posted_at, awarded_at"
                         " FROM notices WHERE reference = ? AND kind != 'modification' AND NOT withdrawn"
                         " ORDER BY coalesce(awarded_at, posted_at), uid", (reference,))

    def index_vendor(self, uid: str, vendors: list[str], agency: str, day: str | None, reference: str) -> None:
        """(Re)file a non-competed award or J&A under its vendor keys and agency; no keys unfiles it."""
        self.db.execute("DELETE FROM flag_vendors WHERE uid = ?", (uid,))
        for vendor in vendors:
            self.db.execute("INSERT INTO flag_vendors (uid, vendor, agency, day, reference) VALUES (?, ?, ?, ?, ?)",
                            (uid, vendor, agency, day, reference))

    def same_vendor(self, uid: str, vendors: list[str], agency: str, start: str, end: str) -> list[dict]:
        """Other filed records of these vendor keys at this agency dated from `start` to `end`."""
        marks = ",".join("?" * len(vendors))
        return self.rows(f"SELECT f.uid, f.vendor, f.agency, f.day, f.reference FROM flag_vendors f JOIN notices n"
                         f" USING (uid) WHERE f.vendor IN ({marks}) AND f.agency = ? AND f.day BETWEEN ? AND ?"
                         f" AND f.uid != ? AND NOT n.withdrawn ORDER BY f.day, f.uid",
                         (*vendors, agency, start, end, uid))

    def save_flags(self, uid: str, found: list[tuple[str, str, str | None]], now: str) -> None:
        """Store a notice's current flags (code, detail, due); flags no longer raised are cleared."""
        for code, detail, due in found:
            self.db.execute("INSERT INTO flags (uid, flag, detail, due, raised_at) VALUES (?, ?, ?, ?, ?)"
                            " ON CONFLICT(uid, flag) DO UPDATE SET detail = excluded.detail, due = excluded.due,"
                            " raised_at = CASE WHEN cleared_at IS NULL THEN raised_at ELSE excluded.raised_at END,"
                            " cleared_at = NULL", (uid, code, detail, due, now))
        keep = [code for code, _, _ in found]
        self.db.execute(f"UPDATE flags SET cleared_at = ? WHERE uid = ? AND cleared_at IS NULL"
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
        old = self.rows("SELECT n.version, n.content_hash, v.content, v.raw FROM notices n JOIN notice_versions v"
                        " ON v.uid = n.uid AND v.version = n.version WHERE n.uid = ?", (uid,))[0]
        version = old["version"] + 1
        self.db.execute("UPDATE notices SET version = ?, last_seen_at = ? WHERE uid = ?", (version, now, uid))
        self.db["notice_versions"].insert({
            "uid": uid, "version": version, "content_hash": old["content_hash"], "seen_at": now,
            "changes": json.dumps(changes, ensure_ascii=False), "material": 1, "content": old["content"],
            "raw": old["raw"]})
        return Saved(uid, version, "updated", changes, True)

    # -- evidence (bot/evidence.py) --------------------------------------------------------------

    def keep_response(self, sha256: str, url: str, retrieved_at: str, status: int, headers: str,
                      body: bytes) -> None:
        """Keep one response body once per hash (the first retrieval is the one cited)."""
        self.db.execute("INSERT INTO evidence_responses (sha256, url, retrieved_at, status, headers, body)"
                        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING",
                        (sha256, url, retrieved_at, status, headers, body))

    def link_response(self, uids: list[str], sha256: str) -> None:
        """Link the current versions of `uids` to the response that carried them."""
        for uid in uids:
            self.db.execute("INSERT INTO evidence_links (uid, version, sha256) SELECT uid, version, ? FROM notices"
                            " WHERE uid = ? ON CONFLICT DO NOTHING", (sha256, uid))

    def evidence_responses(self, uid: str) -> list[dict]:
        """The responses kept for a notice, oldest first, bodies compressed."""
        return self.rows("SELECT DISTINCT r.sha256, r.url, r.retrieved_at, r.status, r.headers, r.body"
                         " FROM evidence_links l JOIN evidence_responses r USING (sha256) WHERE l.uid = ?"
                         " ORDER BY r.retrieved_at, r.sha256", (uid,))

    def evidence_versions(self, uid: str) -> list[dict]:
        """Every stored version of a notice with its raw record, oldest first."""
        return self.rows("SELECT version, seen_at, content_hash, raw FROM notice_versions WHERE uid = ?"
                         " ORDER BY version", (uid,))

    # -- attachments (bot/documents.py) ---------------------------------------------------------

    def document(self, sha256: str) -> dict | None:
        """A file already read (its fields, not its bytes), or None."""
        rows = self.rows("SELECT sha256, name, content_type, size, pages, status, text FROM documents"
                         " WHERE sha256 = ?", (sha256,))
        return rows[0] if rows else None

    def save_document(self, doc, body: bytes, url: str, now: str) -> None:
        self.db.execute("INSERT INTO documents (sha256, name, content_type, size, pages, status, text, body, url,"
                        " fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING",
                        (doc.sha256, doc.name, doc.content_type, doc.size, doc.pages, doc.status, doc.text, body,
                         url, now))

    def link_documents(self, uid: str, links_key: str, shas: list[str], now: str) -> None:
        """Record that this link list of a notice was read, and into which files."""
        for position, sha in enumerate(shas):
            self.db.execute("INSERT OR REPLACE INTO notice_documents (uid, links_key, position, sha256, linked_at)"
                            " VALUES (?, ?, ?, ?, ?)", (uid, links_key, position, sha, now))

    def notice_documents(self, uid: str, links_key: str) -> list[dict] | None:
        """The files read for this link list of a notice, in order; None if it was never read."""
        rows = self.rows("SELECT d.sha256, d.name, d.content_type, d.size, d.pages, d.status, d.text"
                         " FROM notice_documents l JOIN documents d USING (sha256) WHERE l.uid = ? AND l.links_key = ?"
                         " ORDER BY l.position", (uid, links_key))
        if rows:
            return rows
        seen = self.rows("SELECT 1 FROM notice_documents WHERE uid = ? AND links_key = ? LIMIT 1", (uid, links_key))
        return [] if seen else None

    def attachments(self, uid: str) -> list[dict]:
        """The files of a notice's latest link list, with their bytes (compressed), for evidence."""
        return self.rows("SELECT d.name, d.sha256, d.size, d.status, d.url, d.fetched_at, d.body FROM notice_documents l"
                         " JOIN documents d USING (sha256) WHERE l.uid = ? AND l.linked_at = (SELECT max(linked_at)"
                         " FROM notice_documents WHERE uid = ?) ORDER BY l.position", (uid, uid))

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

    def record_health(self, source: str, now: str, error: str | None, fetched: int, new: int,
                      warning: str | None = None) -> None:
        """Update a source's health after a poll: failures count up until the next success.

        A `warning` (a poll that worked but should be looked at) is kept as `last_error`, prefixed
        "warning:", without counting as a failure."""
        old = self.rows("SELECT * FROM source_health WHERE source = ?", (source,))
        row = old[0] if old else {"source": source, "consecutive_failures": 0, "fetched": 0, "new": 0}
        row |= {"last_attempt_at": now, "fetched": row["fetched"] + fetched, "new": row["new"] + new}
        if error:
            row |= {"consecutive_failures": row["consecutive_failures"] + 1, "last_error": error}
        else:
            row |= {"consecutive_failures": 0, "last_ok_at": now,
                    "last_error": f"warning: {warning}" if warning else None}
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

    # -- search and show --------------------------------------------------------------------

    def search(self, query: str, source: str | None = None, since: str | None = None,
               competition: str | None = None, limit: int = 20) -> list[dict]:
        """Full-text search (FTS5, the query quoted so user input is never FTS syntax), best first."""
        where, args = [], {}
        for column, value, op in (("source", source, "="), ("posted_at", since, ">="),
                                  ("competition", competition, "=")):
            if value:
                where.append(f"{column} {op} :{column}")
                args[column] = value
        return list(self.db["notices"].search(query, where=" AND ".join(where) or None, where_args=args,
                                              limit=limit, quote=True))

    def versions(self, uid: str) -> list[dict]:
        """Every stored version of a notice, oldest first, with what changed."""
        return self.rows("SELECT version, seen_at, changes, material FROM notice_versions WHERE uid = ?"
                         " ORDER BY version", (uid,))

    def matches(self, uid: str) -> list[dict]:
        return self.rows("SELECT version, watchlist, hits, matched_at FROM matches WHERE uid = ?"
                         " ORDER BY version, watchlist", (uid,))

    def deliveries(self, uid: str) -> list[dict]:
        """Outbox rows of a notice with the digest each went out in."""
        return self.rows("SELECT o.channel, o.recipient, o.version, o.state, o.attempts, o.last_error,"
                         " o.sent_at, d.message_ref FROM outbox o LEFT JOIN digests d ON d.id = o.digest_id"
                         " WHERE o.uid = ? ORDER BY o.id", (uid,))

    def uids_like(self, prefix: str, limit: int = 5) -> list[str]:
        """Stored uids starting with `prefix` (so `show` can accept a native id or a prefix)."""
        return [r["uid"] for r in self.rows("SELECT uid FROM notices WHERE uid LIKE ? ESCAPE '\\'"
                                            " OR native_id = ? ORDER BY uid LIMIT ?",
                                            (prefix.replace("%", "\\%").replace("_", "\\_") + "%",
                                             prefix, limit))]

    def notices_since(self, since: str) -> list[Notice]:
        """Current versions of notices posted (or, undated, first seen) on or after `since`."""
        rows = self.rows("SELECT n.source, n.native_id, n.codes, n.competition_evidence, v.content, v.raw"
                         " FROM notices n JOIN notice_versions v ON v.uid = n.uid AND v.version = n.version"
                         " WHERE coalesce(n.posted_at, n.first_seen_at) >= ? ORDER BY n.posted_at DESC",
                         (since,))
        return [notice_from_content(r, json.loads(r["content"]), r["raw"]) for r in rows]

    # -- status and operator alerts -------------------------------------------------------------

    def new_since(self, since: str) -> dict[str, int]:
        """Notices first seen at or after `since`, per source."""
        return {r["source"]: r["n"] for r in self.rows(
            "SELECT source, count(*) AS n FROM notices WHERE first_seen_at >= ? GROUP BY source", (since,))}

    def dead_letters(self, limit: int = 5) -> list[dict]:
        return self.rows("SELECT channel, recipient, uid, attempts, last_error FROM outbox"
                         " WHERE state = 'dead' ORDER BY id DESC LIMIT ?", (limit,))

    def last_digests(self) -> list[dict]:
        """The latest sent digest per channel and recipient."""
        return self.rows("SELECT channel, recipient, max(sent_at) AS sent_at, count(*) AS digests"
                         " FROM digests WHERE sent_at IS NOT NULL GROUP BY channel, recipient"
                         " ORDER BY channel, recipient")

    def incidents(self, source: str | None = None, open_only: bool = True) -> list[dict]:
        where = ["closed_at IS NULL"] if open_only else []
        args: tuple = ()
        if source:
            where.append("source = ?")
            args = (source,)
        sql = "SELECT * FROM health_incidents" + (" WHERE " + " AND ".join(where) if where else "")
        return self.rows(sql + " ORDER BY id", args)

    def open_incident(self, source: str, kind: str, message: str, now: str) -> None:
        self.db["health_incidents"].insert({"source": source, "kind": kind, "message": message,
                                            "opened_at": now})

    def close_incident(self, incident_id: int, now: str) -> None:
        self.db.execute("UPDATE health_incidents SET closed_at = ? WHERE id = ?", (now, incident_id))

    def unannounced_incidents(self) -> list[dict]:
        """Incidents whose opening or recovery has not been told to an operator yet."""
        return self.rows("SELECT * FROM health_incidents WHERE opened_alerted_at IS NULL"
                         " OR (closed_at IS NOT NULL AND closed_alerted_at IS NULL) ORDER BY id")

    def mark_announced(self, incident_id: int, column: str, now: str) -> None:
        assert column in ("opened_alerted_at", "closed_alerted_at")
        self.db.execute(f"UPDATE health_incidents SET {column} = ? WHERE id = ?", (now, incident_id))

    def meta(self, key: str) -> str | None:
        rows = self.rows("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.db["meta"].upsert({"key": key, "value": value}, pk="key")


_STATEMENTS: dict[tuple, str] = {}  # see Database._write


def _notice_row(n: Notice, content: dict | None = None) -> dict:
    row = dict(content or n.content())
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
