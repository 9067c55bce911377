"""`procwatch run`: APScheduler 3.x wiring — one job per source, delivery, heartbeat, hot reload, signals.

The scheduler runs in a background thread; the main thread only waits for a signal, so SIGTERM and
SIGINT are handled promptly (also as PID 1 in Docker): the page in hand is stored and committed,
running jobs finish, and the process exits 0. A job that raises (the pipeline and delivery catch
everything a source or channel can throw, so this means the database or the disk) is fatal: exit 1,
and the supervisor restarts us.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import datetime, timezone

from apscheduler.events import EVENT_JOB_ERROR
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from . import health
from .app import App
from .config import load
from .errors import ConfigError

log = logging.getLogger("procwatch")
DELIVERY_CHECK_SECONDS = 60
RELOAD_CHECK_SECONDS = 5
HEARTBEAT_SECONDS = 60
MAINTENANCE_SECONDS = 24 * 3600  # integrity check and retention (bot/retention.py)
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def source_trigger(every: float) -> IntervalTrigger:
    """Poll every `every` seconds, up to a tenth of that (at most a minute) late, to spread load."""
    return IntervalTrigger(seconds=every, jitter=min(60, every / 10), timezone=timezone.utc)


class Daemon:
    """The running bot: the current App, its jobs, and how it reloads and stops."""

    def __init__(self, app: App, stat=os.stat):
        self.app, self.stat = app, stat
        self.path = app.config.path
        self.stopping = app.stopping
        app.http.sleep = self.stopping.wait  # a Retry-After wait ends early on SIGTERM
        self.wake, self.hup = threading.Event(), threading.Event()
        self.fatal: str | None = None
        self.reload_lock = threading.Lock()
        self.seen = self._stamp()
        self.rejected: tuple | None = None
        self.scheduler = BackgroundScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
        self.scheduler.add_listener(self._job_failed, EVENT_JOB_ERROR)

    def start(self, paused: bool = False) -> None:
        """Add the jobs (every source polled right away) and start the scheduler thread."""
        now = self.app.clock()
        self.scheduler.add_job(self.deliver, "interval", id="delivery", seconds=DELIVERY_CHECK_SECONDS)
        self.scheduler.add_job(self.heartbeat, "interval", id="heartbeat", seconds=HEARTBEAT_SECONDS,
                               next_run_time=now)
        self.scheduler.add_job(self.reload_if_changed, "interval", id="reload", seconds=RELOAD_CHECK_SECONDS)
        self.scheduler.add_job(self.maintain, "interval", id="maintenance", seconds=MAINTENANCE_SECONDS)
        self.scheduler.start(paused=paused)
        self.sync_jobs()

    def sync_jobs(self) -> None:
        """Make the source jobs match the configuration: add, remove, reschedule; new ones run now."""
        wanted = {f"source:{n}": self.app.config.sources[n].every for n in self.app.enabled_sources()}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("source:") and job.id not in wanted:
                job.remove()
                log.info("stopped polling %s", job.id[7:])
        for job_id, every in wanted.items():
            job = self.scheduler.get_job(job_id)
            if job is None:
                self.scheduler.add_job(self.poll, source_trigger(every), args=(job_id[7:],), id=job_id,
                                       next_run_time=self.app.clock())
            elif job.trigger.interval.total_seconds() != every:
                job.reschedule(source_trigger(every))
                log.info("%s now polled every %ds", job_id[7:], every)

    # -- jobs ----------------------------------------------------------------------------------

    def poll(self, name: str) -> None:
        app = self.app  # one configuration for the whole run, even if a reload happens meanwhile
        if name in app.enabled_sources() and not self.stopping.is_set():
            app.poll(name)
            app.deliver()

    def deliver(self) -> None:
        if not self.stopping.is_set():
            self.app.deliver()

    def maintain(self) -> None:
        if not self.stopping.is_set():
            self.app.maintain()

    def heartbeat(self) -> None:
        """Record that the daemon is alive (`procwatch status --check` reads it)."""
        db = self.app.database()
        try:
            db.set_meta("heartbeat", self.app.clock().isoformat(timespec="seconds"))
        finally:
            db.close()

    def reload_if_changed(self) -> None:
        if self._stamp() not in (self.seen, None):
            self.reload("feeds.toml changed")

    def reload(self, why: str) -> bool:
        """Validate and apply the file; an invalid edit is logged and told to operators, and ignored."""
        with self.reload_lock:
            stamp = self._stamp()
            self.seen = stamp
            try:
                config = load(self.path)
            except ConfigError as e:
                self._rejected(stamp, e.problems)
                return False
            for warning in config.warnings:
                log.warning("%s", warning)
            self.app = App(config, self.app.http, self.app.clock, self.stopping)
            self.rejected = None
            self.sync_jobs()
            log.info("%s: configuration reloaded: %d sources enabled, %d watchlists, %d channels", why,
                     len(self.app.enabled_sources()), len(config.watchlists), len(self.app.channels))
            return True

    def _rejected(self, stamp, problems: list[str]) -> None:
        for line in problems:
            log.error("%s", line)
        log.error("configuration edit rejected; still running the previous configuration")
        if stamp != self.rejected:  # tell operators once per bad version of the file
            self.rejected = stamp
            health.notify(self.app.channels, ["feeds.toml edit rejected, the previous configuration "
                                              "keeps running: " + "; ".join(problems)])

    def _stamp(self) -> tuple | None:
        try:
            st = self.stat(self.path)
        except OSError:  # mid-replace by an editor: look again next time
            return None
        return st.st_mtime_ns, st.st_size

    def _job_failed(self, event) -> None:
        self.fatal = f"{event.job_id}: {type(event.exception).__name__}: {event.exception}"
        self.wake.set()

    # -- the main thread -----------------------------------------------------------------------

    def run(self) -> int:
        """Block until SIGTERM/SIGINT (0) or a fatal job error (1); SIGHUP reloads."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        signal.signal(signal.SIGHUP, self._reload_signal)
        self.app.recover()
        self.start()
        sources = self.app.enabled_sources()
        log.info("procwatch running: %d sources (%s), %d channels; Ctrl-C to stop", len(sources),
                 ", ".join(sources) or "none enabled", len(self.app.channels))
        while True:
            if not self.wake.wait(timeout=1):
                continue
            self.wake.clear()
            if self.hup.is_set():
                self.hup.clear()
                self.reload("SIGHUP")
            if self.stopping.is_set() or self.fatal:
                break
        self.stopping.set()
        self.scheduler.shutdown(wait=True)
        if self.fatal:
            log.error("stopping after a fatal error: %s", self.fatal)
            return 1
        log.info("stopped cleanly")
        return 0

    def _stop(self, signum, _frame) -> None:
        log.info("received %s: finishing the page in hand, then stopping", signal.Signals(signum).name)
        self.stopping.set()
        self.wake.set()

    def _reload_signal(self, _signum, _frame) -> None:
        self.hup.set()
        self.wake.set()


def next_runs(daemon: Daemon) -> dict[str, datetime]:
    """Job id → next run time (UTC), for logs and tests."""
    return {j.id: j.next_run_time.astimezone(timezone.utc) for j in daemon.scheduler.get_jobs()
            if j.next_run_time}


def run(app: App) -> int:
    return Daemon(app).run()

