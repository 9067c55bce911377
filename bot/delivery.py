"""Deliver what is due: claim outbox rows per recipient → digest → channel.send → mark.

An empty digest is never sent. A failed send leaves the rows pending with backoff (or the
channel's Retry-After); nothing is marked sent that the channel did not accept.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from . import digest, outbox
from .config import DAYS
from .notify.base import Channel, Recipient
from .store import Database

log = logging.getLogger("procwatch")


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


def deliver(db: Database, channels: list[Channel], now: datetime, tz: str = "UTC") -> list[str]:
    """Send every due digest; return one summary line per digest attempted."""
    lines = []
    stamp = now.isoformat(timespec="seconds")
    for channel in channels:
        for recipient in channel.recipients():
            line = _deliver_one(db, channel, recipient, now, stamp, tz)
            if line:
                lines.append(line)
    return lines


def _deliver_one(db: Database, channel: Channel, recipient: Recipient, now, stamp, tz) -> str | None:
    last = outbox.last_sent(db, channel.name, recipient.id)
    if not is_due(recipient.deliver, last, now, tz):
        return None
    digest_id, rows = outbox.claim(db, channel.name, recipient.id, stamp)
    if not rows:
        return None
    built = digest.build(db, digest_id, channel.name, recipient.id, rows, db.baselines_since(last))
    who = f"{channel.name}" + (f" → {recipient.id}" if recipient.id else "")
    try:
        result = channel.send(built)
    except Exception as e:  # a channel bug must not lose the rows
        log.debug("channel %s raised", channel.name, exc_info=True)
        result = None
        error = f"internal error: {type(e).__name__}: {e}"
    if result is not None and result.ok:
        outbox.mark_sent(db, digest_id, stamp, result.message_ref)
        return f"{who}: delivered {len(built.items)} notices"
    error = result.error if result is not None else error
    outbox.mark_failed(db, digest_id, error, stamp, result.retry_after if result else None)
    return f"{who}: delivery FAILED, will retry: {error}"
