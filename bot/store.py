"""All SQL lives here: notices and their versions, cursors, matches, health, budgets (DESIGN §6).

One `Database` per thread (sqlite3 connections are not shared). Writes that read first run in
`transaction()`, which takes the write lock up front with BEGIN IMMEDIATE.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import sqlite_utils
import zstandard

from .errors import BotError
from .filelock import exclusive
from .migrations import INDEXED, migrations
from .notice import CONTENT_FIELDS, Notice, changed_fields, content_hash, is_material


ANY = object()  # Database.related: any idv code


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
        with _schema_lock(path):  # one opener at a time creates, checks and migrates the file
            if path != ":memory:":
                refuse_foreign(path)  # under the lock: a file another opener just created is not "empty"
            self.db = sqlite_utils.Database(sqlite3.connect(path, timeout=30))
            if not self.db.table_names():  # before the first write (WAL's included) or it needs a VACUUM
                self.db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # so `db prune` can shrink the file
            if path != ":memory:":
                self.db.enable_wal()
                # WAL + NORMAL: a commit is atomic and survives a crash of the process; only a power cut
                # can roll back the last commits (the page is read again: its cursor rolls back with it).
                # FULL's fsync per page was 20 ms of every page at 20,000 notices (bench/ingest.py).
                self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            if self.db.table_names() and "_sqlite_migrations" not in self.db.table_names():
                self.db.close()
                raise BotError(f"{path} is an SQLite database but not procwatch's (it has no migrations table)",
                               "point [bot] database in feeds.toml at procwatch's database, or move that file away")
            pending = [m.name for m in migrations.pending(self.db)]
            if pending and self.db.table_names():
                log.warning("upgrading the database %s (%s): on a large database this takes minutes (an"
                            " interrupted upgrade is rolled back and runs again next time)", path, ", ".join(pending))
            migrations.apply(self.db)
        self._in_transaction = False
        self._execute = self.db.execute  # sqlite3's own inside transaction(): sqlite-utils' wrapper only autocommits
        self._fresh: set[str] = set()  # uids first inserted in this transaction, no flag rows written yet
        self._unindexed: set[int] = set()  # notices inserted but not yet in the full-text index
        self._known: dict[str, tuple | None] = {}  # the page's preloaded uids (see preload)
        self._details: dict[str, tuple | None] = {}  # the page's preloaded descriptions (preload_details)
        self._dictionaries: dict[str, int | None] = {}  # source → its raw records' dictionary id
        self._codecs: dict[int | None, tuple] = {}
        self._untrained: dict[str, int] = {}  # raw records stored without a dictionary, per source
        self._until_training: dict[str, int] = {}  # records to go before a source's count is checked again
        self._stamp = ""  # the last save's time, for a dictionary's created_at

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        self._in_transaction, self._execute = True, self.db.conn.execute
        try:
            yield self
            self._index_new()
            if self._untrained:
                self._train(self._stamp)
        except BaseException:
            self.db.rollback()
            self._dictionaries.clear()  # a dictionary trained in this transaction is gone with it
            raise
        finally:
            self._in_transaction, self._execute = False, self.db.execute
            self._fresh.clear()
            self._unindexed.clear()
            self._known.clear()
            self._details.clear()
            self._untrained.clear()
        self.db.commit()

    def rows(self, sql: str, params=()) -> list[dict]:
        """Run a SELECT and return dict rows (empty list when none)."""
        cursor = self._execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    # -- notices ---------------------------------------------------------------------------

    def preload(self, uids) -> None:
        """Look a page's notices up in one query per 500, for `save` (the ingest hot path)."""
        wanted = [u for u in dict.fromkeys(uids) if u not in self._known]
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            self._known |= dict.fromkeys(chunk)
            for uid, rowid, version, digest in self._execute(
                    f"SELECT uid, rowid, version, content_hash FROM notices WHERE uid IN ({', '.join('?' * len(chunk))})",
                    chunk):
                self._known[uid] = (rowid, version, digest)

    def _stored(self, uid: str) -> tuple | None:
        """(rowid, version, content_hash) of a stored notice, from the page's preload when there is one."""
        if uid in self._known:
            return self._known[uid]
        return self._execute("SELECT rowid, version, content_hash FROM notices WHERE uid = ?", (uid,)).fetchone()

    def save(self, notice: Notice, now: str) -> Saved:
        """Insert or version a notice; a record seen again with the same hash only touches last_seen."""
        content = notice.content()
        digest = content_hash(content)
        old = self._stored(notice.uid)
        self._stamp = now
        if old and old[2] == digest:
            self._execute("UPDATE notices SET last_seen_at = ? WHERE rowid = ?", (now, old[0]))
            return Saved(notice.uid, old[1], "same", {}, False)
        version = old[1] + 1 if old else 1
        changes = changed_fields(self._content(old[0], content), content) if old else {}
        row = _notice_row(notice, content) | {"content_hash": digest, "version": version, "last_seen_at": now}
        if old:
            if old[0] in self._unindexed:
                self._index_new()  # its first version must be in the index before the update trigger
            self._write("UPDATE notices SET {sets} WHERE uid = :uid", row)
            rowid = old[0]
        else:
            rowid = self._write("INSERT INTO notices ({columns}) VALUES ({values})",
                                row | {"first_seen_at": now, "withdrawn": 0})
            self._unindexed.add(rowid)
            if self._in_transaction:
                self._fresh.add(notice.uid)
            else:
                self._index_new()
        self._known[notice.uid] = (rowid, version, digest)
        material = is_material(changes)
        version_id = self._write("INSERT INTO notice_versions ({columns}) VALUES ({values})", {
            "uid": notice.uid, "version": version, "content_hash": digest, "seen_at": now,
            "changes": _text(changes), "material": int(material)})
        if notice.raw:
            raw, dictionary = self._pack(notice.source, notice.raw)
            previous = self._raw_blob(notice.uid, version) if old else None
            if previous != (raw, dictionary):  # else "as the previous version's"
                self._execute("INSERT INTO raw_records (id, raw, dictionary) VALUES (?, ?, ?)",
                              (version_id, raw, dictionary))
        return Saved(notice.uid, version, "updated" if old else "new", changes, material)

    def _index_new(self) -> None:
        """Add the notices inserted since the last call to the full-text index: one INSERT … SELECT
        per 500 (one index segment per page, not one per row; see bench/ingest.py)."""
        rowids = sorted(self._unindexed)
        self._unindexed.clear()
        cols = ", ".join(INDEXED)
        for i in range(0, len(rowids), 500):
            chunk = rowids[i:i + 500]
            self._execute(f"INSERT INTO notices_fts (rowid, {cols}) SELECT rowid, {cols} FROM notices"
                            f" WHERE rowid IN ({', '.join('?' * len(chunk))})", chunk)

    def _write(self, template: str, row: dict) -> int:
        """Run an INSERT/UPDATE template over a row's columns and return the rowid (statements are
        built once per shape and prepared once by sqlite3: the store's hot path, see bench/ingest.py)."""
        key = (template, tuple(row))
        sql = _STATEMENTS.get(key)
        if sql is None:
            sql = _STATEMENTS[key] = template.format(
                columns=", ".join(f"[{c}]" for c in row), values=", ".join(f":{c}" for c in row),
                sets=", ".join(f"[{c}] = :{c}" for c in row if c != "uid"))
        return self._execute(sql, row).lastrowid

    def _content(self, rowid: int, new: dict) -> dict:
        """The stored current version's content() (its amount read back as the new text when equal)."""
        row = self.rows(f"SELECT {', '.join(CONTENT_FIELDS)} FROM notices WHERE rowid = ?", (rowid,))[0]
        row["agency_path"], row["vendor_ids"] = json.loads(row["agency_path"] or "[]"), json.loads(row["vendor_ids"] or "[]")
        row["amount"] = same_amount(row["amount"], new.get("amount"))
        return row

    def _raw_blob(self, uid: str, below: int = 1 << 62) -> tuple | None:
        """(compressed raw record, dictionary id) of a notice's latest version below `below` that has one."""
        return self._execute("SELECT r.raw, r.dictionary FROM notice_versions v JOIN raw_records r ON r.id = v.id"
                               " WHERE v.uid = ? AND v.version < ? ORDER BY v.version DESC LIMIT 1",
                               (uid, below)).fetchone()

    # Raw records are zstd-compressed with a dictionary per source, trained on its first
    # DICTIONARY_SAMPLES records: a source's records repeat the same keys and boilerplate, which a
    # 4 KB record alone cannot exploit (README Performance has the sizes).

    def _pack(self, source: str, raw: str) -> tuple[bytes, int | None]:
        dictionary = self._dictionary_of(source)
        if dictionary is None:
            self._untrained[source] = self._untrained.get(source, 0) + 1
        return self._codec(dictionary)[0].compress(raw.encode("utf-8")), dictionary

    def _unpack(self, blob: bytes, dictionary: int | None) -> str:
        return self._codec(dictionary)[1].decompress(blob).decode("utf-8")

    def _dictionary_of(self, source: str) -> int | None:
        if source not in self._dictionaries:
            found = self.db.execute("SELECT max(id) FROM raw_dictionaries WHERE source = ?", (source,)).fetchone()
            self._dictionaries[source] = found[0]
        return self._dictionaries[source]

    def _codec(self, dictionary: int | None) -> tuple:
        """(compressor, decompressor) for a dictionary id (None: no dictionary), made once per connection."""
        if dictionary not in self._codecs:
            data = None
            if dictionary is not None:
                found = self.db.execute("SELECT dictionary FROM raw_dictionaries WHERE id = ?", (dictionary,)).fetchone()
                data = zstandard.ZstdCompressionDict(found[0])
            self._codecs[dictionary] = (zstandard.ZstdCompressor(level=RAW_LEVEL, dict_data=data),
                                        zstandard.ZstdDecompressor(dict_data=data))
        return self._codecs[dictionary]

    def _train(self, now: str) -> None:
        """Train a dictionary for each source that stored raw records without one, once it has
        DICTIONARY_SAMPLES of them (inside the page's transaction; once per source). The count is
        checked again only after as many more records as were missing (not on every page)."""
        for source in sorted(self._untrained):
            self._until_training[source] = self._until_training.get(source, 0) - self._untrained[source]
            if self._until_training[source] > 0 or self._dictionary_of(source) is not None:
                continue
            rows = self.db.execute(
                "SELECT r.raw, r.dictionary FROM raw_records r WHERE r.id IN (SELECT v.id FROM notice_versions v"
                " WHERE v.uid >= ? AND v.uid < ? LIMIT ?)", (source + ":", source + ";", DICTIONARY_SAMPLES)).fetchall()
            self._until_training[source] = DICTIONARY_SAMPLES - len(rows)
            if self._until_training[source] > 0:
                continue
            samples = [self._unpack(raw, d).encode("utf-8") for raw, d in rows]
            try:
                trained = zstandard.train_dictionary(DICTIONARY_BYTES, samples, level=RAW_LEVEL)
            except zstandard.ZstdError:
                self._until_training[source] = DICTIONARY_SAMPLES  # too uniform or small: try again later
                continue
            self._dictionaries[source] = self.db.execute(
                "INSERT INTO raw_dictionaries (source, dictionary, created_at) VALUES (?, ?, ?)",
                (source, trained.as_bytes(), now)).lastrowid
        self._untrained.clear()

    def notice(self, uid: str) -> Notice | None:
        """The current version of a stored notice (raw "" once retention dropped it)."""
        rows = self.rows("SELECT * FROM notices WHERE uid = ?", (uid,))
        if not rows:
            return None
        found = self._raw_blob(uid)
        return notice_from_row(rows[0], self._unpack(*found) if found else "")

    def related(self, reference: str, uid: str, kinds: tuple[str, ...], source: str | None = None,
                other_than: str | None = None, idv=ANY, newest: bool = False) -> dict | None:
        """The oldest (or `newest`) other stored notice of the same procurement thread (same
        `reference`) of one of `kinds`, from `source` or from any source but `other_than`, with
        the same `idv` code when given: one indexed row, however many share the reference."""
        if not reference:
            return None
        where, args = ["reference = ?", f"kind IN ({', '.join('?' * len(kinds))})", "uid != ?"], [reference, *kinds, uid]
        if source is not None:
            where.append("source = ?")
            args.append(source)
        if other_than is not None:
            where.append("source != ?")
            args.append(other_than)
        if idv is None:
            where.append("json_extract(codes, '$.idv') IS NULL")
        elif idv is not ANY:
            where.append("json_extract(codes, '$.idv') = ?")
            args.append(json.dumps(idv, separators=(",", ":"), ensure_ascii=False) if isinstance(idv, list) else idv)
        order = "DESC" if newest else ""
        rows = self.rows("SELECT uid, source, kind, title, vendor_name, amount, competition, codes, withdrawn"
                         f" FROM notices WHERE {' AND '.join(where)} ORDER BY first_seen_at {order}, uid {order}"
                         " LIMIT 1", args)
        return rows[0] if rows else None

    def is_withdrawn(self, uid: str) -> bool:
        rows = self.rows("SELECT withdrawn FROM notices WHERE uid = ?", (uid,))
        return bool(rows and rows[0]["withdrawn"])

    def mark_withdrawn(self, uid: str, reason: str, now: str) -> Saved | None:
        """Mark a stored notice withdrawn, as a new (material) version; None if unknown or already."""
        old = self.rows("SELECT version, content_hash FROM notices WHERE uid = ? AND NOT withdrawn", (uid,))
        if not old:
            return None
        version, changes = old[0]["version"] + 1, {"withdrawn": ["", reason]}
        self.db.execute("UPDATE notices SET withdrawn = 1, version = ?, last_seen_at = ? WHERE uid = ?",
                        (version, now, uid))
        self._known.pop(uid, None)
        self.db.execute("INSERT INTO notice_versions (uid, version, content_hash, seen_at, changes, material)"
                        " VALUES (?, ?, ?, ?, ?, 1)",  # no raw record: as the previous version's
                        (uid, version, old[0]["content_hash"], now, json.dumps(changes)))
        return Saved(uid, version, "updated", changes, True)

    def alerted_to(self, uid: str) -> list[dict]:
        """Each (channel, recipient) a notice was queued for, with the watchlists and hits of its last row."""
        return self.rows("SELECT channel, recipient, watchlists, hits FROM outbox WHERE id IN"
                         " (SELECT max(id) FROM outbox WHERE uid = ? GROUP BY channel, recipient)", (uid,))

    def count(self, table: str) -> int:
        return self.db[table].count

    # -- descriptions fetched at a cost ------------------------------------------------------

    def preload_details(self, uids) -> None:
        """Look a page's fetched descriptions up in one query per 500, for `detail` (until the page's
        transaction ends)."""
        self._details.clear()
        wanted = list(dict.fromkeys(uids))
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            self._details |= dict.fromkeys(chunk)
            for uid, summary_hash, description in self.db.execute(
                    f"SELECT uid, summary_hash, description FROM details WHERE uid IN ({', '.join('?' * len(chunk))})",
                    chunk):
                self._details[uid] = (summary_hash, description)

    def detail(self, listed: Notice) -> str | None:
        """A description already fetched for this notice and list-record version, if any (the
        listed record's content hash is computed only when its uid has one: most have none)."""
        uid = listed.uid
        if uid in self._details:
            found = self._details[uid]
            return found[1] if found and found[0] == listed.content_hash() else None
        rows = self.rows("SELECT description FROM details WHERE uid = ? AND summary_hash = ?",
                         (uid, listed.content_hash()))
        return rows[0]["description"] if rows else None

    def save_detail(self, uid: str, summary_hash: str, description: str, now: str) -> None:
        self.db.execute("INSERT INTO details (uid, summary_hash, description, fetched_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT(uid) DO UPDATE SET summary_hash = excluded.summary_hash,"
                        " description = excluded.description, fetched_at = excluded.fetched_at",
                        (uid, summary_hash, description, now))
        if uid in self._details:
            self._details[uid] = (summary_hash, description)

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
        """(Re)file a non-competed award or J&A under its vendor keys and agency; no keys unfiles it
        (nothing to unfile for a notice first stored in this transaction, most of a page)."""
        if uid not in self._fresh:
            self._execute("DELETE FROM flag_vendors WHERE uid = ?", (uid,))
        elif vendors:
            self._fresh.discard(uid)
        for vendor in vendors:
            self._execute("INSERT INTO flag_vendors (uid, vendor, agency, day, reference) VALUES (?, ?, ?, ?, ?)",
                          (uid, vendor, agency, day, reference))

    def same_vendor(self, uid: str, vendors: list[str], agency: str, start: str, end: str) -> list[dict]:
        """Other filed records of these vendor keys at this agency dated from `start` to `end`."""
        marks = ",".join("?" * len(vendors))
        return self.rows(f"SELECT f.uid, f.vendor, f.agency, f.day, f.reference FROM flag_vendors f JOIN notices n"
                         f" USING (uid) WHERE f.vendor IN ({marks}) AND f.agency = ? AND f.day BETWEEN ? AND ?"
                         f" AND f.uid != ? AND NOT n.withdrawn ORDER BY f.day, f.uid",
                         (*vendors, agency, start, end, uid))

    def save_flags(self, uid: str, found: list[tuple[str, str, str | None]], now: str) -> None:
        """Store a notice's current flags (code, detail, due); flags no longer raised are cleared
        (none to clear for a notice first stored in this transaction and not flagged since)."""
        if uid in self._fresh:
            if not found:
                return
            self._fresh.discard(uid)
        for code, detail, due in found:
            self._execute("INSERT INTO flags (uid, flag, detail, due, raised_at) VALUES (?, ?, ?, ?, ?)"
                            " ON CONFLICT(uid, flag) DO UPDATE SET detail = excluded.detail, due = excluded.due,"
                            " raised_at = CASE WHEN cleared_at IS NULL THEN raised_at ELSE excluded.raised_at END,"
                            " cleared_at = NULL", (uid, code, detail, due, now))
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
        """Every stored version of a notice with its raw record as received, oldest first (a version
        stored without one, such as a withdrawal, has the previous version's; None once pruned)."""
        rows = self.rows("SELECT v.version, v.seen_at, v.content_hash, r.raw AS blob, r.dictionary FROM notice_versions v"
                         " LEFT JOIN raw_records r ON r.id = v.id WHERE v.uid = ? ORDER BY v.version", (uid,))
        raw = None
        for row in rows:
            blob, dictionary = row.pop("blob"), row.pop("dictionary")
            raw = self._unpack(blob, dictionary) if blob is not None else raw
            row["raw"] = raw
        return rows

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
        self.db.execute("INSERT INTO cursors (source, cursor, updated_at) VALUES (?, ?, ?) ON CONFLICT(source)"
                        " DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
                        (source, json.dumps(cursor), now))

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

    def search(self, query: str | list[str], source: str | None = None, since: str | None = None,
               competition: str | None = None, limit: int = 20, best: int = 0, before: str | None = None) -> list[dict]:
        """Full-text search (FTS5; each phrase quoted so user input is never FTS syntax), newest first.

        Several phrases match any of them (an acronym and its agency names). Newest first walks the
        index from its newest row and stops at `limit`, however common the word. `best` > 0 ranks
        instead (bm25), within the newest `best` matches. `before`: posted before that date."""
        phrases = [query] if isinstance(query, str) else query
        fts = " OR ".join(f"({self.db.quote_fts(p)})" for p in phrases)
        where, args = ["notices_fts MATCH :query"], {"query": fts, "limit": limit, "best": best}
        for column, value, op, name in (("source", source, "=", "source"), ("posted_at", since, ">=", "since"),
                                        ("posted_at", before, "<", "before"),
                                        ("competition", competition, "=", "competition")):
            if value:
                where.append(f"n.{column} {op} :{name}")
                args[name] = value
        sql = ("SELECT n.*, f.rank AS rank FROM notices_fts f JOIN notices n ON n.rowid = f.rowid"
               f" WHERE {' AND '.join(where)} ORDER BY f.rowid DESC LIMIT {':best' if best else ':limit'}")
        rows = self.rows(sql, args)
        return sorted(rows, key=lambda r: r["rank"])[:limit] if best else rows

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
        """Stored uids starting with `prefix`, or whose native id or reference (award number or
        PIID: the `ref` every alert prints) is `prefix`; all index lookups (the uid range scan on the
        primary key, native_id's and reference's indexes)."""
        return [r["uid"] for r in self.rows(
            "SELECT uid FROM notices WHERE uid >= ? AND uid < ? UNION SELECT uid FROM notices WHERE native_id = ?"
            " UNION SELECT uid FROM notices WHERE reference = ? ORDER BY uid LIMIT ?",
            (prefix, prefix + "\U0010ffff", prefix, prefix, limit))]

    def count_since(self, since: str) -> int:
        """How many notices were posted (or, undated, first seen) on or after `since` (index only)."""
        return self.db.execute("SELECT (SELECT count(*) FROM notices WHERE posted_at >= ?)"
                               " + (SELECT count(*) FROM notices WHERE posted_at IS NULL AND first_seen_at >= ?)",
                               (since, since)).fetchone()[0]

    def notices_since(self, since: str, competition=(), sources=(), min_amount: float = 0.0):
        """Current versions (without raw records) of notices posted (or, undated, first seen) on or
        after `since`, newest stored first, streamed; the optional filters are a watchlist's own."""
        where, args = ["(posted_at >= ? OR (posted_at IS NULL AND first_seen_at >= ?))"], [since, since]
        for column, values in (("competition", competition), ("source", sources)):
            if values:
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
                args += list(values)
        if min_amount:
            where.append("(amount IS NULL OR amount >= ?)")
            args.append(float(min_amount))
        # newest stored first, reading the table in its own order: no index, whose random reads
        # of every row are many times slower on a cold cache than one pass (bench/scale.py)
        cursor = self.db.execute(f"SELECT * FROM notices NOT INDEXED WHERE {' AND '.join(where)} ORDER BY rowid DESC",
                                 args)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield notice_from_row(dict(zip(names, row)), "")

    # -- retention and integrity (bot/retention.py decides when) ------------------------------

    def prune_raw(self, before: str, batch: int = 2000):
        """Drop the raw records of notices never matched and last seen before `before`, one batch
        per transaction; yields (last rowid done, highest rowid, raw records dropped) for progress."""
        top, last = self.db.execute("SELECT coalesce(max(rowid), 0) FROM notices").fetchone()[0], 0
        while last < top:
            with self.transaction():
                uids = self.db.execute("SELECT rowid, uid FROM notices n WHERE rowid > ? AND last_seen_at < ?"
                                       " AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.uid = n.uid)"
                                       " ORDER BY rowid LIMIT ?", (last, before, batch)).fetchall()
                last = uids[-1][0] if uids else top
                dropped = self.db.execute(
                    "DELETE FROM raw_records WHERE id IN (SELECT id FROM notice_versions WHERE uid IN"
                    f" ({', '.join('?' * len(uids))}))", [u for _, u in uids]).rowcount if uids else 0
            yield last, top, dropped

    def prune_history(self, before: str) -> dict[str, int]:
        """Delete delivery and health history older than `before`: sent or dead outbox rows (the last
        one per notice and recipient stays: it says where a withdrawal must be announced), digests
        no remaining row refers to, closed and announced incidents, request counts."""
        with self.transaction():
            return {
                "outbox rows": self.db.execute(
                    "DELETE FROM outbox WHERE state IN ('sent', 'dead') AND coalesce(sent_at, created_at) < ?"
                    " AND id NOT IN (SELECT max(id) FROM outbox GROUP BY channel, recipient, uid)",
                    (before,)).rowcount,
                "digests": self.db.execute(
                    "DELETE FROM digests WHERE coalesce(sent_at, created_at) < ? AND id NOT IN"
                    " (SELECT digest_id FROM outbox WHERE digest_id IS NOT NULL)", (before,)).rowcount,
                "incidents": self.db.execute(
                    "DELETE FROM health_incidents WHERE closed_at < ? AND closed_alerted_at IS NOT NULL",
                    (before,)).rowcount,
                "request counts": self.db.execute("DELETE FROM request_budget WHERE day < ?",
                                                  (before[:10],)).rowcount,
            }

    def incremental_vacuum(self) -> bool:
        """Whether freed pages can be given back without a full VACUUM (databases created since m004)."""
        return self.db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2

    def shrink(self, full: bool = False) -> str:
        """Give freed pages back to the file system: incremental vacuum when the database was created
        with it; otherwise a full VACUUM (which also turns incremental vacuum on) only when `full`."""
        self.db.conn.commit()
        if self.incremental_vacuum():
            self.db.conn.executescript("PRAGMA incremental_vacuum;")  # execute() would free one page
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            return "incremental vacuum"
        if not full:
            return "not shrunk (an older database: `procwatch db prune` runs a one-time full VACUUM)"
        self.db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        return "full VACUUM (incremental from now on)"

    def quick_check(self) -> list[str]:
        """SQLite's quick_check: [] when the file is sound, else what it found (at most 20 lines)."""
        try:
            found = [r[0] for r in self.db.execute("PRAGMA quick_check(20)")]
        except sqlite3.DatabaseError as e:  # too damaged to check
            return [str(e)]
        return [] if found == ["ok"] else found

    def backup(self, target: str, progress=None) -> None:
        """Copy the database to `target` with SQLite's online backup (safe while the daemon writes)."""
        out = sqlite3.connect(target)
        try:
            self.db.conn.backup(out, pages=4096, progress=progress)
        finally:
            out.close()

    # -- status and operator alerts -------------------------------------------------------------

    def new_since(self, since: str) -> dict[str, int]:
        """Notices first seen at or after `since`, per source."""
        return {r["source"]: r["n"] for r in self.rows(
            "SELECT source, count(*) AS n FROM notices INDEXED BY idx_notices_first_seen_at"
            " WHERE first_seen_at >= ? GROUP BY source", (since,))}  # not the (source, …) index: a full walk

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


