"""Build the running pieces from a Config: sources, channels, matcher and routes; poll and deliver once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from . import outbox
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


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class App:
    """Everything one configuration needs at run time; `clock` and `http` are injectable for tests."""

    config: Config
    http: Http
    clock: Callable[[], datetime] = utc_now

    def __post_init__(self):
        self.matcher = Matcher(self.config.watchlists.values(), self.config.aliases)
        self.channels: list[Channel] = [CHANNELS[c.kind](c) for c in self.config.channels.values()]
        self.routes = [Route(ch.name, r.id, frozenset(r.watchlists))
                       for ch in self.channels for r in ch.recipients()]

    def database(self) -> Database:
        """A fresh connection (one per thread / job run)."""
        return Database(self.config.bot.database)

    def source(self, name: str, db: Database):
        cfg = self.config.sources[name]
        impl = SOURCES[cfg.kind]
        budget = None
        if "daily_request_limit" in cfg.options and cfg.secrets.get("api_key"):
            budget = DailyBudget(db, cfg.secrets["api_key"], cfg.options["daily_request_limit"], self.clock)
        return impl(cfg, self.http, budget)

    def poll(self, name: str) -> RunResult:
        """Poll one source once and log one line about it."""
        db = self.database()
        try:
            result = run_source(db, self.source(name, db), self.matcher, self.routes,
                                self.config.bot.first_run_alert_days, self.clock())
        finally:
            db.close()
        (log.warning if result.error else log.info)(result.summary())
        return result

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
        """Poll every enabled source once, then deliver: 0 when all polled cleanly, 2 when one failed."""
        self.recover()
        results = [self.poll(name) for name in self.enabled_sources()]
        if not results:
            log.warning("no source is enabled; nothing to poll (see `procwatch check`)")
        self.deliver()
        return 2 if any(r.error for r in results) else 0

    def recover(self) -> None:
        """Put rows left mid-send by a crash back in the queue."""
        db = self.database()
        try:
            if n := outbox.recover(db):
                log.warning("recovered %d outbox rows left mid-delivery by an earlier run", n)
        finally:
            db.close()
