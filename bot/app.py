"""Build the running pieces from a Config: sources, channels, matcher and routes; poll and deliver once."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from . import catch_up, flags, health, outbox
from . import clock as wall_clock
from .config import Config
from .delivery import deliver
from .http import Http
from .match import Matcher
from .notify import REGISTRY as CHANNELS
from .notify.base import Channel
from .pipeline import DailyBudget, Route, RunResult, run_source
from .sources import REGISTRY as SOURCES
from .store import Database

log = logging.getLogger("procwatch")


@dataclass
class App:
    """Everything one configuration needs at run time; `clock` and `http` are injectable for tests."""

    config: Config
    http: Http
    clock: Callable[[], datetime] = field(default=lambda: wall_clock.utc_now())  # looked up per call: tests set it
    stopping: threading.Event = field(default_factory=threading.Event)  # set on SIGTERM: stop after the page in hand

    def __post_init__(self):
        self.matcher = Matcher(self.config.watchlists.values(), self.config.aliases)
        self.channels: list[Channel] = [CHANNELS[c.kind](c) for c in self.config.channels.values()]
        self.routes = [Route(ch.name, r.id, frozenset(r.watchlists))
                       for ch in self.channels for r in ch.recipients()]

    def database(self) -> Database:
        """A fresh connection (one per thread / job run)."""
        return Database(self.config.bot.database)

    def source(self, name: str, db: Database, poll_seconds: float | None = None):
        """The source ready to fetch; `poll_seconds` bounds all its requests together (one poll)."""
        cfg = self.config.sources[name]
        impl = SOURCES[cfg.kind]
        budget = None
        if "daily_request_limit" in cfg.options and cfg.secrets.get("api_key"):
            budget = DailyBudget(db, cfg.secrets["api_key"], cfg.options["daily_request_limit"], self.clock)
        http = self.http.for_source(name, cfg.timeout, cfg.options.get("allow_private", True), cfg.redirect_hosts,
                                    health.StoredGate(db, name, self.clock), lambda: self.clock().timestamp(),
                                    poll_seconds)
        source = impl(cfg, http, budget)
        source.fetch = _until_stopped(source.fetch, self.stopping)
        return source

    def poll(self, name: str) -> RunResult:
        """Poll one source once (not while its Retry-After wait runs) and log one line about it."""
        db = self.database()
        try:
            if until := health.skip_if_rate_limited(db, name, self.clock()):
                self.check_health(db)
                log.info("%s: poll skipped: rate limited until %s UTC (the server's Retry-After); "
                         "not counted as a failure", name, until[:19].replace("T", " "))
                return RunResult(name)
            result = run_source(db, self.source(name, db, poll_deadline(self.config.sources[name], self.http)),
                                self.matcher, self.routes,
                                self.config.bot.first_run_alert_days, self.clock())
            if queued := flags.sweep(db, self.matcher, self.routes, self.clock()):
                log.info("daily red-flag re-check: %d newly flagged notices queued for delivery", queued)
            self.check_health(db)
        finally:
            db.close()
        (log.warning if result.error else log.info)(result.summary())
        return result

    def check_health(self, db: Database) -> None:
        """Open/close source-health incidents and tell the operator channels what changed."""
        now = self.clock()
        health.review(db, self.config, now)
        health.announce(db, self.channels, now)

    def enabled_sources(self) -> list[str]:
        return [n for n, s in self.config.sources.items() if s.enabled]

    def deliver(self) -> list[str]:
        """Send every due digest and log one line per digest."""
        db = self.database()
        try:
            lines = deliver(db, self.channels, self.clock(), self.config.bot.timezone)
        finally:
            db.close()
        for line in lines:
            (log.warning if "FAILED" in line else log.info)(line)
        return lines

    def once(self) -> int:
        """Poll every enabled source once, then deliver: 0 when all went cleanly, 2 when a source or a
        delivery failed (the rest still ran; failed deliveries stay queued)."""
        self.recover()
        self.catch_up()
        results = [self.poll(name) for name in self.enabled_sources()]
        if not results:
            log.warning("no source is enabled; nothing to poll (see `procwatch check`)")
        failed = [line for line in self.deliver() if "FAILED" in line]
        return 2 if failed or any(r.error for r in results) else 0

    def catch_up(self) -> int:
        """Queue stored notices that a new or edited watchlist now matches (once); returns how many."""
        db = self.database()
        try:
            queued = catch_up.run(db, self.config, self.routes, self.clock())
        finally:
            db.close()
        if queued:
            log.info("watchlists changed: %d stored notices now match and are queued for delivery", queued)
        return queued

    def maintain(self) -> None:
        """The daily database care: SQLite quick_check (an error line when damaged), then retention."""
        from .retention import describe, prune
        db = self.database()
        try:
            if problems := db.quick_check():
                log.error("the database %s is damaged: %s (see `procwatch db check`; restore the last backup)",
                          self.config.bot.database, problems[0])
                return
            log.info("database: %s", describe(prune(db, self.config.bot, self.clock())))
        finally:
            db.close()

    def recover(self) -> None:
        """Put rows left mid-send by a crash back in the queue."""
        db = self.database()
        try:
            if n := outbox.recover(db, self.clock().isoformat(timespec="seconds")):
                log.warning("recovered %d outbox rows left mid-delivery by an earlier run", n)
        finally:
            db.close()


def poll_deadline(cfg, http: Http) -> float:
    """How long one poll may take: its interval, but at least ten requests' worth."""
    return max(cfg.every, 10 * (cfg.timeout or http.timeout))


def _until_stopped(fetch, stopping: threading.Event):
    """`fetch` that ends after the page in hand once `stopping` is set (its cursor is committed first)."""
    def fetch_until_stopped(cursor, now):
        for page in fetch(cursor, now):
            yield page
            if stopping.is_set():
                return
    return fetch_until_stopped
