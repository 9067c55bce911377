"""The bot's SQLite database: one connection, migrated on open, with a transaction that takes the
write lock up front (BEGIN IMMEDIATE). The SQL itself lives in one module per thing it owns, each
a mixin of `Database` (DESIGN §6):

  store_notices   the notice write path: save, versions, withdrawals, descriptions, matches
  store_raw       raw records as received, compressed with a dictionary per source
  store_flags     red flags' threads, vendor index and flags
  store_evidence  responses kept for citation and attachments
  store_delivery  reads of the outbox and digests
  store_health    cursors, baselines, health, request budgets, incidents
  store_search    search, show, counts, the notices-since stream
  store_upkeep    retention, vacuum, integrity check, backup

One `Database` per thread (sqlite3 connections are not shared). It is a plain sqlite3 connection
in autocommit mode (a statement outside `transaction()` commits itself); sqlite-utils, which owns the
schema and its migrations (bot/migrations.py), is imported only when one is pending.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from contextlib import contextmanager

from .errors import BotError
from .filelock import exclusive
from .migrations import migrations
from .store_delivery import DeliveryQueries
from .store_evidence import EvidenceQueries
from .store_flags import FlagQueries
from .store_health import SourceState, budget_key
from .store_notices import NoticeRows, Saved, amount_of, same_amount
from .store_raw import RawRecords
from .store_search import ReaderQueries
from .store_upkeep import Upkeep

__all__ = ["Database", "Saved", "amount_of", "budget_key", "refuse_foreign", "same_amount"]


@contextmanager
def _schema_lock(path: str):
    """One process at a time switches a new database to WAL and migrates it: two commands opening a
    fresh (or just upgraded) database at once otherwise fail with 'database is locked'."""
    if path == ":memory:":
        yield
        return
    with exclusive(path + ".lock"):
        yield


class Database(NoticeRows, RawRecords, FlagQueries, EvidenceQueries, DeliveryQueries, SourceState,
               ReaderQueries, Upkeep):
    """The bot's SQLite database, migrated to the current schema on open."""

    def __init__(self, path: str):
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with _schema_lock(path):  # one opener at a time creates, checks and migrates the file
            if path != ":memory:":
                refuse_foreign(path)  # under the lock: a file another opener just created is not "empty"
            self.db = sqlite3.connect(path, timeout=30)
            self.db.isolation_level = None  # autocommit: transaction() says BEGIN IMMEDIATE itself
            self.db.execute("PRAGMA recursive_triggers = ON")  # as sqlite-utils set it: REPLACE fires delete triggers
            tables = self._tables(path)
            if not tables:  # before the first write (WAL's included) or it needs a VACUUM
                self.db.execute("PRAGMA page_size = 8192")  # rows of ~1.2 KB: 4 KB pages left 15% of notices' unused
                self.db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # so `db prune` can shrink the file
            if path != ":memory:":
                if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self.db.execute("PRAGMA journal_mode = WAL")
                # WAL + NORMAL: a commit is atomic and survives a crash of the process; only a power cut
                # can roll back the last commits (the page is read again: its cursor rolls back with it).
                # FULL's fsync per page was 20 ms of every page at 20,000 notices (bench/ingest.py).
                self.db.execute("PRAGMA synchronous = NORMAL")
                # Checkpoint the log into the file every 4,000 pages (32 MB), not SQLite's 1,000: a page
                # rewritten by many commits is copied once; ingest used ~5% less CPU (bench/ingest.py).
                self.db.execute("PRAGMA wal_autocheckpoint = 4000")
            self.db.execute("PRAGMA foreign_keys=ON")
            if tables and "_sqlite_migrations" not in tables:
                self.db.close()
                raise BotError(f"{path} is an SQLite database but not procwatch's (it has no migrations table)",
                               NOT_SQLITE)
            pending = migrations.pending(self.db)
            if pending and tables:
                log.warning("upgrading the database %s (%s): on a large database this takes minutes (an"
                            " interrupted upgrade is rolled back and runs again next time)", path, ", ".join(pending))
            if pending:
                migrations.apply(self.db)
        self._in_transaction = False
        self._execute = self.db.execute
        self._fresh: set[str] = set()  # uids first inserted in this transaction, no flag rows written yet
        self._filed: set[str] = set()  # of those, the ones filed under a vendor since (see index_vendor)
        self._unindexed: set[int] = set()  # notices inserted but not yet in the full-text index
        self._known: dict[str, tuple | None] = {}  # the page's preloaded uids (see preload)
        self._details: dict[str, tuple | None] = {}  # the page's preloaded descriptions (preload_details)
        self._dictionaries: dict[str, int | None] = {}  # source → its raw records' dictionary id
        self._codecs: dict[int | None, tuple] = {}
        self._untrained: dict[str, int] = {}  # raw records stored without a dictionary, per source
        self._until_training: dict[str, int] = {}  # records to go before a source's count is checked again
        self._stamp = ""  # the last save's time, for a dictionary's created_at

    def _tables(self, path: str) -> list[str]:
        """The file's tables; a file that is not SQLite is refused with the path and the fix."""
        try:
            return [name for name, in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        except sqlite3.DatabaseError as e:
            if "not a database" not in str(e):
                raise
            self.db.close()
            raise BotError(f"{path} is not an SQLite database", NOT_SQLITE) from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
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
            self._in_transaction = False
            self._fresh.clear()
            self._filed.clear()
            self._unindexed.clear()
            self._known.clear()
            self._details.clear()
            self._untrained.clear()
        self._commit()

    def _commit(self) -> None:
        """COMMIT (its own method: bench/ingest.py --stages times it)."""
        self.db.commit()

    def rows(self, sql: str, params=()) -> list[dict]:
        """Run a SELECT and return dict rows (empty list when none)."""
        cursor = self._execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def count(self, table: str) -> int:
        return self.db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]

    def meta(self, key: str) -> str | None:
        rows = self.rows("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?)"
                        " ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


log = logging.getLogger("procwatch")
NOT_SQLITE = "point [bot] database in feeds.toml at procwatch's database, or move that file away"


def refuse_foreign(path: str) -> None:
    """Refuse a 0-byte file or a directory where the database should be: starting afresh over it
    would store every notice as new and alert it again. Only stat(): opening and closing the file
    here would drop every SQLite lock this process holds on it (POSIX advisory locks belong to the
    process, not the descriptor), letting another process checkpoint the WAL under a live connection.
    A file that is not SQLite is refused by `Database` from SQLite's own answer."""
    if not os.path.isfile(path):
        if os.path.exists(path):
            raise BotError(f"{path} is not a file", "set [bot] database in feeds.toml to a file path")
        return
    if os.path.getsize(path) == 0:
        raise BotError(f"the database {path} is an empty file (0 bytes)",
                       "restore it from a backup (`procwatch db backup PATH` makes one), or delete it to"
                       " start a new database: every notice would be new again and old alerts sent again")
