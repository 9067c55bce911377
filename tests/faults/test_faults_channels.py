"""Delivery faults: Slack {429, 500, invalid_auth, timeout, msg_too_long} and SMTP {refused, 4xx, 5xx,
timeout, TLS failure}. Nothing matched is lost: a failed send leaves the alerts queued with a
backoff; once the channel works they are delivered, each once; a channel that keeps failing makes
them dead after MAX_ATTEMPTS, and `procwatch status` shows them.

The poll is a real `once` against the local SAM.gov (two notices match); the channels are the
real Slack (fake Web API, injected sleep) and email (real local SMTP servers) implementations.
"""

from __future__ import annotations

import socket
import sqlite3
from contextlib import contextmanager
from datetime import timedelta

import pytest
from conftest import CONFIG, NOW, SLACK_TOKEN, SmtpSink, free_port

from bot.cli import main
from bot.config import ChannelConfig
from bot.notify.email import Email
from bot.notify.slack import Slack
from bot.outbox import MAX_ATTEMPTS

ALERTED = ("Clearview AI Facial Recognition Licenses - Justification and Approval",
           "Facial Recognition Software Licenses")
SLACK = """
[channels.team]
kind = "slack"
channel = "C0PROCWATCH"
base_url = "{base}"
token_env = "SLACK_BOT_TOKEN"
watchlists = ["surveillance"]
"""
MAIL = """
[channels.mail]
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {port}
smtp_security = "none"
from = "alerts@example.org"
subscribers = [{{ address = "ana@example.org", watchlists = ["surveillance"], deliver = "instant" }}]
"""


def outbox(tmp_path) -> list[dict]:
    db = sqlite3.connect(tmp_path / "state" / "procwatch.db")
    db.row_factory = sqlite3.Row
    return [dict(r) for r in db.execute("select * from outbox where channel != 'console' order by id")]


def at(minutes: float):
    return lambda: NOW + timedelta(minutes=minutes)


def app_with(make_app, httpserver, tmp_path, channel_toml: str, channel, minutes: float = 0):
    """An App on the SAM fake whose only channel is `channel` (built by the test, fakes injected)."""
    text = CONFIG.format(db=tmp_path / "state" / "procwatch.db", base=httpserver.url_for("").rstrip("/"),
                         source_extra="").replace('[channels.console]\nkind = "console"\nwatchlists = ["surveillance"]\n',
                                                  "") + channel_toml
    app = make_app(text=text, clock=at(minutes))
    app.channels = [channel]
    return app


def status_lines(tmp_path, capsys) -> str:
    capsys.readouterr()
    main(["--config", str(tmp_path / "feeds.toml"), "status"])
    return capsys.readouterr().out


def check_recovery(tmp_path, make_app, deliver_at, delivered) -> None:
    """After one failed send: queued with backoff and the error; later delivered, each notice once."""
    rows = outbox(tmp_path)
    assert len(rows) == 2 and all(r["state"] == "pending" and r["attempts"] == 1 and r["last_error"] for r in rows)
    assert all(r["next_attempt_at"] > NOW.isoformat() for r in rows)  # backed off, not hammered
    assert delivered() == []
    for minutes in range(10, 60, 10):  # later polls; a stalled fake may still hold the first one or two
        deliver_at(minutes)()
        if {r["state"] for r in outbox(tmp_path)} == {"sent"}:
            break
    assert {r["state"] for r in outbox(tmp_path)} == {"sent"}
    texts = delivered()
    assert all(sum(title in t for t in texts) == 1 for title in ALERTED), texts  # in one message each


def check_dead(tmp_path, deliver_at, capsys) -> None:
    """A channel that never works: attempts grow with backoff until dead, and status says so."""
    due = []
    for hour in range(1, 2 * MAX_ATTEMPTS):
        due.append(outbox(tmp_path)[0]["next_attempt_at"])
        deliver_at(60 * hour)()
    rows = outbox(tmp_path)
    assert all(r["state"] == "dead" and r["attempts"] == MAX_ATTEMPTS for r in rows), rows
    assert due == sorted(due) and len(set(due)) > 3
    out = status_lines(tmp_path, capsys)
    assert out.count("dead: sam:aa00000000000000000000000000000") == 2


# -- Slack -------------------------------------------------------------------------------------------

