"""The Apprise channel (issue 16 item 7) against a local webhook receiver (Apprise's json:// and form://
URLs to 127.0.0.1): content, mentions made harmless, splitting and pacing, failures kept in the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import CONFIG, NOW
from test_slack import item
from werkzeug import Response

from bot.cli import main
from bot.config import ChannelConfig
from bot.digest import Digest
from bot.notify.apprise import Apprise

CHANNEL = """
[channels.hook]
kind = "apprise"
urls_env = "APPRISE_URLS"
watchlists = ["surveillance"]
"""


class Receiver:
    """A webhook endpoint on the test's HTTP server: records each JSON/form post, answers `status`."""

    def __init__(self, httpserver):
        self.posts: list[dict] = []
        self.status = 200
        self.url = httpserver.url_for("/hook").replace("http://", "json://")
        httpserver.expect_request("/hook", method="POST").respond_with_handler(self._post)

    def _post(self, request):
        if self.status != 200:
            return Response("down", status=self.status)
        self.posts.append(request.get_json() if request.is_json else request.form.to_dict())
        return Response("ok")


@pytest.fixture
def hook(httpserver, monkeypatch):
    receiver = Receiver(httpserver)
    monkeypatch.setenv("APPRISE_URLS", receiver.url)
    return receiver


@pytest.fixture
def cli(tmp_path, httpserver, monkeypatch, capsys, fake_sam):
    """procwatch on the standard test config plus an apprise channel, at NOW + at."""
    monkeypatch.setenv("SAM_API_KEY", "test-key-123")
    path = tmp_path / "feeds.toml"
    path.write_text(CONFIG.format(db=tmp_path / "state" / "procwatch.db", base=httpserver.url_for("").rstrip("/"),
                                  source_extra="") + CHANNEL)

    def run(*args, at=timedelta(0)):
        monkeypatch.setattr("bot.clock.utc_now", lambda: NOW + at)
        capsys.readouterr()
        return main(["--config", str(path), *args]), capsys.readouterr().out
    return run


def channel(url: str, sleeps=None, **options) -> Apprise:
    config = ChannelConfig("hook", "apprise", ("surveillance",), "instant",
                           dict(Apprise.OPTIONS, timeout=5.0) | options, {"urls": url})
    now = [0.0]

    def sleep(seconds):
        (sleeps if sleeps is not None else []).append(seconds)
        now[0] += seconds
    return Apprise(config, sleep=sleep, clock=lambda: now[0])


def test_once_delivers_the_digest_to_the_webhook_once(hook, cli):
    assert cli("once")[0] == 0
    [post] = hook.posts
    assert post["title"] == ("procwatch: 2 sole-source notices — HOMELAND SECURITY, DEPARTMENT OF › U.S. CUSTOMS "
                             "AND BORDER PROTECTION: CLEARVIEW AI, INC., $225,000 (+1 more)")
    body = post["message"]
    assert "Clearview AI Facial Recognition Licenses - Justification and Approval" in body
    assert "2 notices · 1 J&A, 1 intent notice · $225,000 in all" in body and "Source:   SAM.gov (sam)" in body
    assert cli("once", at=timedelta(minutes=30))[0] == 0 and len(hook.posts) == 1  # nothing twice


def test_a_failing_webhook_keeps_the_digest_queued_and_visible_then_delivers_it_once(hook, cli):
    hook.status = 500
    assert cli("once")[0] == 2
    code, out = cli("status", "--check", at=timedelta(seconds=5))
    assert code == 1 and "UNHEALTHY: channel hook is failing: Apprise could not deliver part 1 of 1" in out
    hook.status = 200
    assert cli("digest", "hook", at=timedelta(minutes=1))[1].startswith("hook: delivered 2 notices")
    code, out = cli("status", "--check", at=timedelta(minutes=1))
    assert len(hook.posts) == 1 and code == 0, out


def test_the_test_command_posts_a_test_message(hook, cli):
    code, out = cli("test", "hook")
    assert code == 0 and out == "ok: hook: test message delivered\n"
    assert "test message for channel hook" in hook.posts[0]["message"]


def test_mentions_in_notice_text_cannot_ping_anyone(hook):
    evil = item(title="Urgent @everyone <!channel> <@U123> @here", vendor_name="@all ACME")
    assert channel(hook.url).send(Digest("d1", "hook", "", [evil])).ok
    body = hook.posts[0]["message"]
    for mention in ("@everyone", "<!channel>", "<@U123>", "@here", "@all"):
        assert mention not in body
    assert "@\u200beveryone" in body and "<\u200b!channel>" in body


def test_a_long_digest_is_split_within_max_chars_and_paced(hook):
    sleeps = []
    items = [item(n, description="x") for n in range(1, 40)]
    result = channel(hook.url, sleeps, max_chars=2000).send(Digest("d1", "hook", "", items))
    assert result.ok
    assert len(hook.posts) >= 3 and all(len(p["message"]) <= 2000 for p in hook.posts)
    assert [p["title"][-6:] for p in hook.posts] == [f"({n}/{len(hook.posts)})"[-6:] for n in range(1, len(hook.posts) + 1)]
    text = "\n".join(p["message"] for p in hook.posts)
    assert all(f"/aa{n:030d}/view" in text for n in range(1, 40))  # every notice, in some part
    assert sleeps and all(s == pytest.approx(1.0) for s in sleeps) and len(sleeps) == len(hook.posts) - 1


def test_form_urls_and_unknown_schemes(httpserver):
    receiver = Receiver(httpserver)
    form = receiver.url.replace("json://", "form://")
    assert channel(form).send(Digest("d1", "hook", "", [item()])).ok
    assert "Clearview AI" in receiver.posts[0]["message"]
    result = channel("nosuch://x").send(Digest("d1", "hook", "", [item()]))
    assert not result.ok and result.error == "Apprise does not support the URL scheme 'nosuch'"


def test_missing_urls_fall_back_to_the_console(cli, monkeypatch):
    monkeypatch.delenv("APPRISE_URLS", raising=False)
    code, out = cli("check")
    assert code == 0 and "channel  hook (console)" in out


def test_bad_options_are_config_errors():
    problems = Apprise.check_options(dict(Apprise.OPTIONS, max_chars=10, pace=-1))
    assert [k for k, _ in problems] == ["max_chars", "pace"]
