"""Deliver what is due: claim outbox rows per recipient → digest → channel.send → mark.

An empty digest is never sent. A failed send leaves the rows pending with backoff (or the
channel's Retry-After); nothing is marked sent that the channel did not accept.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from . import digest, outbox, subscriptions
from .config import DAYS
from .notify.base import Channel, Recipient, Result
from .store import Database

log = logging.getLogger("procwatch")
MAX_BATCHES = 20  # per recipient per delivery: earlier failed batches first, then the fresh one


def is_due(schedule: str, last_sent: str | None, now: datetime, tz: str = "UTC") -> bool:
    """Whether a recipient's schedule (`instant`, `hourly`, `daily HH:MM`, `weekly DAY HH:MM`) is due."""
    if schedule == "instant":
        return True
    last = datetime.fromisoformat(last_sent) if last_sent else None
    if schedule == "hourly":
        return last is None or now - last >= timedelta(hours=1)
    return last is None or last < _latest_slot(schedule, now.astimezone(ZoneInfo(tz)))


def _latest_slot(schedule: str, local_now: datetime) -> datetime:
    """The most recent `daily HH:MM` / `weekly DAY HH:MM` moment at or before now."""
    parts = schedule.split()
    hour, minute = map(int, parts[-1].split(":"))
    slot = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if parts[0] == "weekly":
        slot -= timedelta(days=(local_now.weekday() - DAYS.index(parts[1])) % 7)
    step = timedelta(days=7 if parts[0] == "weekly" else 1)
    return slot - step if slot > local_now else slot


def deliver(db: Database, channels: list[Channel], now: datetime, tz: str = "UTC",
            force: bool = False) -> list[str]:
    """Send every due digest (every pending one when `force`); one summary line per attempt."""
    lines = []
    stamp = now.isoformat(timespec="seconds")
    outbox.recover(db, stamp)  # a crashed process's claims, or expired leases, are taken over
    for channel in channels:
        for recipient in channel.recipients():
            if force or is_due(recipient.deliver, outbox.last_sent(db, channel.name, recipient.id), now, tz):
                lines += _deliver_recipient(db, channel, recipient, stamp)
    return lines


def _deliver_recipient(db: Database, channel: Channel, recipient: Recipient, stamp: str) -> list[str]:
    """Batches until the queue is empty or a send fails (an earlier failed batch goes first)."""
    lines = []
    for _ in range(MAX_BATCHES):
        digest_id, rows = outbox.claim(db, channel.name, recipient.id, stamp)
        if not rows:
            break
        line, ok = _send(db, channel, recipient, digest_id, rows, stamp)
        if line:
            lines.append(line)
        if not ok:
            break
    return lines


def _send(db: Database, channel: Channel, recipient: Recipient, digest_id: str, rows: list[dict],
          stamp: str) -> tuple[str | None, bool]:
    """Render and send one claimed batch, then mark it; never raises for a channel failure."""
    last = outbox.last_sent(db, channel.name, recipient.id)
    built = digest.build(db, digest_id, channel.name, recipient.id, rows, db.baselines_since(last), stamp)
    if not built.items:  # never send an empty digest
        outbox.bury(db, digest_id, "notice no longer stored; nothing to send")
        return None, True
    who = f"{channel.name}" + (f" → {recipient.id}" if recipient.id else "")
    try:
        result = channel.send(built)
    except Exception as e:  # a channel bug must not lose the rows
        log.debug("channel %s raised", channel.name, exc_info=True)
        result = Result(False, f"internal error: {type(e).__name__}: {e}")
    if result.ok:
        outbox.mark_sent(db, digest_id, stamp, result.message_ref, result.threads)
        return f"{who}: delivered {digest.plural(len(built.items), 'notice')}", True
    outbox.mark_failed(db, digest_id, result.error, stamp, result.retry_after)
    return f"{who}: delivery FAILED, will retry: {result.error}", False


def next_due(schedule: str, last_sent: str | None, now: datetime, tz: str = "UTC") -> datetime:
    """When a recipient's schedule next lets a digest go (now, when it is due already)."""
    if is_due(schedule, last_sent, now, tz):
        return now
    if schedule == "hourly":
        return datetime.fromisoformat(last_sent) + timedelta(hours=1)
    local = now.astimezone(ZoneInfo(tz))
    step = timedelta(days=7 if schedule.startswith("weekly") else 1)
    return (_latest_slot(schedule, local) + step).astimezone(now.tzinfo)


def waiting(db: Database, channel: Channel, now: datetime, tz: str = "UTC") -> list[str]:
    """Per recipient, what is still queued and when it goes: `mail → ana: 2 notices waiting, …`."""
    lines = []
    for recipient in channel.recipients():
        who = channel.name + (f" → {recipient.id}" if recipient.id else "")
        rows = outbox.queued(db, channel.name, recipient.id)
        gone = subscriptions.unsubscribed(db, channel.name).get((channel.name, recipient.id))
        if gone:
            lines.append(f"{who}: unsubscribed since {gone['unsubscribed_at'][:16]} ({gone['how']}); nothing is"
                         " queued for them (procwatch subscribers --resubscribe)")
            continue
        if not rows:
            lines.append(f"{who}: nothing waiting")
            continue
        due = next_due(recipient.deliver, outbox.last_sent(db, channel.name, recipient.id), now, tz)
        parts = []
        for row in rows:
            goes = max(due, datetime.fromisoformat(row["next_attempt_at"]))
            when = "now" if goes <= now else goes.astimezone(timezone.utc).strftime("at %Y-%m-%d %H:%M UTC")
            what = {"sending": "being sent by another process", "dead": "dead (procwatch outbox retry)"}.get(
                row["state"], f"goes {when}" if not row["attempts"] else f"retry {row['attempts'] + 1} goes {when}")
            parts.append(f"{digest.plural(row['n'], 'notice')} {what}"
                         + (f" (last error: {row['last_error'][:120]})" if row["last_error"] else ""))
        lines.append(f"{who}: " + "; ".join(parts) + f" [deliver = {recipient.deliver}]")
    return lines


def preview(db: Database, channel: Channel, now: datetime) -> list[str]:
    """What each recipient of a channel would get now, rendered by the channel; nothing is sent or marked."""
    stamp = now.isoformat(timespec="seconds")
    out = []
    for recipient in channel.recipients():
        rows = outbox.peek(db, channel.name, recipient.id, stamp)
        built = digest.build(db, "dry-run", channel.name, recipient.id, rows,
                             db.baselines_since(outbox.last_sent(db, channel.name, recipient.id)), stamp)
        if built.items:
            out.append(channel.preview(built))
    return out
