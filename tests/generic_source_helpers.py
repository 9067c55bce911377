"""Helpers shared by the CanadaBuys, feed and page tests: a full config, health and cursor reads,
and the fault drill every source must pass (one clear error, cursor kept, recovery alerts once)."""

from __future__ import annotations

import hashlib
import json
import socket
import sqlite3
from contextlib import contextmanager
from datetime import timedelta

from conftest import NOW
from werkzeug import Response

WATCH = """
[watchlists.surveillance]
vendors = ["Clearview AI", "Cellebrite", "IDEMIA"]
keywords = ["facial recognition", "reconnaissance faciale", "videosurveillance"]

[channels.console]
kind = "console"
watchlists = ["surveillance"]
"""

# Responses every source must survive: (make response, words the recorded error must contain).
HTTP_FAULTS = {
    "500": (lambda: Response("upstream exploded", status=500), "HTTP 500"),
    "429": (lambda: Response("slow down", status=429, headers={"Retry-After": "1500"}), "rate limited"),  # over by the next poll
    "html with 200": (lambda: Response("<!DOCTYPE html><html><head><title>Maintenance</title></head>"
                                       "<body><h1>Down for maintenance</h1></body></html>",
                                       content_type="text/html"), "Maintenance"),
}


def config(tmp_path, source: str) -> str:
    """A whole feeds.toml: the given `[sources.x]` table, the surveillance watchlist, the console."""
    return f'[bot]\ndatabase = "{tmp_path / "state" / "procwatch.db"}"\nfirst_run_alert_days = 7\n' \
           f'contact = "tests@example.org"\n\n{source.strip()}\n{WATCH}'


def db(tmp_path) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path / "state" / "procwatch.db")
    conn.row_factory = sqlite3.Row
    return conn


def health(tmp_path, name: str) -> dict:
    row = db(tmp_path).execute("select * from source_health where source = ?", (name,)).fetchone()
    return dict(row) if row else {}


def cursor(tmp_path, name: str):
    row = db(tmp_path).execute("select cursor from cursors where source = ?", (name,)).fetchone()
    return json.loads(row[0]) if row else None


@contextmanager
def silent_port():
    """A port that accepts connections and never answers (a stalled server)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        yield silent.getsockname()[1]


def fault_drill(make_app, text: str, name: str, tmp_path, capsys, caplog, message: str,
                serve_good, alert_line: str) -> None:
    """After a failed poll (already arranged): error recorded, no cursor, no output; the next good
    poll prints `alert_line` exactly once and the one after prints nothing."""
    assert make_app(text=text).once() == 2
    assert f"{name}: FAILED" in caplog.text and message in caplog.text
    state = health(tmp_path, name)
    assert state["consecutive_failures"] == 1 and message in state["last_error"]
    assert cursor(tmp_path, name) is None
    assert capsys.readouterr().out == ""
    serve_good()
    assert make_app(text=text, clock=lambda: NOW + timedelta(minutes=30)).once() == 0
    assert capsys.readouterr().out.count(alert_line) == 1
    assert health(tmp_path, name)["consecutive_failures"] == 0 and cursor(tmp_path, name) is not None
    make_app(text=text, clock=lambda: NOW + timedelta(hours=1)).once()
    assert capsys.readouterr().out == ""


class ConditionalServer:
    """One URL served with an ETag (304 when the client sends it back); swap `body` between polls."""

    def __init__(self, server, path: str, body: bytes, content_type: str):
        self.body, self.content_type, self.requests = body, content_type, []
        server.expect_request(path).respond_with_handler(self._serve)

    def _serve(self, request):
        self.requests.append(request)
        etag = '"%s"' % hashlib.sha1(self.body).hexdigest()[:12]
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(self.body, headers={"ETag": etag}, content_type=self.content_type)
