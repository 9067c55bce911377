"""The durable delivery queue (DESIGN §8): a row per (channel, recipient, notice version).

Rows are written in the same transaction as the match, so nothing matched is lost; delivery claims
them, sends, and marks them sent, so nothing is sent twice outside the crash window.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from .store import Database

MAX_ATTEMPTS = 8


def enqueue(db: Database, channel: str, recipient: str, uid: str, version: int, watchlists: list[str],
            hits: list, changes: dict, now: str) -> bool:
    """Queue one notice version for one recipient; False when it was already queued."""
    cursor = db.db.execute(
        "INSERT INTO outbox (channel, recipient, uid, version, watchlists, hits, is_update, changes,"
        " state, attempts, next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?,?, 'pending', 0, ?, ?)"
        " ON CONFLICT(channel, recipient, uid, version) DO NOTHING",
        (channel, recipient, uid, version, json.dumps(watchlists), json.dumps(hits, ensure_ascii=False),
         int(bool(changes)), json.dumps(changes, ensure_ascii=False), now, now))
    return cursor.rowcount == 1


def recover(db: Database) -> int:
    """Rows left `sending` by a crash go back to pending (at-least-once); returns how many."""
    with db.transaction():
        return db.db.execute("UPDATE outbox SET state = 'pending' WHERE state = 'sending'").rowcount


def claim(db: Database, channel: str, recipient: str, now: str) -> tuple[str, list[dict]]:
    """Mark every due pending row of one recipient as sending under a new digest id."""
    digest_id = uuid.uuid4().hex
    with db.transaction():
        rows = db.rows("SELECT * FROM outbox WHERE channel = ? AND recipient = ? AND state = 'pending'"
                       " AND next_attempt_at <= ? ORDER BY id", (channel, recipient, now))
        if rows:
            ids = [r["id"] for r in rows]
            db.db.execute(f"UPDATE outbox SET state = 'sending', digest_id = ?, attempts = attempts + 1"
                          f" WHERE id IN ({','.join('?' * len(ids))})", [digest_id, *ids])
            db.db["digests"].insert({"id": digest_id, "channel": channel, "recipient": recipient,
                                     "created_at": now, "items": len(rows)})
    return digest_id, rows


def mark_sent(db: Database, digest_id: str, now: str, message_ref: str = "") -> None:
    with db.transaction():
        db.db.execute("UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL"
                      " WHERE digest_id = ?", (now, digest_id))
        db.db.execute("UPDATE digests SET sent_at = ?, message_ref = ? WHERE id = ?",
                      (now, message_ref, digest_id))


def mark_failed(db: Database, digest_id: str, error: str, now: str, retry_after: float | None = None) -> None:
    """Back off (or honour retry_after); rows past MAX_ATTEMPTS become dead and stay visible."""
    with db.transaction():
        for row in db.rows("SELECT id, attempts FROM outbox WHERE digest_id = ?", (digest_id,)):
            delay = retry_after if retry_after is not None else min(3600, 30 * 2 ** (row["attempts"] - 1))
            due = (datetime.fromisoformat(now) + timedelta(seconds=delay)).isoformat(timespec="seconds")
            state = "dead" if row["attempts"] >= MAX_ATTEMPTS else "pending"
            db.db.execute("UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                          (state, error[:500], due, row["id"]))


def last_sent(db: Database, channel: str, recipient: str) -> str | None:
    rows = db.rows("SELECT max(sent_at) AS at FROM digests WHERE channel = ? AND recipient = ?",
                   (channel, recipient))
    return rows[0]["at"] if rows else None


def backlog(db: Database) -> dict[str, int]:
    """Row counts per state, for status output."""
    return {r["state"]: r["n"] for r in db.rows("SELECT state, count(*) AS n FROM outbox GROUP BY state")}
