"""What a configuration change means for the stored state, so a bad edit loses nothing.

When a reload (or a restart) drops watchlists or channels, that is said in the log and kept for
`status` (a half-saved feeds.toml is the usual cause). A dropped watchlist is remembered with the
time it went; when it comes back, the notices stored or changed meanwhile are matched against it
and queued, so nothing that changed while it was briefly absent goes unalerted. Every step keeps
its state in the `meta` table; the outbox's uniqueness keeps a catch-up from alerting twice.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from . import catch_up
from .config import Config
from .match import Matcher
from .store import Database

if TYPE_CHECKING:  # the pipeline (every parser) is imported only by the daemon, not by `status`
    from .pipeline import Route

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
        queued = catch_up.while_absent(db, matcher, routes, returned, stamp, config.bot.first_run_alert_days)
        lines.append(f"watchlists back in the configuration: {', '.join(sorted(returned))}; "
                     f"{queued} alerts queued for notices that changed while they were absent")
        log.info("%s", lines[-1])
        with db.transaction():
            for name in returned:
                db.db.execute("DELETE FROM meta WHERE key = ?", (ABSENT + name,))
    db.set_meta(KNOWN, json.dumps(current))
    return lines


def last_drop(db: Database) -> dict | None:
    """The last reload that dropped watchlists or channels, for `status`."""
    value = db.meta(DROPPED)
    return json.loads(value) if value else None
