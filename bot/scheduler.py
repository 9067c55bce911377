"""`procwatch run`: APScheduler 3.x wiring — one job per source, delivery, heartbeat, hot reload, signals.

The scheduler runs in a background thread; the main thread only waits for a signal, so SIGTERM and
SIGINT are handled promptly (also as PID 1 in Docker): the page in hand is stored and committed,
running jobs finish, and the process exits 0. A job that raises (the pipeline and delivery catch
everything a source or channel can throw, so this means the database or the disk) is fatal: exit 1,
and the supervisor restarts us.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import gc
import logging
import os
import signal
import stat as stat_
import threading
import time
from datetime import datetime, timezone

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES
from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from . import health, reconcile
from .app import App
from .config import load
from .digest import plural
from .errors import ConfigError

log = logging.getLogger("procwatch")
DELIVERY_CHECK_SECONDS = 60
RELOAD_CHECK_SECONDS = 5
STABLE_SECONDS = 2  # a changed feeds.toml is applied once it has stayed the same this long
HEARTBEAT_SECONDS = 60
STOP_GRACE_SECONDS = 8  # after SIGTERM, running jobs get this long before the process exits anyway
MAINTENANCE_SECONDS = 24 * 3600  # integrity check and retention (bot/retention.py)
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
HOUSEKEEPING_JOBS = 4  # delivery, heartbeat, reload, maintenance
OVERLAP_MESSAGE = "maximum number of running instances reached"


class _NoOverlapWarnings(logging.Filter):
    """APScheduler warns on every skipped run; the daemon says it once an hour per source instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return OVERLAP_MESSAGE not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_NoOverlapWarnings())


class FullPool(BasePoolExecutor):
    """APScheduler's thread-pool executor with all its workers started at once: Python's pool adds
    a thread only when jobs overlap, so the thread count crept up for hours and looked like a leak."""

    def __init__(self, workers: int):
        self.workers = workers
        super().__init__(concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="procwatch-job"))

    def start(self, scheduler, alias) -> None:
        """Start every worker now (no worker is free until all exist, so each submit starts one)."""
        super().start(scheduler, alias)
        barrier = threading.Barrier(self.workers)
        concurrent.futures.wait([self._pool.submit(barrier.wait, 10) for _ in range(self.workers)])


M_ARENA_MAX = -8  # glibc's mallopt option


def _glibc():
    """The C library when it is glibc (mallopt, malloc_trim), else None: elsewhere nothing is tuned."""
    try:
        libc = ctypes.CDLL(None)
        return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
    except (OSError, TypeError):
        return None


_LIBC = _glibc()


def one_malloc_arena() -> None:
    """Let every thread share glibc's one heap (before the workers start): with an arena per worker,
    each kept the memory its jobs had freed and RSS crept up ~1 %/min in bench/soak.py. The GIL
    serialises the workers anyway, so sharing costs nothing."""
    if _LIBC is not None:
        _LIBC.mallopt(M_ARENA_MAX, 1)


