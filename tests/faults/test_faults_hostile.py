"""Hostile content end to end: a poisoned record from the source reaches every channel inert and bounded.

One `procwatch once` against a local SAM.gov whose J&A record carries Slack mention and link
injection, HTML/script, CR/LF header injection, terminal control sequences and a 1 MB title, and
whose description (fetched) carries more of the same. The console (captured stdout), Slack (a
local fake Web API) and email (a real local SMTP server) each get the digest. What a person sees
must show the text, never act on it, and stay small.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import CONFIG, SLACK_TOKEN

MB = 1_000_000
EVIL_TITLE = ("Clearview AI licences <!channel> <!here|here> @everyone <@U0ADMIN> "
              "<https://evil.example/phish|Click to verify> <script>alert(1)</script> & co\r\n"
              "Bcc: victim@example.net\r\nX-Injected: yes\x1b[2J\x1b]0;owned\x07\x00\u202e"
              + "A" * MB)
EVIL_VENDOR = "CLEARVIEW AI, INC.\r\nBcc: victim2@example.net <img src=x onerror=alert(2)>\x1b[31m"
EVIL_DESCRIPTION = ("<p>The Government intends to award a sole source contract under FAR 6.302-1 to "
                    "<b>Clearview AI</b>. <!channel> <https://evil.example|login> "
                    "<script>document.location='https://evil.example'</script>\x1b[2J</p>" + "B" * MB)

CHANNELS = """
[channels.team]
kind = "slack"
channel = "C0PROCWATCH"
base_url = "{slack}"
token_env = "SLACK_BOT_TOKEN"
watchlists = ["surveillance"]

[channels.mail]
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp}
smtp_security = "none"
from = "alerts@example.org"
subscribers = [{{ address = "ana@example.org", watchlists = ["surveillance"], deliver = "instant" }}]
"""


@pytest.fixture
def poisoned(fake_sam, sam_rows):
    """The CBP J&A for Clearview AI with every hostile field; its description poisoned too."""
    row = sam_rows[0]
    row["title"] = EVIL_TITLE
    row["award"]["awardee"]["name"] = EVIL_VENDOR
    fake_sam.descriptions[row["noticeId"]] = (200, json.dumps({"description": EVIL_DESCRIPTION}),
                                              "application/json")
    return fake_sam


@pytest.fixture
def delivered(poisoned, fake_slack, smtp_server, make_app, tmp_path, capsys, httpserver):
    text = CONFIG.format(db=tmp_path / "state" / "procwatch.db", base=httpserver.url_for("").rstrip("/"),
                         source_extra="") + CHANNELS.format(slack=fake_slack.base_url, smtp=smtp_server.port)
    assert make_app(text=text).once() == 0
    return capsys.readouterr().out, fake_slack, smtp_server.sink.messages


def test_console_shows_the_text_without_terminal_control_and_bounded(delivered):
    out, _, _ = delivered
    assert "Clearview AI licences" in out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", out)  # no ESC, BEL, NUL, CR, bidi override
    assert len(out) < 50_000  # two 1 MB fields became a readable digest


def test_slack_cannot_ping_or_forge_links_and_stays_within_limits(delivered):
    _, slack, _ = delivered
    posts = slack.main_posts()
    assert posts and all(p["channel"] == "C0PROCWATCH" for p in posts)
    for post in posts:
        text = slack.text_of(post)
        assert "<!channel>" not in text and "<!here" not in text and "<@U0ADMIN>" not in text
        assert "<https://evil.example" not in text  # a notice cannot make a link of its own
        assert "&lt;!channel&gt;" in text or "Clearview AI licences" in text
        assert "<script>" not in text
        assert len(post["blocks"]) <= 50 and len(json.dumps(post)) < 40_000
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e]", json.dumps(post, ensure_ascii=False))
    assert sum(len(slack.text_of(p)) for p in posts) < 60_000


def test_email_headers_cannot_be_injected_and_html_is_inert_and_bounded(delivered):
    _, _, messages = delivered
    [(rcpt, msg)] = messages
    assert rcpt == ["ana@example.org"]  # no Bcc smuggled into the envelope
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    for name, value in msg.items():
        assert "\r" not in value and "\n" not in str(value).replace("\n ", ""), name
    html = msg.get_body(("html",)).get_content()
    plain = msg.get_body(("plain",)).get_content()
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert "Clearview AI licences" in html and "Clearview AI licences" in plain
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e]", plain + html)
    assert len(msg.as_bytes()) < 200_000

