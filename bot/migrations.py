"""Schema migrations (sqlite-utils' built-in `Migrations`): each runs once, in order, in a transaction.

The functions are registered in a plain list, and sqlite-utils is imported only to apply one: every
command opens the database, and checking that nothing is pending is one SELECT, not the ~50 ms of
importing sqlite-utils (click, dateutil, pluggy)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database


class Steps:
    """The migrations in order, registered as sqlite-utils' `Migrations` registers them
    (`@migrations()`), and applied by it."""

    table = "_sqlite_migrations"  # sqlite-utils' record of the applied ones

    def __init__(self, name: str):
        self.name = name
        self.registered: list[tuple] = []  # (function, sqlite-utils' decorator options)

    def __call__(self, *, name: str | None = None, transactional: bool = True):
        """The decorator: the function is the next migration."""
        def register(fn):
            self.registered.append((fn, {"name": name, "transactional": transactional}))
            return fn
        return register

    def names(self) -> list[str]:
        return [options["name"] or fn.__name__ for fn, options in self.registered]

    def pending(self, conn: sqlite3.Connection) -> list[str]:
        """The names not applied yet to the database on `conn`, in order (one read, no writes)."""
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (self.table,)).fetchone():
            return self.names()
        done = {name for name, in conn.execute(f"SELECT name FROM {self.table} WHERE migration_set = ?", (self.name,))}
        return [name for name in self.names() if name not in done]

    def apply(self, db: Database | sqlite3.Connection, *, stop_before: str | None = None) -> None:
        """Apply the pending ones with sqlite-utils' `Migrations`, which owns creating the schema."""
        import sqlite_utils
        if isinstance(db, sqlite3.Connection):
            db = sqlite_utils.Database(db)
        runner = sqlite_utils.Migrations(self.name)
        for fn, options in self.registered:
            runner(**options)(fn)
        runner.apply(db, stop_before=stop_before)


migrations = Steps("procwatch")


@migrations()
def m001_initial(db: Database) -> None:
    """The tables of DESIGN §6."""
    db["notices"].create({
        "uid": str, "source": str, "native_id": str, "kind": str, "title": str, "description": str,
        "agency": str, "agency_path": str, "vendor_name": str, "vendor_ids": str, "amount": str,
        "currency": str, "posted_at": str, "awarded_at": str, "period_start": str, "period_end": str,
        "reference": str, "codes": str, "competition": str, "competition_evidence": str, "url": str,
        "content_hash": str, "version": int, "first_seen_at": str, "last_seen_at": str,
        "withdrawn": int,
    }, pk="uid")
    db["notices"].create_index(["source", "posted_at"])
    db["notices"].create_index(["reference"])
    db["notices"].enable_fts(["title", "description", "vendor_name", "agency"], fts_version="FTS5",
                             create_triggers=True)
    db["notice_versions"].create({
        "uid": str, "version": int, "content_hash": str, "seen_at": str, "changes": str,
        "material": int, "content": str, "raw": str,
    }, pk=("uid", "version"))
    db["details"].create({"uid": str, "summary_hash": str, "description": str, "fetched_at": str},
                         pk="uid")
    db["matches"].create({"uid": str, "version": int, "watchlist": str, "hits": str, "matched_at": str},
                         pk=("uid", "version", "watchlist"))
    db["outbox"].create({
        "id": int, "channel": str, "recipient": str, "uid": str, "version": int, "watchlists": str,
        "hits": str, "is_update": int, "changes": str, "state": str, "digest_id": str,
        "attempts": int, "next_attempt_at": str, "last_error": str, "created_at": str, "sent_at": str,
    }, pk="id", not_null={"channel", "recipient", "uid", "version", "state"})
    db["outbox"].create_index(["channel", "recipient", "uid", "version"], unique=True)
    db["outbox"].create_index(["state", "next_attempt_at"])
    db["digests"].create({
        "id": str, "channel": str, "recipient": str, "created_at": str, "sent_at": str,
        "items": int, "message_ref": str,
    }, pk="id")
    db["cursors"].create({"source": str, "cursor": str, "updated_at": str}, pk="source")
    db["source_health"].create({
        "source": str, "last_attempt_at": str, "last_ok_at": str, "last_new_at": str,
        "consecutive_failures": int, "last_error": str, "fetched": int, "new": int,
    }, pk="source")
    db["baselines"].create({"source": str, "held_back": int, "created_at": str}, pk="source")
    db["request_budget"].create({"key_id": str, "day": str, "used": int}, pk=("key_id", "day"))


