"""Shared test helpers: a fake SAM.gov on pytest-httpserver, config files, a fixed clock."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from werkzeug import Response

from bot.app import App
from bot.config import load
from bot.http import Http

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 10, 2, 12, 0, tzinfo=timezone.utc)


def fixture_bytes(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes()


def fixture_json(*parts: str):
    return json.loads(fixture_bytes(*parts))


class FakeSam:
    """SAM.gov's search and noticedesc endpoints answering from fixture data, recording requests."""

    def __init__(self, server, rows: list[dict]):
        self.server, self.rows = server, rows
        self.descriptions: dict[str, tuple[int, str, str]] = {}
        self.searches: list[dict] = []
        self.queries: list[str] = []  # the raw query strings, to check repeated parameters
        self.detail_requests: list[str] = []
        server.expect_request("/opportunities/v2/search").respond_with_handler(self._search)
        server.expect_request("/prod/opportunities/v1/noticedesc").respond_with_handler(self._detail)

    def _search(self, request):
        self.queries.append(request.query_string.decode())
        args = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        self.searches.append(args)
        offset, limit = int(args.get("offset", 0)), int(args.get("limit", 1))
        start, end = (_iso(args[k]) for k in ("postedFrom", "postedTo"))
        rows = [r for r in self.rows if start <= r["postedDate"][:10] <= end]
        page = rows[offset:offset + limit]
        body = {"totalRecords": len(rows), "limit": limit, "offset": offset, "opportunitiesData": page}
        return Response(json.dumps(body), content_type="application/json")

    def _detail(self, request):
        notice_id = parse_qs(request.query_string.decode())["noticeid"][0]
        self.detail_requests.append(notice_id)
        status, body, ctype = self.descriptions.get(notice_id, (404, '{"message":"Description Not Found"}',
                                                                  "application/json"))
        return Response(body, status=status, content_type=ctype)


def _iso(us_date: str) -> str:
    month, day, year = us_date.split("/")
    return f"{year}-{month}-{day}"


@pytest.fixture
def sam_rows():
    page = fixture_json("sam_opportunities", "synthetic_sam_opportunities_justification_ptype_u_window.json")
    return page["opportunitiesData"]


@pytest.fixture
def fake_sam(httpserver, sam_rows):
    sam = FakeSam(httpserver, sam_rows)
    sam.descriptions["aa000000000000000000000000000002"] = (
        200, fixture_bytes("sam_opportunities", "synthetic_noticedesc_json_intent_ice_clearview.json").decode(),
        "application/json")
    sam.descriptions["aa000000000000000000000000000003"] = (
        200, fixture_bytes("sam_opportunities", "synthetic_noticedesc_html_not_sole_source.html").decode(),
        "text/html")
    return sam


CONFIG = """
[bot]
database = "{db}"
first_run_alert_days = 7
contact = "tests@example.org"

[sources.sam]
kind = "sam_opportunities"
every = "30m"
base_url = "{base}"
api_key_env = "SAM_API_KEY"
{source_extra}

[watchlists.surveillance]
vendors = ["Clearview AI", "Palantir", "Cellebrite"]
keywords = ["facial recognition", "biometric"]
agencies = ["CBP", "ICE"]

[channels.console]
kind = "console"
watchlists = ["surveillance"]
"""


@pytest.fixture
def make_app(tmp_path, httpserver, monkeypatch):
    """Build an App on a config pointing at the local server; `clock` fixed unless given."""
    monkeypatch.setenv("SAM_API_KEY", "test-key-123")

    def make(source_extra: str = "", clock=lambda: NOW, text: str | None = None, timeout: float = 2) -> App:
        path = tmp_path / "feeds.toml"
        base = httpserver.url_for("").rstrip("/")
        path.write_text(text or CONFIG.format(db=tmp_path / "state" / "procwatch.db", base=base,
                                              source_extra=source_extra))
        return App(load(str(path)), Http(contact="tests@example.org", timeout=timeout, sleep=lambda s: None),
                   clock=clock)

    return make


# -- delivery fakes: a local Slack Web API and a real SMTP server (aiosmtpd) ------------------------

SLACK_TOKEN = "xoxb-test-token"


