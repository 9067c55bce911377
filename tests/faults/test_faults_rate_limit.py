"""Issue 14 item 4, what operators see: a poll skipped because the source's Retry-After has not
expired is "rate limited until …" in status, not a failure, and sends no failure alert; a wait longer
than three intervals still makes `status --check` fail (no poll has completed). Injected clock, a
local server, no real sleeps."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from datetime import timedelta
from types import SimpleNamespace

from conftest import CONFIG, NOW
from werkzeug import Response

from bot.app import App
from bot.commands import status
from bot.config import load
from bot.http import Http

SEARCH = "/opportunities/v2/search"
EMPTY = {"totalRecords": 0, "opportunitiesData": []}


def make(tmp_path, httpserver, monkeypatch, clock) -> App:
    """SAM polled every 30 minutes, an operator channel that would get any alert."""
    monkeypatch.setenv("SAM_API_KEY", "test-key-123")
    path = tmp_path / "feeds.toml"
    path.write_text(CONFIG.format(db=tmp_path / "procwatch.db", base=httpserver.url_for("").rstrip("/"),
                                  source_extra="") + '\n[channels.ops]\nkind = "console"\noperator = true\n'
                    "watchlists = []\n")
    return App(load(str(path)), Http(timeout=2, sleep=lambda s: None), clock=lambda: clock.now)


def run_status(app: App, now, *, check=False, as_json=False) -> tuple[int, str]:
    out = io.StringIO()
    code = status.main(SimpleNamespace(json=as_json, check=check), app.config, out, now=now)
    return code, out.getvalue()


def failures(tmp_path) -> int:
    with sqlite3.connect(tmp_path / "procwatch.db") as db:
        return db.execute("SELECT consecutive_failures FROM source_health WHERE source = 'sam'").fetchone()[0]


def alerts(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("operator alert:")]


def rate_limited_once(httpserver, seconds: int) -> None:
    httpserver.expect_oneshot_request(SEARCH).respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": str(seconds)}))
    httpserver.expect_request(SEARCH).respond_with_json(EMPTY)


def test_skipped_polls_are_rate_limited_in_status_not_failures_and_alert_nobody(tmp_path, httpserver, monkeypatch,
                                                                               caplog):
    rate_limited_once(httpserver, 3600)  # two intervals
    clock = SimpleNamespace(now=NOW)
    app = make(tmp_path, httpserver, monkeypatch, clock)
    caplog.set_level(logging.INFO, logger="procwatch")
    app.poll("sam")  # the 429 itself: one failed poll
    for minutes in (10, 20, 30, 40, 50):  # five skips: counted as failures, they made a "3 in a row" alert
        clock.now = NOW + timedelta(minutes=minutes)
        assert app.poll("sam").error is None
    assert len(httpserver.log) == 1, "a request was sent while the Retry-After wait ran"
    assert failures(tmp_path) == 1
    assert alerts(caplog) == []
    assert "sam: poll skipped: rate limited until 2026-10-02 13:00:00 UTC" in caplog.text
    code, text = run_status(app, clock.now, check=True)
    assert code == 0 and text == ""  # healthy: a wait shorter than three intervals is no problem
    _, text = run_status(app, clock.now)
    line = next(li for li in text.splitlines() if li.startswith("sam "))
    assert "rate limited" in line and "failing" not in line
    assert ("rate limited until 2026-10-02 13:00 (the server's Retry-After); 5 polls skipped, "
            "not counted as failures") in text
    facts = json.loads(run_status(app, clock.now, as_json=True)[1])["sources"][0]
    assert (facts["state"], facts["rate_limited_until"], facts["rate_limit_skips"]) == \
        ("rate limited", "2026-10-02T13:00:00+00:00", 5)
    clock.now = NOW + timedelta(minutes=61)  # the wait is over: polled again, and all is well
    assert app.poll("sam").error is None and len(httpserver.log) == 2
    assert failures(tmp_path) == 0
    _, text = run_status(app, clock.now)
    assert "rate limited" not in text and "healthy" in text


def test_a_wait_longer_than_three_intervals_fails_the_check_as_no_poll_completed(tmp_path, httpserver, monkeypatch,
                                                                                 caplog):
    rate_limited_once(httpserver, 4 * 3600)  # eight intervals
    clock = SimpleNamespace(now=NOW)
    app = make(tmp_path, httpserver, monkeypatch, clock)
    app.poll("sam")
    for minutes in (30, 60, 90):  # three intervals exactly: not yet stalled
        clock.now = NOW + timedelta(minutes=minutes)
        app.poll("sam")
    assert run_status(app, clock.now, check=True)[0] == 0
    clock.now = NOW + timedelta(minutes=120)
    app.poll("sam")
    code, text = run_status(app, clock.now, check=True)
    assert code == 1
    assert ("UNHEALTHY: sam: no poll has completed since 2026-10-02T12:00 (2 hours); it is polled every 1800s — "
            "rate limited until 2026-10-02T16:00 by the server's Retry-After") in text
    assert len(httpserver.log) == 1 and failures(tmp_path) == 1
    told = alerts(caplog)  # the operators hear of the stall, never of "polls in a row failed"
    assert len(told) == 1 and "no poll has completed" in told[0] and "rate limited until" in told[0]
    assert not any("in a row failed" in line for line in told)
