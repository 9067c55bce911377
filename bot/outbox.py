"""The durable delivery queue (DESIGN §8): a row per (channel, recipient, notice version).

Rows are written in the same transaction as the match, so nothing matched is lost; delivery claims
them, sends, and marks them sent, so nothing is sent twice outside the crash window. A batch that
was attempted and not confirmed keeps its digest id, so the resend is recognisable: Slack looks for
that id in the channel before posting again, email reuses the same Message-ID.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from datetime import datetime, timedelta

from . import redact
from .store import Database
from .notice import json_dumps

MAX_ATTEMPTS = 8
# Every query of the queue names the partial indexes' condition (migration m012) word for word, so
# SQLite reads the few unsent rows through them, never the year of sent history: a row leaves
# them when it is sent.
UNSENT = "state != 'sent'"
WAITING = f"{UNSENT} AND state IN ('pending', 'sending', 'dead')"  # to send or dead: not unsubscribed
LEASE = timedelta(minutes=10)  # a claim no one confirms or fails within this is taken over
_INCARNATION = uuid.uuid4().hex[:8]  # tells this process from an earlier one with the same pid (PID 1 in Docker)


def me() -> str:
    """This process as an outbox owner: `host:pid:incarnation`."""
    return f"{socket.gethostname()}:{os.getpid()}:{_INCARNATION}"


def _alive(owner: str | None) -> bool:
    """Whether the process that claimed rows may still be sending them (other hosts: assume so)."""
    host, _, rest = (owner or "").partition(":")
    pid, _, incarnation = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return bool(owner)
    if int(pid) == os.getpid():
        return incarnation == _INCARNATION
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def enqueue(db: Database, channel: str, recipient: str, uid: str, version: int, watchlists: list[str],
            hits: list, changes: dict, now: str) -> bool:
    """Queue one notice version for one recipient; False when it was already queued, or the recipient
    unsubscribed (bot/subscriptions.py: the database overrides feeds.toml)."""
    cursor = db.db.execute(
        "INSERT INTO outbox (channel, recipient, uid, version, watchlists, hits, is_update, changes,"
        " state, attempts, next_attempt_at, created_at) SELECT ?,?,?,?,?,?,?,?, 'pending', 0, ?, ?"
        " WHERE NOT EXISTS (SELECT 1 FROM unsubscriptions WHERE channel = ? AND recipient = ?)"
        " ON CONFLICT(channel, recipient, uid, version) DO NOTHING",
        (channel, recipient, uid, version, json.dumps(watchlists), json_dumps(hits),
         int(bool(changes)), json_dumps(changes) if changes else "{}", now, now, channel, recipient))
    return cursor.rowcount == 1


def recover(db: Database, now: str) -> int:
    """Rows left `sending` by a dead process, or whose lease ran out, go back to pending under their
    digest id (so the resend is recognisable); rows a live process is sending are left alone."""
    with db.transaction():
        stale = [r["id"] for r in db.rows(f"SELECT id, owner, lease_until FROM outbox WHERE {UNSENT} AND state = 'sending'")
                 if (r["lease_until"] or "") < now or not _alive(r["owner"])]
        for chunk in range(0, len(stale), 500):
            ids = stale[chunk:chunk + 500]
            db.db.execute(f"UPDATE outbox SET state = 'pending', owner = NULL, lease_until = NULL"
                          f" WHERE id IN ({','.join('?' * len(ids))})", ids)
        return len(stale)


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
            lease = (datetime.fromisoformat(now) + LEASE).isoformat(timespec="seconds")
            db.db.execute(f"UPDATE outbox SET state = 'sending', digest_id = ?, attempts = attempts + 1,"
                          f" owner = ?, lease_until = ? WHERE id IN ({','.join('?' * len(ids))})",
                          [digest_id, me(), lease, *ids])
            if not retry:
                db.db.execute("INSERT INTO digests (id, channel, recipient, created_at, items) VALUES (?, ?, ?, ?, ?)",
                              (digest_id, channel, recipient, now, len(rows)))
    return digest_id, rows


def peek(db: Database, channel: str, recipient: str, now: str) -> list[dict]:
    """The pending rows of one recipient that are due, oldest first (nothing is changed)."""
    return db.rows(f"SELECT * FROM outbox WHERE {UNSENT} AND state = 'pending' AND next_attempt_at <= ?"
                   " AND channel = ? AND recipient = ? ORDER BY id", (now, channel, recipient))


def mark_sent(db: Database, digest_id: str, now: str, message_ref: str = "",
              threads: dict[str, str] | None = None) -> None:
    """Confirm a digest; `threads` maps each alerted uid to the message that announced it."""
    with db.transaction():
        db.db.execute("UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL, owner = NULL,"
                      f" lease_until = NULL WHERE digest_id = ? AND {UNSENT}", (now, digest_id))
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
        for row in db.rows(f"SELECT id, attempts FROM outbox WHERE digest_id = ? AND {UNSENT} AND state = 'sending'"
                           " AND owner = ?", (digest_id, me())):
            delay = retry_after if retry_after is not None else min(3600, 30 * 2 ** (row["attempts"] - 1))
            due = (datetime.fromisoformat(now) + timedelta(seconds=delay)).isoformat(timespec="seconds")
            state = "dead" if row["attempts"] >= MAX_ATTEMPTS else "pending"
            db.db.execute("UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ?, owner = NULL,"
                          " lease_until = NULL WHERE id = ?", (state, error[:500], due, row["id"]))


def bury(db: Database, digest_id: str, reason: str) -> None:
    """Rows that can never be rendered (their notice is gone) become dead at once, with the reason."""
    with db.transaction():
        db.db.execute(f"UPDATE outbox SET state = 'dead', last_error = ? WHERE digest_id = ? AND {UNSENT}"
                      " AND state = 'sending'", (reason, digest_id))


def last_sent(db: Database, channel: str, recipient: str) -> str | None:
    rows = db.rows("SELECT max(sent_at) AS at FROM digests WHERE channel = ? AND recipient = ?",
                   (channel, recipient))
    return rows[0]["at"] if rows else None


def backlog(db: Database) -> dict[str, int]:
    """Row counts per state, for status output: the unsent through their partial index, the sent as
    the rest of the table's count (read from its narrowest index, idx_outbox_count: migration m012)."""
    counts = {r["state"]: r["n"] for r in db.rows(f"SELECT state, count(*) AS n FROM outbox WHERE {UNSENT}"
                                                  " GROUP BY state")}
    sent = db.rows("SELECT count(*) AS n FROM outbox")[0]["n"] - sum(counts.values())
    return counts | ({"sent": sent} if sent else {})