@migrations()
def m002_alert_threads(db: Database) -> None:
    """Where each notice was first alerted (e.g. a Slack message ts), so updates go in its thread."""
    db["alert_threads"].create({
        "channel": str, "recipient": str, "uid": str, "reference": str, "message_ref": str,
        "created_at": str,
    }, pk=("channel", "recipient", "uid"))
    db["alert_threads"].create_index(["channel", "recipient", "reference"])


@migrations()
def m003_health_incidents(db: Database) -> None:
    """Operator-alert incidents (one row per problem, opened and closed once) and daemon facts (heartbeat)."""
    db["health_incidents"].create({
        "id": int, "source": str, "kind": str, "message": str, "opened_at": str, "closed_at": str,
        "opened_alerted_at": str, "closed_alerted_at": str,
    }, pk="id", not_null={"source", "kind", "opened_at"})
    db["health_incidents"].create_index(["source", "closed_at"])
    db["meta"].create({"key": str, "value": str}, pk="key")


INDEXED = ("title", "description", "vendor_name", "agency")  # the full-text columns


@migrations()
def m004_compact_storage(db: Database) -> None:
    """Issue 12: amount as REAL; versions keep what changed and the raw record compressed, not a
    second full copy; the full-text index written by the store once per page (no insert trigger)
    and re-indexed only when an indexed column changes; indexes for the operators' queries."""
    from .store_raw import pack  # the one place that knows how raw records are stored
    for trigger in ("notices_ai", "notices_au"):
        db.execute(f"DROP TRIGGER IF EXISTS [{trigger}]")
    db.conn.create_function("procwatch_real", 1, _real, deterministic=True)
    db.execute("ALTER TABLE notices RENAME COLUMN amount TO amount_text")
    db.execute("ALTER TABLE notices ADD COLUMN amount REAL")
    db.execute("UPDATE notices SET amount = procwatch_real(amount_text)")
    db.execute("ALTER TABLE notices DROP COLUMN amount_text")
    db.conn.create_function("procwatch_pack", 1, pack, deterministic=True)
    db.execute("CREATE TABLE notice_versions_new (id INTEGER PRIMARY KEY, uid TEXT NOT NULL, version INTEGER NOT NULL,"
               " content_hash TEXT, seen_at TEXT, changes TEXT, material INTEGER, UNIQUE (uid, version))")
    db.execute("INSERT INTO notice_versions_new (uid, version, content_hash, seen_at, changes, material)"
               " SELECT uid, version, content_hash, seen_at, changes, material FROM notice_versions ORDER BY uid, version")
    # Raw records in their own table (so retention's DELETE frees pages), keyed by notice_versions.id;
    # a version whose raw record is the previous version's (a withdrawal) has none: "as before".
    # `dictionary`: the raw_dictionaries row it was compressed with (NULL: none), see store_raw.py
    db.execute("CREATE TABLE raw_records (id INTEGER PRIMARY KEY, raw BLOB NOT NULL, dictionary INTEGER)")
    db.execute("CREATE TABLE raw_dictionaries (id INTEGER PRIMARY KEY, source TEXT NOT NULL, dictionary BLOB NOT NULL,"
               " created_at TEXT)")
    db.execute("INSERT INTO raw_records (id, raw) SELECT n.id, procwatch_pack(o.raw) FROM (SELECT uid, version, raw,"
               " lag(raw) OVER (PARTITION BY uid ORDER BY version) AS previous FROM notice_versions) o"
               " JOIN notice_versions_new n USING (uid, version)"
               " WHERE coalesce(o.raw, '') != '' AND o.raw IS NOT o.previous ORDER BY n.id")
    db.execute("DROP TABLE notice_versions")
    db.execute("ALTER TABLE notice_versions_new RENAME TO notice_versions")
    db.execute(UPDATE_TRIGGER)
    db["notices"].create_index(["first_seen_at"])
    db["notices"].create_index(["native_id"])
    db["notices"].create_index(["posted_at"])
    db["outbox"].create_index(["digest_id"])
    db["outbox"].create_index(["uid"])
    db["digests"].create_index(["channel", "recipient", "sent_at"])
    db.execute("DROP INDEX IF EXISTS idx_notices_reference")  # a thread's rows of one kind: see Database.related
    db["notices"].create_index(["reference", "kind", "first_seen_at"])


