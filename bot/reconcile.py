"""What a configuration change means for the stored state, so a bad edit loses nothing.

When a reload (or a restart) drops watchlists or channels, that is said in the log and kept for
`status` (a half-saved feeds.toml is the usual cause). A dropped watchlist is remembered with the
time it went; when it comes back, the notices stored or changed meanwhile are matched against it
and queued, so nothing that changed while it was briefly absent goes unalerted. Every step keeps
its state in the `meta` table; the outbox's uniqueness keeps a catch-up from alerting twice.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import datetime, timedelta

from . import outbox
from .config import Config
from .match import Matcher
from .pipeline import Route
from .store import Database

log = logging.getLogger("procwatch")
KNOWN = "config_known"
DROPPED = "reload_dropped"
ABSENT = "watchlist_absent:"


def reconcile(db: Database, config: Config, matcher: Matcher, routes: list[Route], now: datetime) -> list[str]:
    """Compare with the last configuration applied; report drops, catch up returning watchlists.
    Returns the log lines it wrote."""
    stamp = now.isoformat(timespec="seconds")
    known = json.loads(db.meta(KNOWN) or "{}")
    current = {"watchlists": sorted(config.watchlists), "channels": sorted(config.channels)}
    lines = []
    dropped = {k: sorted(set(known.get(k, [])) - set(current[k])) for k in current}
    if any(dropped.values()):
        what = "; ".join(f"{k}: {', '.join(v)}" for k, v in dropped.items() if v)
        lines.append(f"the configuration now in use dropped {what} (if that was not meant, the file may "
                     f"have been saved half-way; notices changed meanwhile are alerted when a watchlist returns)")
        log.warning("%s", lines[-1])
        db.set_meta(DROPPED, json.dumps({"at": stamp, **dropped}))
        for name in dropped["watchlists"]:
            if db.meta(ABSENT + name) is None:
                db.set_meta(ABSENT + name, stamp)
    returned = {name: since for name in config.watchlists if (since := db.meta(ABSENT + name))}
    if returned:
        queued = catch_up(db, matcher, routes, returned, stamp, config.bot.first_run_alert_days)
        lines.append(f"watchlists back in the configuration: {', '.join(sorted(returned))}; "
                     f"{queued} alerts queued for notices that changed while they were absent")
        log.info("%s", lines[-1])
        with db.transaction():
            for name in returned:
                db.db.execute("DELETE FROM meta WHERE key = ?", (ABSENT + name,))
    db.set_meta(KNOWN, json.dumps(current))
    return lines


def catch_up(db: Database, matcher: Matcher, routes: list[Route], returned: dict[str, str], stamp: str,
             recent_days: int) -> int:
    """Match notice versions stored since each watchlist went away against it; queue new or material
    ones (a new one only if posted within `recent_days` of then: older records surfacing are not news)."""
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
            hits = {m.watchlist: [dataclasses.asdict(h) for h in m.hits] for m in matcher.match(notice)
                    if m.watchlist in returned and row["seen_at"] >= returned[m.watchlist]}
            for watchlist, found in hits.items():
                db.save_match(row["uid"], row["version"], watchlist, found, stamp)
            changes = json.loads(row["changes"] or "{}") if row["version"] > 1 else {}
            for route in routes:
                wanted = sorted(set(hits) & route.watchlists)
                if wanted and outbox.enqueue(db, route.channel, route.recipient, row["uid"], row["version"],
                                             wanted, {w: hits[w] for w in wanted}, changes, stamp):
                    queued += 1
    return queued


def last_drop(db: Database) -> dict | None:
    """The last reload that dropped watchlists or channels, for `status`."""
    value = db.meta(DROPPED)
    return json.loads(value) if value else None