def release_memory() -> None:
    """After a job: collect cyclic garbage now and hand the freed heap pages back to the OS, so RSS
    follows what the daemon holds rather than the peak of its last poll."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def pool_size(config) -> int:
    """One worker per job that can run at once: the housekeeping jobs and every configured source (a
    source added later by a reload beyond that waits for a free worker)."""
    return HOUSEKEEPING_JOBS + len(config.sources)


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
        self.pending: tuple | None = None  # a changed stamp, waiting to settle
        self.pending_since = 0.0
        self.rejected: tuple | None = None
        self.scheduler = BackgroundScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS,
                                             executors={"default": FullPool(pool_size(app.config))})
        self.scheduler.add_listener(self._job_failed, EVENT_JOB_ERROR)
        self.scheduler.add_listener(self._overlapped, EVENT_JOB_MAX_INSTANCES)

    def start(self, paused: bool = False) -> None:
        """Add the jobs (every source polled right away) and start the scheduler thread."""
        now = self.app.clock()
        self.scheduler.add_job(self.deliver, "interval", id="delivery", seconds=DELIVERY_CHECK_SECONDS)
        self.scheduler.add_job(self.heartbeat, "interval", id="heartbeat", seconds=HEARTBEAT_SECONDS,
                               next_run_time=now)
        self.scheduler.add_job(self.reload_if_changed, "interval", id="reload", seconds=RELOAD_CHECK_SECONDS)
        self.app.catch_up()
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
            release_memory()

    def deliver(self) -> None:
        if not self.stopping.is_set():
            self.app.deliver()
            release_memory()

    def maintain(self) -> None:
        if not self.stopping.is_set():
            self.app.maintain()

    def heartbeat(self) -> None:
        """Record that the daemon is alive (`procwatch status --check` reads it); review health, so a
        source whose poll hangs is reported even though it never finishes."""
        db = self.app.database()
        try:
            db.set_meta("heartbeat", self.app.clock().isoformat(timespec="seconds"))
            if not self.stopping.is_set():
                self.app.check_health(db)
        finally:
            db.close()

    def reload_if_changed(self, monotonic=time.monotonic) -> None:
        """Reload once a changed feeds.toml has stayed the same for STABLE_SECONDS (an editor or a
        copy still writing it is not read half-way)."""
        stamp = self._stamp()
        if stamp in (self.seen, None):
            self.pending = None
            return
        if stamp != self.pending:
            self.pending, self.pending_since = stamp, monotonic()
            return
        if monotonic() - self.pending_since >= STABLE_SECONDS:
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
            self.rejected = self.pending = None
            self.app.catch_up()
            self.sync_jobs()
            log.info("%s: configuration reloaded: %s enabled, %s, %s", why,
                     plural(len(self.app.enabled_sources()), "source"), plural(len(config.watchlists), "watchlist"),
                     plural(len(self.app.channels), "channel"))
            self.reconcile()
            return True

    def _started(self) -> None:
        """Note when this daemon started: a source is not "stalled" for the downtime before it."""
        db = self.app.database()
        try:
            db.set_meta("started_at", self.app.clock().isoformat(timespec="seconds"))
        finally:
            db.close()

    def reconcile(self) -> None:
        """Report dropped watchlists/channels; queue what a returning watchlist missed."""
        db = self.app.database()
        try:
            reconcile.reconcile(db, self.app.config, self.app.matcher, self.app.routes, self.app.clock())
        finally:
            db.close()

    def _rejected(self, stamp, problems: list[str]) -> None:
        for line in problems:
            log.error("%s", line)
        log.error("configuration edit rejected; still running the previous configuration")
        if stamp != self.rejected:  # tell operators once per bad version of the file
            self.rejected = stamp
            health.notify(self.app.channels, ["feeds.toml edit rejected, the previous configuration "
                                              "keeps running: " + "; ".join(problems)])

    def _stamp(self) -> tuple | None:
        """What identifies this version of the file (never opens it: a FIFO would block)."""
        try:
            st = self.stat(self.path)
        except OSError:  # mid-replace by an editor: look again next time
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino, stat_.S_IFMT(st.st_mode)

    def _overlapped(self, event) -> None:
        """A poll was skipped because the previous one still runs: one log line per source per hour."""
        if not event.job_id.startswith("source:"):
            return
        name = event.job_id[7:]
        db = self.app.database()
        try:
            if health.overlap(db, name, self.app.clock()):
                log.warning("%s: polls overlap: the previous poll was still running, so this one was skipped "
                            "(said once an hour; count in `procwatch status`)", name)
        finally:
            db.close()

    def _job_failed(self, event) -> None:
        self.fatal = f"{event.job_id}: {type(event.exception).__name__}: {event.exception}"
        self.wake.set()

    # -- the main thread -----------------------------------------------------------------------

    def run(self) -> int:
        """Block until SIGTERM/SIGINT (0) or a fatal job error (1); SIGHUP reloads."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        signal.signal(signal.SIGHUP, self._reload_signal)
        one_malloc_arena()
        self.app.recover()
        self.reconcile()
        self._started()
        self.start()
        sources = self.app.enabled_sources()
        log.info("procwatch running: %s (%s), %s; Ctrl-C to stop", plural(len(sources), "source"),
                 ", ".join(sources) or "none enabled", plural(len(self.app.channels), "channel"))
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
        if not self._shutdown(STOP_GRACE_SECONDS):
            log.error("a job did not finish within %ds of the stop request; exiting without it "
                      "(its page was not committed and is fetched again next time)", STOP_GRACE_SECONDS)
            _exit(1 if self.fatal else 0)
        if self.fatal:
            log.error("stopping after a fatal error: %s", self.fatal)
            return 1
        log.info("stopped cleanly")
        return 0

    def _shutdown(self, grace: float) -> bool:
        """Stop the scheduler, waiting up to `grace` seconds for running jobs; False if they did not end."""
        done = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True)
        done.start()
        done.join(grace)
        return not done.is_alive()

    def _stop(self, signum, _frame) -> None:
        if self.stopping.is_set():  # the second Ctrl-C: at once
            log.warning("received %s again: exiting now", signal.Signals(signum).name)
            _exit(130)
        log.info("received %s: finishing the page in hand, then stopping", signal.Signals(signum).name)
        self.stopping.set()
        self.app.http.abort()  # a request in flight ends now instead of at its deadline
        self.wake.set()

    def _reload_signal(self, _signum, _frame) -> None:
        self.hup.set()
        self.wake.set()


def _exit(code: int) -> None:
    """Leave now, even with a worker thread stuck (SQLite's transactions keep the database whole)."""
    logging.shutdown()
    os._exit(code)


def next_runs(daemon: Daemon) -> dict[str, datetime]:
    """Job id → next run time (UTC), for logs and tests."""
    return {j.id: j.next_run_time.astimezone(timezone.utc) for j in daemon.scheduler.get_jobs()
            if j.next_run_time}


def run(app: App) -> int:
    return Daemon(app).run()