UPDATE_TRIGGER = (
    "CREATE TRIGGER notices_au AFTER UPDATE OF {cols} ON notices WHEN {changed} BEGIN"
    " INSERT INTO notices_fts (notices_fts, rowid, {cols}) VALUES ('delete', old.rowid, {old});"
    " INSERT INTO notices_fts (rowid, {cols}) VALUES (new.rowid, {new}); END").format(
    cols=", ".join(INDEXED), changed=" OR ".join(f"old.{c} IS NOT new.{c}" for c in INDEXED),
    old=", ".join(f"old.{c}" for c in INDEXED), new=", ".join(f"new.{c}" for c in INDEXED))


def _real(text):
    """A stored amount text (`225000.00`, `487500`, `1E+5`) as a float; None when not a finite number."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


@migrations()
def m005_delivery(db: Database) -> None:
    """Outbox claims with an owner and a lease (a concurrent process never takes rows another is
    sending), and unsubscriptions that override feeds.toml's subscriber lists."""
    db["outbox"].add_column("owner", str)
    db["outbox"].add_column("lease_until", str)
    db["unsubscriptions"].create({"channel": str, "recipient": str, "unsubscribed_at": str, "how": str},
                                 pk=("channel", "recipient"))


@migrations()
def m006_flags(db: Database) -> None:
    """Red flags (bot/flags.py): one row per (notice, flag), cleared rather than deleted."""
    db["flags"].create({
        "uid": str, "flag": str, "detail": str, "due": str, "raised_at": str, "cleared_at": str,
        "announced_at": str,  # when a closed intent window was followed up
    }, pk=("uid", "flag"), not_null={"uid", "flag", "detail", "raised_at"})
    db["flags"].create_index(["flag", "cleared_at"])
    db["flag_vendors"].create({"uid": str, "vendor": str, "agency": str, "day": str, "reference": str},
                              pk=("uid", "vendor"))
    db["flag_vendors"].create_index(["vendor", "agency", "day"])


@migrations()
def m007_evidence(db: Database) -> None:
    """Source responses kept as received for citation (bot/evidence.py), linked to notice versions."""
    db["evidence_responses"].create({
        "sha256": str, "url": str, "retrieved_at": str, "status": int, "headers": str, "body": bytes,
    }, pk="sha256")
    db["evidence_links"].create({"uid": str, "version": int, "sha256": str}, pk=("uid", "version", "sha256"))


@migrations()
def m008_documents(db: Database) -> None:
    """Attachments (bot/documents.py): each file once per content hash, and which notice lists which."""
    db["documents"].create({
        "sha256": str, "name": str, "content_type": str, "size": int, "pages": int, "status": str,
        "text": str, "body": bytes, "url": str, "fetched_at": str,
    }, pk="sha256")
    db["notice_documents"].create({"uid": str, "links_key": str, "position": int, "sha256": str,
                                   "linked_at": str}, pk=("uid", "links_key", "position"))


@migrations()
def m009_follow_up_index(db: Database) -> None:
    """A digest item's follow-up (the J&A or intent notice another source published under the same
    reference) is one small index read: only J&A and intent rows, by reference and source, so a
    reference shared by thousands of one source's notices is not read row by row (digest._follow_up)."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_notices_follow_up ON notices (reference, source, first_seen_at)"
               " WHERE kind IN ('justification', 'intent')")


@migrations()
def m010_flag_vendor_threads(db: Database) -> None:
    """A covering index for the repeat-vendor count (bot/store_flags.py `vendor_threads`): the
    vendor's records at an agency in a date range, with their uid and thread, read from the index
    alone (the (vendor, agency, day) index of m006 stays), and the uids of withdrawn notices (a
    partial index, as small as they are few), which the count leaves out without reading each
    record's notice row."""
    db["flag_vendors"].create_index(["vendor", "agency", "day", "reference", "uid"],
                                    index_name="idx_flag_vendors_threads")
    db.execute("CREATE INDEX idx_notices_withdrawn ON notices (uid) WHERE withdrawn")


