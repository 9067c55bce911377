"""End to end: `procwatch once` with a Slack channel and an email channel pointed at local servers."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import NOW, free_port

from bot import outbox
from bot.cli import main
from bot.delivery import is_due
from bot.store import Database

CONFIG = """
[bot]
database = "{db}"
first_run_alert_days = 7
contact = "tests@example.org"

[sources.sam]
kind = "sam_opportunities"
base_url = "{base}"
api_key_env = "SAM_API_KEY"

[watchlists.surveillance]
vendors = ["Clearview AI", "Palantir", "Cellebrite"]
keywords = ["facial recognition", "biometric"]
agencies = ["CBP", "ICE"]

[watchlists.border]
agencies = ["CBP"]

[channels.team]
kind = "slack"
channel = "C0PROCWATCH"
token_env = "SLACK_BOT_TOKEN"
base_url = "{slack}"
watchlists = ["surveillance"]

[channels.mail]
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp}
smtp_security = "none"
from = "procwatch alerts <alerts@example.org>"
unsubscribe = "https://example.org/unsubscribe/abc"
subscribers = [
  {{ address = "ana@example.org", watchlists = ["surveillance", "border"] }},
  {{ address = "ben@example.org", watchlists = ["border"], deliver = "daily 07:00" }},
]
"""
CLEARVIEW = "Clearview AI Facial Recognition Licenses - Justification and Approval"
ICE = "Facial Recognition Software Licenses"


@pytest.fixture
def setup(make_app, fake_sam, fake_slack, smtp_server, tmp_path, httpserver):
    """`run(clock_offset)` builds the App on the full config and runs `once()`."""
    text = CONFIG.format(db=tmp_path / "state" / "procwatch.db", base=httpserver.url_for("").rstrip("/"),
                         slack=fake_slack.base_url, smtp=smtp_server.port)
    (tmp_path / "feeds.toml").write_text(text)

    def run(offset=timedelta(0)):
        app = make_app(text=run.config.read_text(), clock=lambda: NOW + offset)
        return app.once()

    run.slack, run.smtp, run.sam, run.db = fake_slack, smtp_server.sink, fake_sam, tmp_path / "state" / "procwatch.db"
    run.config, run.smtp_port = tmp_path / "feeds.toml", smtp_server.port
    return run


def mails(sink, address):
    return [m for rcpt, m in sink.messages if rcpt == [address]]


def states(db_path) -> dict[str, int]:
    db = sqlite3.connect(db_path)
    return dict(db.execute("select state, count(*) from outbox group by state").fetchall())


def test_once_posts_to_slack_and_sends_each_subscriber_one_email(setup):
    assert setup() == 0
    [post] = setup.slack.posts
    text = setup.slack.text_of(post)
    assert CLEARVIEW in text and ICE in text and "$225,000" in text
    assert "*Matched:* surveillance: vendor *Clearview AI* in title, vendor *Clearview AI* in awardee" in text
    [ana] = mails(setup.smtp, "ana@example.org")
    [ben] = mails(setup.smtp, "ben@example.org")
    ana_text = ana.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert len(re.findall(rf"^\d+\. {re.escape(CLEARVIEW)}$", ana_text, re.M)) == 1  # two watchlists, listed once
    assert "-- border: 2 --" in ana_text and "-- surveillance: 1 --" in ana_text and ICE in ana_text
    assert ana["List-Unsubscribe"] == "<https://example.org/unsubscribe/abc>"
    assert ana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert CLEARVIEW in ben.get_body(("plain",)).get_content() and ICE not in ben.get_body(("plain",)).get_content()
    assert states(setup.db) == {"sent": 7}  # Slack 2, Ana 3, Ben 2 (the CBP janitorial J&A is "border")


def test_display_name_sender_passes_check_and_names_the_mail(setup, capsys, monkeypatch):
    monkeypatch.setattr("bot.clock.utc_now", lambda: NOW)
    assert main(["--config", str(setup.config), "check"]) == 0
    assert main(["--config", str(setup.config), "once"]) == 0
    [ana] = mails(setup.smtp, "ana@example.org")
    assert str(ana["From"]) == "procwatch alerts <alerts@example.org>"
    assert ana["Subject"].startswith("procwatch: 3 sole-source notices — HOMELAND SECURITY, DEPARTMENT OF › "
                                     "U.S. CUSTOMS AND BORDER PROTECTION: ")
    assert len(setup.slack.posts) == 1


def test_second_run_sends_nothing(setup):
    setup()
    setup(timedelta(minutes=30))
    assert len(setup.slack.posts) == 1 and len(setup.smtp.messages) == 2


def test_amended_amount_is_one_threaded_update_saying_what_changed(setup):
    setup()
    first = setup.slack.posts[0]
    rows = setup.sam.rows
    rows[0] = dict(rows[0], award=dict(rows[0]["award"], amount="250000.00"))
    setup(timedelta(hours=1))
    assert len(setup.slack.main_posts()) == 1  # nothing repeated in the channel
    [reply] = [p for p in setup.slack.posts if p.get("thread_ts")]
    assert reply["thread_ts"] == first["ts"]
    assert "Amount: $225,000 → $250,000" in setup.slack.text_of(reply)
    ana = mails(setup.smtp, "ana@example.org")
    assert len(ana) == 2 and "Changed:  Amount: $225,000 → $250,000" in ana[1].get_body(("plain",)).get_content()
    assert ICE not in ana[1].get_body(("plain",)).get_content()
    assert len(mails(setup.smtp, "ben@example.org")) == 1  # daily 07:00: the update waits for tomorrow
    setup(timedelta(days=1))
    ben = mails(setup.smtp, "ben@example.org")
    assert len(ben) == 2 and "Amount: $225,000 → $250,000" in ben[1].get_body(("plain",)).get_content()


KILL_AFTER_SEND = """
import os, signal, sys
from datetime import datetime, timezone
from bot import outbox
from bot.app import App
from bot.config import load
from bot.http import Http
outbox.mark_sent = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)  # after the send, before the commit
App(load(sys.argv[1]), Http(contact="t@example.org", timeout=2),
    clock=lambda: datetime(2026, 10, 2, 12, tzinfo=timezone.utc)).once()