class FakeSlack:
    """Slack's Web API as the bot uses it: chat.postMessage, conversations.history/replies.

    Checks the bearer token, records every accepted post (with its fake-clock time when `clock`
    is set), and answers from `script` first: (status, json body, headers) or a number of
    seconds to stall (a timeout). `lose_next` accepts a post but fails the answer (a lost
    confirmation).
    """

    def __init__(self, server):
        self.posts: list[dict] = []
        self.script: list = []
        self.lose_next = 0
        self.clock = None
        self.times: list[float] = []
        self.base_url = server.url_for("/api/")
        self.member = True  # conversations.info: whether the app is in the channel
        server.expect_request("/api/auth.test").respond_with_handler(self._auth)
        server.expect_request("/api/conversations.info").respond_with_handler(self._info)
        server.expect_request("/api/chat.postMessage", method="POST").respond_with_handler(self._post)
        server.expect_request("/api/conversations.history").respond_with_handler(self._history)
        server.expect_request("/api/conversations.replies").respond_with_handler(self._replies)

    def _json(self, body, status=200, headers=None):
        return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")

    def _auth(self, request):
        if request.headers.get("Authorization") != f"Bearer {SLACK_TOKEN}":
            return self._json({"ok": False, "error": "invalid_auth"})
        return self._json({"ok": True, "team": "Watchdog", "user": "procwatch", "bot_id": "B0PROCWATCH"})

    def _info(self, request):
        if request.values.get("channel") != "C0PROCWATCH":
            return self._json({"ok": False, "error": "channel_not_found"})
        return self._json({"ok": True, "channel": {"id": "C0PROCWATCH", "name": "alerts", "is_member": self.member}})

    def _post(self, request):
        if request.headers.get("Authorization") != f"Bearer {SLACK_TOKEN}":
            return self._json({"ok": False, "error": "invalid_auth"})
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, (int, float)):
                import time
                time.sleep(step)  # the fake server stalls; the client's timeout fires
                return self._json({"ok": False, "error": "late"})
            status, body, headers = step
            return self._json(body, status, headers)
        payload = request.get_json()
        ts = f"{1790000000 + len(self.posts)}.000100"
        self.posts.append(dict(payload, ts=ts))
        if self.clock is not None:
            self.times.append(self.clock())
        if self.lose_next:
            self.lose_next -= 1
            return Response("<html>502 Bad Gateway</html>", status=502, content_type="text/html")
        return self._json({"ok": True, "channel": payload["channel"], "ts": ts})

    def _view(self, post, with_metadata):
        msg = {"type": "message", "ts": post["ts"], "text": post["text"]}
        if post.get("thread_ts"):
            msg["thread_ts"] = post["thread_ts"]
        if with_metadata and post.get("metadata"):
            msg["metadata"] = post["metadata"]
        return msg

    def _history(self, request):
        meta = request.values.get("include_all_metadata") in ("1", "true", "True")
        messages = [self._view(p, meta) for p in reversed(self.posts) if not p.get("thread_ts")]
        return self._json({"ok": True, "messages": messages, "has_more": False})

    def _replies(self, request):
        meta = request.values.get("include_all_metadata") in ("1", "true", "True")
        ts = request.values["ts"]
        thread = [p for p in self.posts if p["ts"] == ts or p.get("thread_ts") == ts]
        return self._json({"ok": True, "messages": [self._view(p, meta) for p in thread], "has_more": False})

    def main_posts(self) -> list[dict]:
        return [p for p in self.posts if not p.get("thread_ts")]

    def text_of(self, post: dict) -> str:
        """Everything a reader sees in a post: the fallback text and every block's text."""
        parts = [post["text"]]
        for block in post.get("blocks", []):
            if "text" in block:
                parts.append(block["text"]["text"])
            parts += [e.get("text", "") for e in block.get("elements", [])]
        return "\n".join(parts)


@pytest.fixture
def fake_slack(httpserver, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    return FakeSlack(httpserver)


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (aiosmtpd's Controller cannot take port 0: aiosmtpd#388)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """aiosmtpd handler keeping every message it accepts, parsed, with its envelope recipients."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1: `.port`, `.sink.messages`; stopped after the test."""
    from aiosmtpd.controller import Controller
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.sink = sink
    yield controller
    controller.stop()
