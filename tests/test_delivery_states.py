"""Every delivery state visible and actionable (issue 16 item 4), through the real CLI: a bad Slack
token and a refused SMTP port fail `once`, show in `status` and `status --check`, in `outbox` and in
`digest CHANNEL`; `outbox retry` requeues dead letters; `procwatch test CHANNEL` checks a channel."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import NOW, free_port
from test_delivery import CLEARVIEW, mails, setup, states  # noqa: F401 (setup is a fixture)

from bot.cli import main
from bot.outbox import MAX_ATTEMPTS


@pytest.fixture
def cli(setup, monkeypatch, capsys):  # noqa: F811
    """`cli(*args, at=timedelta)` runs procwatch on the test config at NOW + at; returns (exit, stdout)."""
    def run(*args, at=timedelta(0)):
        monkeypatch.setattr("bot.clock.utc_now", lambda: NOW + at)
        capsys.readouterr()
        code = main(["--config", str(setup.config), *args])
        return code, capsys.readouterr().out
    return run


@pytest.fixture
def broken(setup, monkeypatch):  # noqa: F811
    """A wrong Slack token and an SMTP port nobody listens on."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
    setup.config.write_text(setup.config.read_text().replace(f"smtp_port = {setup.smtp_port}",
                                                             f"smtp_port = {free_port()}"))
    return setup


def test_failing_channels_fail_once_and_show_everywhere(broken, cli, monkeypatch):
    assert cli("once")[0] == 2  # the deliveries failed: not a clean run
    code, out = cli("status", "--check", at=timedelta(seconds=5))
    assert code == 1
    assert "UNHEALTHY: channel team is failing: Slack rejected the token (invalid_auth)" in out
    assert "UNHEALTHY: channel mail is failing: cannot send through SMTP server 127.0.0.1:" in out
    team = next(line for line in out.splitlines() if line.startswith("  team: "))
    assert team.startswith("  team: 2 retrying (next 2026-10-02 12:00) · last error: Slack rejected the token")
    facts = json.loads(cli("status", "--json")[1])
    assert {c["channel"]: c["retrying"] for c in facts["channels"]} == {"mail": 5, "team": 2}
    code, out = cli("digest", "team", at=timedelta(seconds=5))
    assert code == 0
    assert out == ("team: 2 notices retry 2 goes at 2026-10-02 12:00 UTC (last error: Slack rejected the token "
                   "(invalid_auth): check the variable named by token_env) [deliver = instant]\n")
    code, out = cli("digest", "mail", "--dry-run", at=timedelta(seconds=5))
    assert "mail → ben@example.org: 2 notices retry 2 goes at 2026-10-02 12:00 UTC" in out  # daily 07:00, but failed once
    code, out = cli("outbox", "--channel", "team")
    assert code == 0 and out.count(" pending ") == 2 and "last error: Slack rejected the token" in out
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")  # fixed: the next delivery clears the failure
    assert cli("digest", "team", at=timedelta(minutes=1))[1].startswith("team: delivered 2 notices")
    assert "channel team is failing" not in cli("status", "--check", at=timedelta(minutes=1))[1]


def test_dead_letters_are_listed_and_retry_requeues_them_once(broken, cli, monkeypatch):
    for hour in range(MAX_ATTEMPTS + 1):
        cli("once", at=timedelta(hours=hour))
    assert states(broken.db)["dead"] == 7
    code, out = cli("outbox", "--state", "dead", "--json")
    dead = json.loads(out)
    assert len(dead) == 7 and all(r["attempts"] == MAX_ATTEMPTS and r["last_error"] for r in dead)
    team_ids = [str(r["id"]) for r in dead if r["channel"] == "team"]
    code, out = cli("outbox", "retry", "99999", team_ids[0])
    assert code == 1 and "row 99999: no such outbox row" in out and "requeued 1 dead letter" in out
    code, out = cli("outbox", "retry", team_ids[0])
    assert code == 1 and f"row {team_ids[0]} is pending, not dead" in out
    assert cli("outbox", "retry")[0] == 1  # says what to give
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    code, out = cli("outbox", "retry", "--all", "--channel", "team")
    assert code == 0 and "requeued 1 dead letter" in out
    code, out = cli("digest", "team", at=timedelta(hours=10))
    assert out.startswith("team: delivered 2 notices") and "team: nothing waiting" in out
    assert len(broken.slack.posts) == 1 and CLEARVIEW in broken.slack.text_of(broken.slack.posts[0])
    assert cli("digest", "team", at=timedelta(hours=11))[1] == "team: nothing waiting\n"  # nothing twice
    assert states(broken.db)["dead"] == 5  # the mail rows: still dead, still listed
    assert "5 alerts could not be delivered" in cli("status", "--check", at=timedelta(hours=11))[1]


def test_test_command_checks_slack_token_membership_and_posts(setup, cli, monkeypatch):  # noqa: F811
    code, out = cli("test", "team")
    assert code == 0, out
    assert out.splitlines() == ["ok: team: token accepted: bot procwatch in workspace Watchdog",
                                "ok: team: the app is a member of #alerts",
                                f"ok: team: test message posted to C0PROCWATCH (ts {setup.slack.posts[0]['ts']})"]
    assert "test message for channel team" in setup.slack.text_of(setup.slack.posts[0])
    setup.slack.member = False
    code, out = cli("test", "team")
    assert code == 1 and "FAILED: team: the app is not in #alerts (C0PROCWATCH): invite it" in out
    assert len(setup.slack.posts) == 1  # nothing posted where it cannot be
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
    code, out = cli("test", "team")
    assert code == 1 and out == ("FAILED: team: Slack rejected the token (invalid_auth): check the variable "
                                 "named by token_env\n") and "xoxb-wrong" not in out
    assert cli("test", "nope")[0] == 1


def test_test_command_checks_smtp_and_sends_to_the_sender_or_to(setup, cli):  # noqa: F811
    code, out = cli("test", "mail")
    assert code == 0, out
    assert out.splitlines() == [
        f'ok: mail: connected to 127.0.0.1:{setup.smtp_port} without TLS (smtp_security = "none")',
        "ok: mail: test message accepted for alerts@example.org"]
    [test] = mails(setup.smtp, "alerts@example.org")
    assert "test message for channel mail" in test.get_body(("plain",)).get_content()
    assert cli("test", "mail", "--to", "ops@example.org")[0] == 0 and len(mails(setup.smtp, "ops@example.org")) == 1
    setup.config.write_text(setup.config.read_text().replace(f"smtp_port = {setup.smtp_port}",
                                                             f"smtp_port = {free_port()}"))
    code, out = cli("test", "mail")
    assert code == 1 and out.startswith("FAILED: mail: cannot send through SMTP server 127.0.0.1:")
