"""The durable delivery queue (DESIGN §8): a row per (channel, recipient, notice version).

Rows are written in the same transaction as the match, so nothing matched is lost; delivery claims
them, sends, and marks them sent, so nothing is sent twice outside the crash window. A batch that
was attempted and not confirmed keeps its digest id, so the resend is recognisable: Slack looks for
that id in the channel before posting again, email reuses the same Message-ID.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from . import redact
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
    """Rows left `sending` by a crash go back to pending under their digest id; returns how many."""
    with db.transaction():
        return db.db.execute("UPDATE outbox SET state = 'pending' WHERE state = 'sending'").rowcount


def claim(db: Database, channel: str, recipient: str, now: str) -> tuple[str, list[dict]]:
    """Mark the next due batch of one recipient as sending and return (digest id, rows).

    An earlier unconfirmed attempt goes first, alone and under its own digest id; otherwise every
    due fresh row goes under a new id.
    """
    with db.transaction():
        rows = peek(db, channel, recipient, now)
        retry = next((r["digest_id"] for r in rows if r["digest_id"]), None)
        rows = [r for r in rows if r["digest_id"] == retry]
        digest_id = retry or uuid.uuid4().hex
        if rows:
            ids = [r["id"] for r in rows]
            db.db.execute(f"UPDATE outbox SET state = 'sending', digest_id = ?, attempts = attempts + 1"
                          f" WHERE id IN ({','.join('?' * len(ids))})", [digest_id, *ids])
            if not retry:
                db.db["digests"].insert({"id": digest_id, "channel": channel, "recipient": recipient,
                                         "created_at": now, "items": len(rows)})
    return digest_id, rows


def peek(db: Database, channel: str, recipient: str, now: str) -> list[dict]:
    """The pending rows of one recipient that are due, oldest first (nothing is changed)."""
    return db.rows("SELECT * FROM outbox WHERE channel = ? AND recipient = ? AND state = 'pending'"
                   " AND next_attempt_at <= ? ORDER BY id", (channel, recipient, now))


def mark_sent(db: Database, digest_id: str, now: str, message_ref: str = "",
              threads: dict[str, str] | None = None) -> None:
    """Confirm a digest; `threads` maps each alerted uid to the message that announced it."""
    with db.transaction():
        db.db.execute("UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL"
                      " WHERE digest_id = ?", (now, digest_id))
        db.db.execute("UPDATE digests SET sent_at = ?, message_ref = ? WHERE id = ?",
                      (now, message_ref, digest_id))
        digest = db.rows("SELECT channel, recipient FROM digests WHERE id = ?", (digest_id,))
        for uid, ref in (threads or {}).items():
            if digest and ref:
                _remember_thread(db, digest[0]["channel"], digest[0]["recipient"], uid, ref, now)


def _remember_thread(db: Database, channel: str, recipient: str, uid: str, ref: str, now: str) -> None:
    """The first message that alerted a notice stays its thread; later ones are replies in it."""
    reference = db.rows("SELECT reference FROM notices WHERE uid = ?", (uid,))
    db.db.execute("INSERT INTO alert_threads (channel, recipient, uid, reference, message_ref, created_at)"
                  " VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                  (channel, recipient, uid, reference[0]["reference"] if reference else "", ref, now))


def thread_for(db: Database, channel: str, recipient: str, uid: str, reference: str) -> str:
    """The message that first alerted this notice, or another of its procurement thread; else ''."""
    rows = db.rows("SELECT message_ref FROM alert_threads WHERE channel = ? AND recipient = ?"
                   " AND (uid = ? OR (reference = ? AND reference != '')) ORDER BY uid != ?, created_at"
                   " LIMIT 1", (channel, recipient, uid, reference or "", uid))
    return rows[0]["message_ref"] if rows else ""


def mark_failed(db: Database, digest_id: str, error: str, now: str, retry_after: float | None = None) -> None:
    """Back off (or honour retry_after); rows past MAX_ATTEMPTS become dead and stay visible."""
    error = redact.mask(error)  # a channel's error may echo its token or password
    with db.transaction():
        for row in db.rows("SELECT id, attempts FROM outbox WHERE digest_id = ? AND state = 'sending'",
                           (digest_id,)):
            delay = retry_after if retry_after is not None else min(3600, 30 * 2 ** (row["attempts"] - 1))
            due = (datetime.fromisoformat(now) + timedelta(seconds=delay)).isoformat(timespec="seconds")
            state = "dead" if row["attempts"] >= MAX_ATTEMPTS else "pending"
            db.db.execute("UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                          (state, error[:500], due, row["id"]))


def bury(db: Database, digest_id: str, reason: str) -> None:
    """Rows that can never be rendered (their notice is gone) become dead at once, with the reason."""
    with db.transaction():
        db.db.execute("UPDATE outbox SET state = 'dead', last_error = ? WHERE digest_id = ?"
                      " AND state = 'sending'", (reason, digest_id))


def last_sent(db: Database, channel: str, recipient: str) -> str | None:
    rows = db.rows("SELECT max(sent_at) AS at FROM digests WHERE channel = ? AND recipient = ?",
                   (channel, recipient))
    return rows[0]["at"] if rows else None


def backlog(db: Database) -> dict[str, int]:
    """Row counts per state, for status output."""
    return {r["state"]: r["n"] for r in db.rows("SELECT state, count(*) AS n FROM outbox GROUP BY state")}


def dead_letters(db: Database) -> list[dict]:
    """Rows that will not be retried, with their last error (for status output)."""
    return db.rows("SELECT channel, recipient, uid, version, attempts, last_error FROM outbox"
                   " WHERE state = 'dead' ORDER BY id")
