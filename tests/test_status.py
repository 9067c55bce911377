"""`procwatch status`: one screen, --json, and --check exit codes for health checks."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from io import StringIO

from conftest import NOW
from test_health import Clock, failing

from bot.commands import status


def run_status(app, now, *flags) -> tuple[int, str]:
    args = argparse.Namespace(json="--json" in flags, check="--check" in flags)
    out = StringIO()
    return status.main(args, app.config, out, now), out.getvalue()


def test_healthy_after_a_clean_poll(make_app, fake_sam):
    app = make_app()
    app.once()
    code, out = run_status(app, NOW + timedelta(minutes=5))
    assert code == 0
    assert out.splitlines()[-1] == "healthy"
    sam = next(line for line in out.splitlines() if line.startswith("sam "))
    assert "ok" in sam and "2026-10-02 12:00" in sam and "2026-10-02 12:30" in sam  # last ok, next due
    assert sam.split()[-2] == "6" and sam.split()[-1].endswith("/1000")  # new today, requests used
    assert "outbox: " in out and "sent" in out and "console: 2026-10-02 12:00 (1 sent)" in out
    assert run_status(app, NOW, "--check") == (0, "")


def test_check_fails_on_an_incident_and_says_why(make_app, httpserver):
    clock = Clock()
    app = make_app(clock=clock)
    failing(httpserver)
    for _ in range(3):
        app.once()
        clock.now += timedelta(minutes=30)
    code, out = run_status(app, clock.now, "--check")
    assert code == 1
    assert "UNHEALTHY: sam: 3 polls in a row failed; last error: HTTP 500" in out
    assert "last error: HTTP 500" in out


def test_check_fails_on_dead_letters_and_a_stale_heartbeat(make_app, fake_sam):
    app = make_app()
    app.once()
    db = app.database()
    db.set_meta("heartbeat", NOW.isoformat())
    assert run_status(app, NOW + timedelta(minutes=2), "--check")[0] == 0
    code, out = run_status(app, NOW + timedelta(minutes=10), "--check")
    assert code == 1 and "last heartbeat was at 2026-10-02T12:00:00" in out
    db.set_meta("heartbeat", (NOW + timedelta(minutes=10)).isoformat())
    db.db.execute("UPDATE outbox SET state = 'dead', last_error = 'channel_not_found'")
    db.close()
    code, out = run_status(app, NOW + timedelta(minutes=10), "--check")
    assert code == 1 and "UNHEALTHY: 2 alerts could not be delivered (dead letters)" in out
    assert "dead: sam:aa000000000000000000000000000001 → console: channel_not_found" in out


def test_json_has_the_same_facts(make_app, fake_sam):
    app = make_app()
    app.once()
    code, out = run_status(app, NOW, "--json")
    facts = json.loads(out)
    assert code == 0 and facts["problems"] == []
    assert facts["sources"][0]["name"] == "sam" and facts["sources"][0]["state"] == "ok"
    assert facts["sources"][0]["new_today"] == 6 and facts["outbox"] == {"sent": 2}


def test_status_shows_the_description_plan(make_app, fake_sam):
    # 6 candidates in the window (the 7th is first-run baseline); 49 + 2 requests leave room for 2
    # descriptions after the search and the reserve for the day's 24 remaining polls.
    app = make_app("daily_request_limit = 51")
    app.once()
    out = run_status(app, NOW + timedelta(minutes=5))[1]
    assert "descriptions: 2 read, 4 left for budget" in out
    assert json.loads(run_status(app, NOW, "--json")[1])["sources"][0]["descriptions"] == {"read": 2, "left": 4}
    make_app("daily_request_limit = 1000", clock=lambda: NOW + timedelta(minutes=30)).once()
    out = run_status(app, NOW + timedelta(minutes=35))[1]
    # The next poll re-reads the last two days (overlap_days): the two waiting candidates posted
    # there are read; the two older ones have left the window (the extract source covers those).
    assert "descriptions: 4 read, 0 left for budget" in out
    assert "descriptions:" not in run_status(app, NOW + timedelta(days=1))[1]  # a new day, nothing yet