@migrations()
def m011_fewer_trees(db: Database) -> None:
    """Fewer B-trees per notice (issue 12: bytes per notice, and cheaper ingest commits). Versions in
    one tree keyed by (uid, version) (WITHOUT ROWID: no unique index beside the table), their `id`
    the raw_records row they own (NULL: none, as the previous version's, or pruned; a raw record's
    id is no longer the version's rowid). Matches, flags, vendor filings and evidence links the same
    way (no rowid was ever read; each had a table and a unique index of nearly the same bytes). No
    (vendor, agency, day) index: m010's covering index starts with it. No native_id index: a native
    id is found through the uid primary key as `source:native_id` (store_search.uids_like)."""
    db.execute("CREATE TABLE notice_versions_new (id INTEGER, uid TEXT NOT NULL, version INTEGER NOT NULL,"
               " content_hash TEXT, seen_at TEXT, changes TEXT, material INTEGER, PRIMARY KEY (uid, version))"
               " WITHOUT ROWID")
    db.execute("INSERT INTO notice_versions_new (id, uid, version, content_hash, seen_at, changes, material)"
               " SELECT CASE WHEN EXISTS (SELECT 1 FROM raw_records r WHERE r.id = v.id) THEN v.id END, uid, version,"
               " content_hash, seen_at, changes, material FROM notice_versions v ORDER BY uid, version")
    db.execute("DROP TABLE notice_versions")
    db.execute("ALTER TABLE notice_versions_new RENAME TO notice_versions")
    db.execute("DROP INDEX IF EXISTS idx_notices_native_id")
    db.execute("DROP INDEX IF EXISTS idx_flag_vendors_vendor_agency_day")
    for table in ("matches", "flags", "flag_vendors", "evidence_links"):
        _without_rowid(db, table)


def _without_rowid(db: Database, table: str) -> None:
    """Rebuild a table keyed by its PRIMARY KEY alone (WITHOUT ROWID), same columns, rows and indexes."""
    create, = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    indexes = [sql for sql, in db.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                                          " AND sql IS NOT NULL", (table,))]
    db.execute(create.replace(f'CREATE TABLE "{table}"', f'CREATE TABLE "{table}_new"', 1) + " WITHOUT ROWID")
    key = ", ".join(f'"{c[1]}"' for c in sorted(db.execute(f'PRAGMA table_info("{table}")'), key=lambda c: c[5])
                    if c[5])
    db.execute(f'INSERT INTO "{table}_new" SELECT * FROM "{table}" ORDER BY {key}')  # in key order: full pages
    db.execute(f'DROP TABLE "{table}"')
    db.execute(f'ALTER TABLE "{table}_new" RENAME TO "{table}"')
    for sql in indexes:
        db.execute(sql)


@migrations()
def m012_outbox_queue_indexes(db: Database) -> None:
    """The delivery queue's indexes hold only unsent rows (partial, `state != 'sent'`), so a delivery
    reads and updates two small b-trees instead of indexes over every row ever sent: at 1.5M notices
    the (state, next_attempt_at) and digest_id indexes were three levels deep, and a cold delivery
    read about a dozen of their pages (claiming, marking sent, taking over stale claims). A sent
    row leaves them; bot/outbox.py's queries name the condition. `status` counts the sent rows as
    the table's count less the unsent, which SQLite reads from its narrowest full index: one on
    `is_update` (never changed after the insert, so a delivery never touches it) is 6 bytes a row,
    smaller than the (state, next_attempt_at) index status scanned before."""
    db.execute("CREATE INDEX idx_outbox_unsent ON outbox (state, next_attempt_at) WHERE state != 'sent'")
    db.execute("CREATE INDEX idx_outbox_unsent_digest ON outbox (digest_id) WHERE state != 'sent'")
    db.execute("CREATE INDEX idx_outbox_count ON outbox (is_update)")
    db.execute("DROP INDEX IF EXISTS idx_outbox_state_next_attempt_at")
    db.execute("DROP INDEX IF EXISTS idx_outbox_digest_id")