SLACK_FAULTS = {
    "429": (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "120"}),
    "500": (500, {"ok": False, "error": "internal_error"}, {}),
    "invalid_auth": (200, {"ok": False, "error": "invalid_auth"}, {}),
    "msg_too_long": (200, {"ok": False, "error": "msg_too_long"}, {}),
    "timeout": 0.4,  # the fake stalls this long; the channel gives up after 0.1 s
}


def slack_channel(fake):
    config = ChannelConfig("team", "slack", ("surveillance",), "instant",
                           {"channel": "C0PROCWATCH", "base_url": fake.base_url, "timeout": 0.1},
                           {"token": SLACK_TOKEN})
    return Slack(config, sleep=lambda s: None)


@pytest.mark.parametrize("fault", SLACK_FAULTS)
@pytest.mark.parametrize("persistent", [False, True], ids=["recovers", "never"])
def test_slack_fault_loses_nothing(fault, persistent, make_app, fake_sam, fake_slack, httpserver, tmp_path, capsys):
    if persistent and fault == "timeout":
        fake_slack.script = [SLACK_FAULTS[fault]] * (MAX_ATTEMPTS + 2)
    else:
        fake_slack.script = [SLACK_FAULTS[fault]] * ((MAX_ATTEMPTS + 2) * 3 if persistent else 3)
    toml = SLACK.format(base=fake_slack.base_url)
    make = lambda minutes: app_with(make_app, httpserver, tmp_path, toml, slack_channel(fake_slack), minutes)  # noqa: E731
    assert make(0).once() == 2  # the delivery failed: exit 2, rows kept
    deliver_at = lambda minutes: make(minutes).deliver  # noqa: E731
    if persistent:
        check_dead(tmp_path, deliver_at, capsys)
        assert fake_slack.main_posts() == []
    else:
        fake_slack.script = []
        check_recovery(tmp_path, make_app, deliver_at,
                       lambda: [fake_slack.text_of(p) for p in fake_slack.main_posts()])


# -- SMTP --------------------------------------------------------------------------------------------

class Refusing(SmtpSink):
    """An SMTP server that answers DATA with `reply` while it is set."""

    def __init__(self):
        super().__init__()
        self.reply = None

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller
    sink = Refusing()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.sink = sink
    yield controller
    controller.stop()


@contextmanager
def dead_port(listen: bool):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        if listen:
            sock.listen(8)  # accepts and never greets: a timeout
        port = sock.getsockname()[1]
        if not listen:
            sock.close()  # refused
        yield port


def email_channel(port: int, security: str = "none") -> Email:
    opts = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": security, "from": "alerts@example.org",
            "reply_to": "", "unsubscribe": "", "timeout": 0.3,
            "subscribers": [{"address": "ana@example.org", "watchlists": ["surveillance"], "deliver": "instant"}]}
    return Email(ChannelConfig("mail", "email", ("surveillance",), "instant", opts, {}))


SMTP_FAULTS = ["refused", "4xx", "5xx", "timeout", "TLS failure"]


@pytest.mark.parametrize("fault", SMTP_FAULTS)
@pytest.mark.parametrize("persistent", [False, True], ids=["recovers", "never"])
def test_smtp_fault_loses_nothing(fault, persistent, make_app, fake_sam, smtp, httpserver, tmp_path, capsys):
    if persistent and fault == "timeout":
        pytest.skip("eight real 0.3 s connection timeouts; the recovering case covers timeouts")
    toml = MAIL.format(port=smtp.port)
    with dead_port(listen=fault == "timeout") as port:
        broken = {"refused": email_channel(port), "timeout": email_channel(port),
                  "TLS failure": email_channel(smtp.port, "starttls")}.get(fault, email_channel(smtp.port))
        smtp.sink.reply = {"4xx": "451 4.3.0 Mailbox busy, try later", "5xx": "554 5.7.1 Rejected"}.get(fault)
        make = lambda minutes, channel=broken: app_with(make_app, httpserver, tmp_path, toml, channel, minutes)  # noqa: E731
        assert make(0).once() == 2  # the delivery failed: exit 2, rows kept
        if persistent:
            check_dead(tmp_path, lambda minutes: make(minutes).deliver, capsys)
            assert smtp.sink.messages == []
            return
    smtp.sink.reply = None  # the relay works again
    check_recovery(tmp_path, make_app, lambda minutes: make(minutes, email_channel(smtp.port)).deliver,
                   lambda: [m.get_body(("plain",)).get_content() for _, m in smtp.sink.messages])
