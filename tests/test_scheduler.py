"""`procwatch run`: job wiring with an injected clock, hot reload, and a real daemon stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import NOW, FakeSam

from bot.scheduler import Daemon, next_runs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def daemon(make_app):
    made = []

    def make(source_extra: str = "", **kw) -> Daemon:
        d = Daemon(make_app(source_extra, **kw))
        d.start(paused=True)  # jobs get their run times; nothing runs
        made.append(d)
        return d
    yield make
    for d in made:
        d.scheduler.shutdown(wait=False)


def test_each_source_is_polled_at_start_then_every_interval_with_jitter(daemon):
    d = daemon()
    runs = next_runs(d)
    assert runs["source:sam"] == NOW and runs["heartbeat"] == NOW
    job = d.scheduler.get_job("source:sam")
    assert job.trigger.interval.total_seconds() == 1800 and job.trigger.jitter == 60
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
    assert {j.id for j in d.scheduler.get_jobs()} == {"source:sam", "delivery", "heartbeat", "reload", "maintenance"}


def edit(d: Daemon, old: str, new: str) -> None:
    path = Path(d.path)
    path.write_text(path.read_text().replace(old, new, 1))


def test_reload_adds_reschedules_and_removes_jobs_and_rebuilds_the_matcher(daemon, fake_sam):
    d = daemon()
    sam2 = '\n[sources.sam2]\nkind = "sam_opportunities"\nbase_url = "http://127.0.0.1:1"\napi_key_env = "SAM_API_KEY"\n'
    edit(d, 'every = "30m"', 'every = "1h"')
    edit(d, "[watchlists.surveillance]", sam2 + "\n[watchlists.cleaning]\nkeywords = [\"janitorial\"]\n\n"
         "[watchlists.surveillance]")
    assert d.reload("test") is True
    assert d.scheduler.get_job("source:sam").trigger.interval.total_seconds() == 3600
    assert next_runs(d)["source:sam2"] == NOW
    janitorial = [n for n in d.app.source("sam", d.app.database()).parse({"opportunitiesData": fake_sam.rows})
                  if "Janitorial" in n.title][0]
    assert [m.watchlist for m in d.app.matcher.match(janitorial.replace(competition="sole_source"))] == ["cleaning"]
    edit(d, sam2, "\n")
    assert d.reload("test") is True
    assert d.scheduler.get_job("source:sam2") is None


def test_invalid_edit_is_rejected_and_told_to_operators_once(daemon, tmp_path, capsys):
    d = daemon()
    edit(d, 'kind = "console"', 'kind = "console"\noperator = true')
    assert d.reload("test") is True
    before = d.app.config
    edit(d, 'every = "30m"', 'every = "soon"')
    assert d.reload("test") is False and d.reload("again") is False
    assert d.app.config is before
    assert d.scheduler.get_job("source:sam").trigger.interval.total_seconds() == 1800
    out = capsys.readouterr().out
    assert out.count("procwatch operator alert: feeds.toml edit rejected, the previous configuration keeps "
                     "running:") == 1
    assert "sources.sam.every: bad duration 'soon'" in out


def test_a_changed_file_is_applied_once_its_stamp_has_settled(daemon):
    d = daemon()
    stamps = iter([(1, 100), (2, 100), (2, 100), (2, 100), (2, 100)])  # the reload reads the stamp it applies
    d.stat = lambda path: SimpleNamespace(st_ino=7, st_mode=0o100644,
                                          **dict(zip(("st_mtime_ns", "st_size"), next(stamps))))
    d.seen = (1, 100, 7, 0o100000)
    edit(d, 'every = "30m"', 'every = "2h"')
    d.reload_if_changed(monotonic=lambda: 0.0)  # same stamp: not reloaded
    d.reload_if_changed(monotonic=lambda: 10.0)  # new stamp: wait for it to settle
    d.reload_if_changed(monotonic=lambda: 11.0)  # unchanged for only 1 s: still waiting
    assert d.scheduler.get_job("source:sam").trigger.interval.total_seconds() == 1800
    d.reload_if_changed(monotonic=lambda: 12.5)  # settled: validated and applied
    assert d.scheduler.get_job("source:sam").trigger.interval.total_seconds() == 7200


def test_stopping_finishes_the_page_in_hand_and_the_next_poll_resumes(make_app, fake_sam):
    app = make_app("limit = 2")
    app.stopping.set()  # as SIGTERM does while a poll is running
    app.poll("sam")
    db = app.database()
    assert db.count("notices") == 2 and db.cursor("sam")["offset"] == 2
    app.stopping.clear()
    app.poll("sam")
    assert db.count("notices") == 6 and "done_to" in db.cursor("sam")
    db.close()


def test_a_job_error_is_fatal_and_the_daemon_exits_1(make_app, fake_sam, monkeypatch):
    app = make_app(clock=lambda: datetime.now(timezone.utc))

    def broken(name):
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(app, "poll", broken)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        d = Daemon(app)
        assert d.run() == 1
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert d.fatal == "source:sam: OperationalError: disk I/O error"


# -- a real daemon ------------------------------------------------------------------------------

def wait_for(condition, timeout: float = 20.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def query(db: Path, sql: str):
    if not db.exists():
        return None
    con = sqlite3.connect(db, timeout=5)
    try:
        return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # not migrated yet
        return None
    finally:
        con.close()


def test_run_polls_delivers_picks_up_watch_add_and_stops_cleanly_on_sigterm(tmp_path, httpserver, sam_rows):
    today = datetime.now(timezone.utc).date().isoformat()
    rows = [dict(r, postedDate=today) for r in sam_rows if "Janitorial" not in r["title"]]
    late = dict(next(r for r in sam_rows if "Janitorial" in r["title"]), postedDate=today)
    sam = FakeSam(httpserver, rows)
    db = tmp_path / "state" / "procwatch.db"
    config = tmp_path / "feeds.toml"
    config.write_text(f'''[bot]
database = "{db}"

[sources.sam]
kind = "sam_opportunities"
every = "2s"
base_url = "{httpserver.url_for("").rstrip("/")}"
api_key_env = "SAM_API_KEY"

[watchlists.surveillance]
vendors = ["Clearview AI"]

# where alerts go
[channels.console]
kind = "console"
watchlists = ["surveillance"]
''')
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    env = dict(os.environ, SAM_API_KEY="test-key-123", PYTHONPATH=str(ROOT))
    with open(out, "w") as o, open(err, "w") as e:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config), "run"], cwd=tmp_path,
                                stdout=o, stderr=e, env=env)
    try:
        wait_for(lambda: query(db, "SELECT count(*) FROM outbox WHERE state = 'sent'"), what="first delivery")
        assert "Clearview AI Facial Recognition Licenses" in out.read_text()
        cli = [sys.executable, "-m", "bot", "--config", str(config), "watch", "add", "cleaning",
               "--keyword", "janitorial", "--channel", "console"]
        assert subprocess.run(cli, cwd=tmp_path, env=env, capture_output=True).returncode == 0
        wait_for(lambda: "configuration reloaded" in err.read_text(), timeout=15, what="reload")
        sam.rows.append(late)
        wait_for(lambda: "Janitorial services" in out.read_text(), what="the new watchlist's alert")
        stored = query(db, "SELECT count(*) FROM notices")
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = err.read_text()
    assert "received SIGTERM" in log and "stopped cleanly" in log
    assert query(db, "SELECT count(*) FROM notices") == stored  # nothing lost or half-written
    assert query(db, "SELECT count(*) FROM notices WHERE title LIKE 'Janitorial%'") == 1
    assert query(db, "SELECT count(*) FROM outbox WHERE state != 'sent'") == 0
    assert query(db, "SELECT count(*) FROM meta WHERE key = 'heartbeat'") == 1
