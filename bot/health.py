"""Source-health incidents and operator alerts (DESIGN §9): told once when a problem starts, once when it ends.

An incident is one (source, kind) problem: `failing` (N polls in a row failed), `silent` (no new
notice for longer than `expect_new_within`), `budget` (the day's request allowance is spent) or
`key_expiring` (`api_key_expires` is 14 days away or past). `review` opens and closes incidents from
the stored health; `announce` tells channels marked `operator = true` through their normal `send`.
An announcement that no operator channel accepted is retried on the next review.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date, datetime, timedelta

from typing import TYPE_CHECKING

from . import redact
from .config import Config, SourceConfig
from .store import Database, budget_key

if TYPE_CHECKING:  # `procwatch status` imports this module: no channel, template or source code
    from .notify.base import Channel

log = logging.getLogger("procwatch")
KEY_WARNING_DAYS = 14
STALLED_AFTER = 3  # intervals without a completed poll before a source counts as stalled
OVERLAP_EVERY = timedelta(hours=1)  # at most one "polls overlap" log line per source this often


class StoredGate:
    """A source's Retry-After kept in the database, so no poll (nor a restart) asks before the time it named.

    It is an `http.RateGate` by shape (until, hold), not by import: `status` loads no HTTP client."""

    def __init__(self, db: Database, source: str, clock):
        self.db, self.source, self.clock = db, source, clock

    def until(self) -> float | None:
        stamp = rate_limited_until(self.db, self.source)
        return datetime.fromisoformat(stamp).timestamp() if stamp else None

    def hold(self, seconds: float) -> None:
        until = self.clock() + timedelta(seconds=seconds)
        known = self.until()
        if known is None or until.timestamp() > known:
            self.db.set_meta(f"rate_limited_until:{self.source}", until.isoformat(timespec="seconds"))


def rate_limited_until(db: Database, source: str) -> str | None:
    """The stored end of a source's Retry-After wait (ISO 8601), if any."""
    return db.meta(f"rate_limited_until:{source}")


def waiting(db: Database, source: str, now: datetime) -> str | None:
    """The end of a source's Retry-After wait when it is still running, else None."""
    until = rate_limited_until(db, source)
    return until if until and datetime.fromisoformat(until) > now else None


def skip_if_rate_limited(db: Database, source: str, now: datetime) -> str | None:
    """When the source's Retry-After wait still runs, count a skipped poll (not a failure: it opens no
    `failing` incident) and return when the wait ends; else None and the poll goes ahead."""
    until = waiting(db, source, now)
    if until:
        key = f"rate_limit_skips:{source}"
        known = json.loads(db.meta(key) or "{}")
        count = known.get("count", 0) + 1 if known.get("until") == until else 1  # counted per wait
        db.set_meta(key, json.dumps({"until": until, "count": count, "last_at": now.isoformat(timespec="seconds")}))
    return until


def overlap(db: Database, source: str, now: datetime) -> bool:
    """Count a skipped poll (the previous one still running); True when it is time to log a line."""
    key = f"overlap:{source}"
    known = json.loads(db.meta(key) or "{}")
    told = known.get("told_at")
    tell = not told or now - datetime.fromisoformat(told) >= OVERLAP_EVERY
    known = {"count": known.get("count", 0) + 1, "last_at": now.isoformat(timespec="seconds"),
             "told_at": now.isoformat(timespec="seconds") if tell else told}
    db.set_meta(key, json.dumps(known))
    return tell


def stalled(source: SourceConfig, row: dict | None, now: datetime, started: str | None = None,
            rate_limited: str | None = None) -> str | None:
    """A problem line when an enabled source has not completed a poll in 3× its interval (counted
    from `started`, the daemon's start, when that is later: a restart after downtime is not a stall);
    a Retry-After wait that long (`rate_limited`, when it ends) is one too, and the line says so."""
    last = (row or {}).get("last_attempt_at")
    if not source.enabled or not last:
        return None
    since = max(datetime.fromisoformat(last), datetime.fromisoformat(started) if started else datetime.min.replace(
        tzinfo=now.tzinfo))
    if (now - since).total_seconds() <= STALLED_AFTER * source.every:
        return None
    why = (f"rate limited until {rate_limited[:16]} by the server's Retry-After" if rate_limited
           else "is a request hanging?")
    return (f"{source.name}: no poll has completed since {last[:16]} ({_days(now - datetime.fromisoformat(last))}); "
            f"it is polled every {source.every:g}s — {why}")


def source_notes(db: Database, source: SourceConfig, now: datetime) -> dict:
    """What `status` adds to a source's line: a Retry-After wait still running (and the polls it
    skipped), skipped overlapping polls."""
    until = waiting(db, source.name, now)
    skips = json.loads(db.meta(f"rate_limit_skips:{source.name}") or "{}") if until else {}
    skips = skips if skips.get("until") == until else {}
    overlaps = json.loads(db.meta(f"overlap:{source.name}") or "{}")
    return {"rate_limited_until": until, "rate_limit_skips": skips.get("count", 0),
            "last_rate_limit_skip": skips.get("last_at"), "overlaps": overlaps.get("count", 0),
            "last_overlap": overlaps.get("last_at")}


