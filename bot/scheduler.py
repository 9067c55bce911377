"""`procwatch run`: APScheduler 3.x wiring only — one job per source, one for scheduled delivery."""

from __future__ import annotations

import logging
import signal

from apscheduler.schedulers.blocking import BlockingScheduler

from .app import App

log = logging.getLogger("procwatch")
DELIVERY_CHECK_SECONDS = 60


def build(app: App) -> BlockingScheduler:
    """A scheduler with every enabled source polled now and then at its `every`."""
    scheduler = BlockingScheduler(timezone="UTC", job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
    now = app.clock()
    for name in app.enabled_sources():
        every = app.config.sources[name].every
        scheduler.add_job(_poll_then_deliver, "interval", args=(app, name), id=f"source:{name}",
                          seconds=every, jitter=min(60, every / 10), next_run_time=now)
    scheduler.add_job(app.deliver, "interval", id="delivery", seconds=DELIVERY_CHECK_SECONDS)
    return scheduler


def _poll_then_deliver(app: App, name: str) -> None:
    app.poll(name)
    app.deliver()


def run(app: App) -> None:
    """Run until SIGTERM/SIGINT; the job in hand finishes and commits first."""
    app.recover()
    scheduler = build(app)

    def stop(signum, _frame):
        log.info("received %s, finishing the job in hand and stopping", signal.Signals(signum).name)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sources = app.enabled_sources()
    log.info("procwatch running: %d sources (%s), %d channels; Ctrl-C to stop", len(sources),
             ", ".join(sources) or "none enabled", len(app.channels))
    scheduler.start()