def rows(db: Database, state: str | None = None, channel: str | None = None, limit: int = 50) -> list[dict]:
    """Outbox rows for `procwatch outbox`, newest first; without `state`, every row not yet sent."""
    sent = state == "sent"  # the history, newest first by id; anything else through the unsent rows' index
    where, args = ([UNSENT], []) if not state else (["state = ?" if sent else f"{UNSENT} AND state = ?"], [state])
    if channel:
        where.append("channel = ?")
        args.append(channel)
    return db.rows("SELECT id, state, channel, recipient, uid, version, attempts, next_attempt_at, last_error,"
                   f" digest_id, created_at, sent_at FROM outbox{'' if sent else ' INDEXED BY idx_outbox_unsent'}"
                   f" WHERE {' AND '.join(where)} ORDER BY id DESC"
                   " LIMIT ?", (*args, limit))


def requeue(db: Database, ids: list[int] | None, channel: str | None) -> tuple[int, list[str]]:
    """Dead letters back to pending with a fresh set of attempts, due at once; (how many, problems).

    They keep their digest id, so a resend still looks for them in Slack first and email reuses
    the Message-ID."""
    with db.transaction():
        where, args = [f"{UNSENT} AND state = 'dead'"], []
        problems = []
        if ids:
            found = {r["id"]: r["state"] for r in db.rows(
                f"SELECT id, state FROM outbox WHERE id IN ({','.join('?' * len(ids))})", ids)}
            problems = [f"row {i}: no such outbox row" if i not in found else f"row {i} is {found[i]}, not dead"
                        for i in ids if found.get(i) != "dead"]
            where.append(f"id IN ({','.join('?' * len(ids))})")
            args += ids
        if channel:
            where.append("channel = ?")
            args.append(channel)
        n = db.db.execute(f"UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = created_at"
                          f" WHERE {' AND '.join(where)}", args).rowcount
    return n, problems