"""


def test_killed_after_send_before_commit_loses_nothing_and_posts_nothing_twice(setup):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent.parent))
    done = subprocess.run([sys.executable, "-c", KILL_AFTER_SEND, str(setup.config)], env=env, timeout=60,
                          capture_output=True)
    assert done.returncode == -9
    assert len(setup.slack.posts) == 1 and states(setup.db) == {"sending": 2, "pending": 5}
    setup(timedelta(minutes=5))  # the restart
    assert len(setup.slack.posts) == 1  # found by its digest id in the channel, not posted again
    assert states(setup.db) == {"sent": 7}
    assert len(mails(setup.smtp, "ana@example.org")) == 1


def test_failed_slack_keeps_rows_pending_then_delivers_once(setup, caplog):
    caplog.set_level(logging.INFO, "procwatch")
    setup.slack.script.append((200, {"ok": False, "error": "invalid_auth"}, {}))
    setup()
    assert "team: delivery FAILED, will retry: Slack rejected the token (invalid_auth)" in caplog.text
    assert states(setup.db) == {"pending": 2, "sent": 5} and not setup.slack.posts
    setup(timedelta(seconds=10))  # backing off: 30 s after the first failure
    assert not setup.slack.posts
    setup(timedelta(minutes=1))
    assert len(setup.slack.posts) == 1 and states(setup.db) == {"sent": 7}


def test_smtp_down_keeps_rows_pending_with_the_error(setup, caplog):
    caplog.set_level(logging.INFO, "procwatch")
    text = setup.config.read_text()
    setup.config.write_text(text.replace(f"smtp_port = {setup.smtp_port}", f"smtp_port = {free_port()}"))
    setup()
    assert "mail → ana@example.org: delivery FAILED, will retry: cannot send through SMTP server" in caplog.text
    rows = sqlite3.connect(setup.db).execute(
        "select state, last_error from outbox where channel='mail'").fetchall()
    assert len(rows) == 5
    assert all(state == "pending" and "cannot send through SMTP server" in err for state, err in rows)


def test_rows_become_dead_after_max_attempts_and_are_listed(setup):
    for _ in range(outbox.MAX_ATTEMPTS + 1):
        setup.slack.script.append((200, {"ok": False, "error": "msg_too_long"}, {}))
    for hour in range(outbox.MAX_ATTEMPTS + 1):
        setup(timedelta(hours=hour))
    db = Database(str(setup.db))
    dead = outbox.dead_letters(db)
    db.close()
    assert len(dead) == 2 and {d["channel"] for d in dead} == {"team"}
    assert all(d["attempts"] == outbox.MAX_ATTEMPTS and "msg_too_long" in d["last_error"] for d in dead)
    assert not setup.slack.posts


def test_missing_slack_token_falls_back_to_the_console_with_one_warning(setup, make_app, monkeypatch, capsys):
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    app = make_app(text=setup.config.read_text())
    assert [w for w in app.config.warnings if "SLACK_BOT_TOKEN" in w] == [
        f"{setup.config}:20: channels.team: SLACK_BOT_TOKEN is not set; printing its digests on the console "
        "instead (export SLACK_BOT_TOKEN=… or SLACK_BOT_TOKEN_FILE=path)"]
    app.once()
    assert CLEARVIEW in capsys.readouterr().out and not setup.slack.posts


def test_dry_run_renders_what_would_go_out_without_sending_or_marking(setup, capsys, monkeypatch):
    setup.slack.script.append((200, {"ok": False, "error": "invalid_auth"}, {}))
    setup()
    capsys.readouterr()
    before = states(setup.db)
    assert main(["--config", str(setup.config), "digest", "--dry-run", "team"]) == 0
    out = capsys.readouterr().out
    assert '"channel": "C0PROCWATCH"' in out and CLEARVIEW in out and '"unfurl' not in out
    assert states(setup.db) == before and not setup.slack.posts
    assert main(["--config", str(setup.config), "digest", "--dry-run", "mail"]) == 0
    out = capsys.readouterr().out
    # everything for email was already sent: nothing would go out, and it says so
    assert out == "mail → ana@example.org: nothing waiting\nmail → ben@example.org: nothing waiting\n"
    assert main(["--config", str(setup.config), "digest", "--dry-run", "nope"]) == 1


@pytest.mark.parametrize("schedule, last, now, due", [
    ("instant", "2026-10-02T11:59:00+00:00", "2026-10-02T12:00:00+00:00", True),
    ("hourly", "2026-10-02T11:30:00+00:00", "2026-10-02T12:00:00+00:00", False),
    ("hourly", "2026-10-02T11:00:00+00:00", "2026-10-02T12:00:00+00:00", True),
    ("daily 07:00", None, "2026-10-02T06:00:00+00:00", True),
    ("daily 07:00", "2026-10-01T07:00:00+00:00", "2026-10-02T06:59:00+00:00", False),
    ("daily 07:00", "2026-10-01T07:00:00+00:00", "2026-10-02T07:00:00+00:00", True),
    ("weekly mon 07:00", "2026-09-28T07:00:00+00:00", "2026-10-04T23:00:00+00:00", False),  # Sunday
    ("weekly mon 07:00", "2026-09-28T07:00:00+00:00", "2026-10-05T07:01:00+00:00", True),
])
def test_schedules(schedule, last, now, due):
    assert is_due(schedule, last, datetime.fromisoformat(now)) is due


def test_daily_time_is_in_the_bot_timezone():
    # 07:00 in New York is 11:00 UTC (EDT): at 10:59 UTC the slot has not come yet.
    last = "2026-10-01T11:00:00+00:00"
    assert not is_due("daily 07:00", last, datetime(2026, 10, 2, 10, 59, tzinfo=timezone.utc), "America/New_York")
    assert is_due("daily 07:00", last, datetime(2026, 10, 2, 11, 0, tzinfo=timezone.utc), "America/New_York")


def test_lost_confirmation_is_not_posted_twice(setup, caplog):
    caplog.set_level(logging.INFO, "procwatch")
    setup.slack.lose_next = 1  # Slack stores the message but the answer is a 502 page
    setup()
    assert "team: delivery FAILED, will retry: Slack answered HTTP 502" in caplog.text
    assert len(setup.slack.posts) == 1 and states(setup.db)["pending"] == 2
    setup(timedelta(minutes=1))
    assert len(setup.slack.posts) == 1 and states(setup.db) == {"sent": 7}