log = logging.getLogger("procwatch")
_STATEMENTS: dict[tuple, str] = {}  # see Database._write
_text = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(x, ensure_ascii=False), its encoder made once
SQLITE_HEADER = b"SQLite format 3\x00"


def refuse_foreign(path: str) -> None:
    """Refuse a 0-byte or non-SQLite file where the database should be: starting afresh over it
    would store every notice as new and alert it again."""
    if not os.path.isfile(path):
        if os.path.exists(path):
            raise BotError(f"{path} is not a file", "set [bot] database in feeds.toml to a file path")
        return
    with open(path, "rb") as f:
        head = f.read(len(SQLITE_HEADER))
    if not head:
        raise BotError(f"the database {path} is an empty file (0 bytes)",
                       "restore it from a backup (`procwatch db backup PATH` makes one), or delete it to"
                       " start a new database: every notice would be new again and old alerts sent again")
    if head != SQLITE_HEADER:
        raise BotError(f"{path} is not an SQLite database",
                       "point [bot] database in feeds.toml at procwatch's database, or move that file away")


def _notice_row(n: Notice, content: dict) -> dict:
    row = dict(content)
    row |= {"uid": n.uid, "source": n.source, "native_id": n.native_id,
            "agency": " › ".join(n.agency_path), "agency_path": _text(n.agency_path),
            "vendor_ids": json.dumps(n.vendor_ids), "codes": _text(n.codes),
            "competition_evidence": _text(n.competition_evidence),
            "amount": float(n.amount) if n.amount is not None else None}
    return row