def queued(db: Database, channel: str, recipient: str) -> list[dict]:
    """What one recipient has queued, grouped: state, attempts, due time, count, last error (`+channel`:
    through the unsent rows' index, not the recipient's whole history)."""
    return db.rows("SELECT state, attempts, max(next_attempt_at) AS next_attempt_at, count(*) AS n,"
                   f" max(last_error) AS last_error FROM outbox WHERE {WAITING} AND +channel = ? AND +recipient = ?"
                   " GROUP BY state, attempts, digest_id"
                   " ORDER BY min(id)", (channel, recipient))


def channel_health(db: Database, channels=()) -> list[dict]:
    """Per channel (those with rows waiting, and `channels` even with none): pending, retrying
    (pending after a failure) with the next retry, sending, dead, and the last error while the
    channel is failing (its latest attempt failed). Only unsent rows are read, through the state
    index: the sent history (a year of it) is not scanned."""
    found = {row["channel"]: row for row in db.rows(
        "SELECT channel, sum(state = 'pending' AND attempts = 0) AS pending,"
        " sum(state = 'pending' AND attempts > 0) AS retrying, sum(state = 'sending') AS sending,"
        " sum(state = 'dead') AS dead, min(CASE WHEN state = 'pending' AND attempts > 0"
        f" THEN next_attempt_at END) AS next_retry FROM outbox WHERE {WAITING} GROUP BY channel")}
    out = []
    for name in sorted(set(found) | set(channels)):
        row = found.get(name) or {"channel": name, "pending": 0, "retrying": 0, "sending": 0, "dead": 0,
                                  "next_retry": None}
        # `+channel`: through the state index (unsent rows), not the channel's whole history
        failed = db.rows(f"SELECT last_error FROM outbox WHERE {UNSENT} AND state IN ('pending', 'dead') AND +channel = ?"
                         " AND attempts > 0 AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1", (name,)) \
            if name in found else []
        out.append(row | {"last_error": failed[0]["last_error"] if failed else None})
    return out


def channel_problems(channels: list[dict]) -> list[str]:
    """What makes `status --check` fail: a channel whose deliveries are failing or dead."""
    return [f"channel {c['channel']} is failing: {c['last_error']}" for c in channels
            if c["last_error"] and (c["retrying"] or c["dead"])]


def describe(channel: dict) -> str:
    """`team: 2 pending, 3 retrying (next 12:05), 1 dead · last error: …` for status."""
    retry = f" (next {channel['next_retry'][:16].replace('T', ' ')})" if channel["next_retry"] else ""
    counts = [f"{channel[k]} {k}" + (retry if k == "retrying" else "")
              for k in ("pending", "sending", "retrying", "dead") if channel[k]]
    line = f"  {channel['channel']}: {', '.join(counts) or 'nothing waiting'}"
    return line + (f" · last error: {channel['last_error'][:120]}" if channel["last_error"] else "")


def dead_letters(db: Database) -> list[dict]:
    """Rows that will not be retried, with their last error (for status output)."""
    return db.rows("SELECT channel, recipient, uid, version, attempts, last_error FROM outbox"
                   f" WHERE {UNSENT} AND state = 'dead' ORDER BY id")
