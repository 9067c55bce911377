"""Retention and integrity (bot/retention.py decides when): prune raw records and history,
shrink the file, check and back it up.

A mixin of `store.Database`.
"""

from __future__ import annotations

import sqlite3


class Upkeep:
    """Prune, vacuum, check and back up the database."""

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
                marks, args = ", ".join("?" * len(uids)), [u for _, u in uids]
                dropped = self.db.execute(
                    f"DELETE FROM raw_records WHERE id IN (SELECT id FROM notice_versions WHERE uid IN ({marks}))",
                    args).rowcount if uids else 0
                if dropped:  # a version never points at a freed id (a later raw record may take it)
                    self.db.execute(f"UPDATE notice_versions SET id = NULL WHERE uid IN ({marks}) AND id IS NOT NULL",
                                    args)
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
        self.db.commit()
        if self.incremental_vacuum():
            self.db.executescript("PRAGMA incremental_vacuum;")  # execute() would free one page
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
            self.db.backup(out, pages=4096, progress=progress)
        finally:
            out.close()
