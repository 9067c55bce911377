"""Catch-up: when a watchlist is added, changed or back, the notices already stored are matched again.

Without it a term added the day the news breaks never sees the J&A stored that morning. Each
watchlist's definition is remembered (as a fingerprint in `meta`); when it differs, the current
versions of notices posted (or, undated, first seen) in the last `catch_up_days` are matched
against the changed watchlists (only those the full-text index says they may match, when it can
tell: bot/match_query.py), and each newly matching version is queued once per recipient,
its hits marked `after_change` so every channel says it was found after a watchlist change.
A watchlist that a reload dropped and a later one brings back (bot/reconcile.py tells when) also
gets the material updates stored while it was gone, as updates (`while_absent`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Mapping, Sequence

from . import flags, outbox
from .config import Config, Watchlist
from .match import Matcher
from .match_query import candidates
from .store import Database

if TYPE_CHECKING:  # the pipeline (every parser) is imported only by the daemon, not by `status`
    from .pipeline import Route

PREFIX = "watchlist:"


def fingerprint(watchlist: Watchlist) -> str:
    """A short hash of everything that decides what the watchlist matches."""
    fields = dataclasses.asdict(watchlist) | {"min_amount": str(watchlist.min_amount)}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def changed(db: Database, config: Config) -> list[Watchlist]:
    """Watchlists that are new or edited since the fingerprints were last recorded."""
    return [w for w in config.watchlists.values() if db.meta(PREFIX + w.name) != fingerprint(w)]


def run(db: Database, config: Config, routes: list[Route], now: datetime) -> int:
    """Match stored notices against changed watchlists, queue the new matches; returns rows queued."""
    todo = changed(db, config)
    queued, stamp = 0, now.isoformat(timespec="seconds")
    since = (now - timedelta(days=config.bot.catch_up_days)).date().isoformat()
    with db.transaction():
        if todo:
            matcher = Matcher(todo, config.aliases)
            names = [w.name for w in todo]
            seen = {(r["uid"], r["watchlist"]) for r in db.rows(
                f"SELECT uid, watchlist FROM matches WHERE watchlist IN ({','.join('?' * len(names))})", names)}
            for notice, version in _stored(db, since, todo, config.aliases):
                for match in matcher.match(notice, flags.codes(db, notice.uid)):
                    if (notice.uid, match.watchlist) not in seen:  # alerted (or held back) already
                        queued += _queue(db, routes, notice.uid, version, match, stamp)
        _remember(db, config)
    return queued


def _stored(db: Database, since: str, watchlists: list[Watchlist], aliases: Mapping[str, Sequence[str]]):
    """(notice, current version) of stored, not withdrawn notices in the window that `watchlists`
    may match (those the full-text index finds, when it can tell; bot/match_query.py), with one
    query for the versions and withdrawals, not one per notice."""
    versions = {r["uid"]: r["version"] for r in db.rows(
        "SELECT uid, version FROM notices WHERE (posted_at >= ? OR (posted_at IS NULL AND first_seen_at >= ?))"
        " AND NOT coalesce(withdrawn, 0)", (since, since))}  # the window's indexes, not a table scan
    notices, _ = candidates(db, watchlists, since, aliases=aliases)
    for notice in notices:
        if notice.uid in versions:
            yield notice, versions[notice.uid]


def while_absent(db: Database, matcher: Matcher, routes: list[Route], returned: dict[str, str], stamp: str,
                 recent_days: int) -> int:
    """For watchlists back after a configuration dropped them (name → when they went): the versions
    stored since then that they match, new ones (posted within `recent_days` of then: older records
    surfacing are not news) and material updates (as updates), queued once; returns rows queued."""
    queued = 0
    since = min(returned.values())
    oldest = (datetime.fromisoformat(since) - timedelta(days=recent_days)).date().isoformat()
    rows = db.rows("SELECT n.uid, n.version, v.seen_at, v.changes, v.material FROM notices n"
                   " JOIN notice_versions v ON v.uid = n.uid AND v.version = n.version"
                   " WHERE v.seen_at >= ? AND coalesce(n.withdrawn, 0) = 0", (since,))
    with db.transaction():
        for row in rows:
            if row["version"] > 1 and not row["material"]:
                continue
            notice = db.notice(row["uid"])
            if row["version"] == 1 and notice.posted_at and notice.posted_at[:10] < oldest:
                continue
            changes = json.loads(row["changes"] or "{}") if row["version"] > 1 else {}
            for match in matcher.match(notice):
                if match.watchlist in returned and row["seen_at"] >= returned[match.watchlist]:
                    queued += _queue(db, routes, row["uid"], row["version"], match, stamp, changes, marked=False)
    return queued


def _queue(db: Database, routes: list[Route], uid: str, version: int, match, stamp: str,
           changes: dict | None = None, marked: bool = True) -> int:
    """Save the match and queue the version for every recipient of its watchlist (once: the outbox
    refuses a second row); `marked` hits say "found after a watchlist change"."""
    hits = [dataclasses.asdict(h) | ({"after_change": True} if marked else {}) for h in match.hits]
    db.save_match(uid, version, match.watchlist, hits, stamp)
    return sum(outbox.enqueue(db, r.channel, r.recipient, uid, version, [match.watchlist],
                              {match.watchlist: hits}, changes or {}, stamp)
               for r in routes if match.watchlist in r.watchlists)


def _remember(db: Database, config: Config) -> None:
    """Record every current fingerprint and forget watchlists that are gone."""
    for w in config.watchlists.values():
        db.set_meta(PREFIX + w.name, fingerprint(w))
    for row in db.rows("SELECT key FROM meta WHERE key LIKE ?", (PREFIX + "%",)):
        if row["key"][len(PREFIX):] not in config.watchlists:
            db.db.execute("DELETE FROM meta WHERE key = ?", (row["key"],))