def budget_key(secret: str) -> str:
    """The id a key's request counts are stored under: a hash prefix, never the key itself."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def amount_of(value) -> Decimal | None:
    """A stored REAL amount as the Decimal a reader sees (225000.0 → 225000.0, never 0.1000000000000000055)."""
    return None if value is None else Decimal(repr(float(value)))


def same_amount(stored, text: str | None):
    """The stored amount as content() text: `text` itself when it is the same number."""
    if stored is None:
        return None
    if text is not None and float(Decimal(text)) == float(stored):
        return text
    return str(amount_of(stored))


def pack(raw: str | None) -> bytes | None:
    """A raw record compressed without a dictionary (the migration's; `Database._pack` uses one)."""
    return zstandard.ZstdCompressor(level=RAW_LEVEL).compress(raw.encode("utf-8")) if raw else None


RAW_LEVEL = 3  # zstd: ~25 µs per 4 KB record; zlib needs ~80 µs for the same size (README Performance)
DICTIONARY_SAMPLES = 2000
DICTIONARY_BYTES = 32 * 1024


def notice_from_row(row: dict, raw: str) -> Notice:
    """Rebuild a Notice from its `notices` row."""
    fields = {k: row.get(k) for k in CONTENT_FIELDS}
    fields["agency_path"] = json.loads(fields["agency_path"] or "[]")
    fields["vendor_ids"] = json.loads(fields["vendor_ids"] or "[]")
    fields["amount"] = amount_of(fields["amount"])
    fields["title"], fields["description"] = fields["title"] or "", fields["description"] or ""
    fields["vendor_name"], fields["reference"] = fields["vendor_name"] or "", fields["reference"] or ""
    fields["url"] = fields["url"] or ""
    return Notice(source=row["source"], native_id=row["native_id"], raw=raw,
                  codes=json.loads(row["codes"] or "{}"),
                  competition_evidence=json.loads(row["competition_evidence"] or "[]"), **fields)