def budget(db: Database, source: SourceConfig, now: datetime) -> tuple[int, int] | None:
    """(requests used today, daily limit) for a source with a request budget, else None."""
    limit = source.options.get("daily_request_limit")
    secret = source.secrets.get("api_key")
    if not limit or not secret:
        return None
    return db.budget_used(budget_key(secret), now.date().isoformat()), limit


def problems(db: Database, source: SourceConfig, row: dict | None, now: datetime) -> dict[str, str]:
    """The problems a source has right now: kind → one-line message."""
    found = {}
    row = row or {}
    failures = row.get("consecutive_failures") or 0
    if failures >= source.failures_before_alert:
        found["failing"] = f"{source.name}: {failures} polls in a row failed; last error: {row.get('last_error')}"
    last_new = row.get("last_new_at")
    if source.expect_new_within and last_new:
        quiet = now - datetime.fromisoformat(last_new)
        if quiet.total_seconds() > source.expect_new_within:
            found["silent"] = (f"{source.name}: no new notice since {last_new[:16]} ({_days(quiet)}); "
                               f"expected one within {_days(timedelta(seconds=source.expect_new_within))}")
    spent = budget(db, source, now)
    if spent and spent[0] >= spent[1]:
        found["budget"] = f"{source.name}: the daily request budget of {spent[1]} is spent; polling resumes tomorrow (UTC)"
    if source.api_key_expires and now.date() >= source.api_key_expires - timedelta(days=KEY_WARNING_DAYS):
        found["key_expiring"] = f"{source.name}: API key {_expiry(source.api_key_expires, now.date())}; renew it"
    if line := stalled(source, row, now, db.meta("started_at"), waiting(db, source.name, now)):
        found["stalled"] = line
    return found


def review(db: Database, config: Config, now: datetime) -> None:
    """Open an incident for each new problem and close each that has cleared (enabled sources only)."""
    stamp = now.isoformat(timespec="seconds")
    rows = {h["source"]: h for h in db.health()}
    with db.transaction():
        for source in config.sources.values():
            current = problems(db, source, rows.get(source.name), now) if source.enabled else {}
            open_ = {i["kind"]: i for i in db.incidents(source.name)}
            for kind, message in current.items():
                if kind not in open_:
                    db.open_incident(source.name, kind, message, stamp)
            for kind, incident in open_.items():
                if kind not in current:
                    db.close_incident(incident["id"], stamp)
        for incident in db.incidents():  # sources removed from the configuration
            if incident["source"] not in config.sources:
                db.close_incident(incident["id"], stamp)


def announce(db: Database, channels: list[Channel], now: datetime) -> list[str]:
    """Send every untold opening and recovery to the operator channels; return the lines sent."""
    stamp = now.isoformat(timespec="seconds")
    pending = []
    for incident in db.unannounced_incidents():
        if incident["opened_alerted_at"] is None and incident["closed_at"]:
            pending.append((incident, None))  # opened and cleared before anyone was told: no news
        elif incident["opened_alerted_at"] is None:
            pending.append((incident, f"PROBLEM {incident['message']}"))
        else:
            pending.append((incident, f"RECOVERED {incident['source']}: {incident['kind']} cleared "
                                      f"(since {incident['opened_at'][:16]})"))
    lines = [line for _, line in pending if line]
    if lines and not notify(channels, lines):
        return []
    for incident, _ in pending:
        column = "closed_alerted_at" if incident["opened_alerted_at"] else "opened_alerted_at"
        db.mark_announced(incident["id"], column, stamp)
        if incident["opened_alerted_at"] is None and incident["closed_at"]:
            db.mark_announced(incident["id"], "closed_alerted_at", stamp)
    return lines


def notify(channels: list[Channel], lines: list[str]) -> bool:
    """Send lines to every operator channel; True when one accepted them (or none is configured)."""
    from .digest import Digest
    lines = [redact.mask(line) for line in lines]
    for line in lines:
        log.warning("operator alert: %s", line)
    operators = [c for c in channels if c.config.operator]
    accepted = not operators
    for channel in operators:
        for recipient in channel.recipients():
            digest = Digest(f"health-{uuid.uuid4().hex}", channel.name, recipient.id, [], notes=lines)
            try:
                result = channel.send(digest)
            except Exception as e:  # a channel bug must not stop the daemon
                log.debug("operator channel %s raised", channel.name, exc_info=True)
                log.warning("operator channel %s: internal error: %s: %s", channel.name, type(e).__name__, e)
                continue
            if result.ok:
                accepted = True
            else:
                log.warning("operator channel %s: alert not delivered: %s", channel.name, result.error)
    return accepted


def _days(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} hours"


def _expiry(expires: date, today: date) -> str:
    left = (expires - today).days
    return f"expired on {expires}" if left < 0 else f"expires on {expires} (in {left} days)"
