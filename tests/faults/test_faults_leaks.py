"""Issue 14 items 1, 2, 4: the API key never leaks, never leaves its host, and a Retry-After holds
across polls. Each test plays the remote against a local server and reads what a user would see:
the health table, `status` (text and JSON), operator alerts, the log and the outbox."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote, quote_plus

import pytest
from conftest import CONFIG, NOW
from pytest_httpserver import HTTPServer
from werkzeug import Response

from bot import outbox
from bot.app import App
from bot.commands import status
from bot.config import load
from bot.http import Http
from bot.store import Database

SEARCH = "/opportunities/v2/search"
KEY = "Sk/9+Tz=ab&c%d\"q"  # characters that change under every encoding


def app_with_key(tmp_path, httpserver, monkeypatch, clock=lambda: NOW, extra: str = "") -> App:
    monkeypatch.setenv("SAM_API_KEY", KEY)
    path = tmp_path / "feeds.toml"
    path.write_text(CONFIG.format(db=tmp_path / "state" / "procwatch.db", base=httpserver.url_for("").rstrip("/"),
                                  source_extra=extra) + "\n[channels.ops]\nkind = \"console\"\noperator = true\n"
                    "watchlists = []\n")
    return App(load(str(path)), Http(timeout=2, sleep=lambda s: None), clock=clock)


def health(tmp_path) -> dict:
    db = sqlite3.connect(tmp_path / "state" / "procwatch.db")
    db.row_factory = sqlite3.Row
    return dict(db.execute("select * from source_health where source = 'sam'").fetchone())


def status_text(app: App, now=NOW, **flags) -> str:
    out = io.StringIO()
    status.main(SimpleNamespace(json=flags.get("json", False), check=False), app.config, out, now=now)
    return out.getvalue()


ECHOES = {
    "raw in JSON": lambda: json.dumps({"error": f"key {KEY} is not valid"}),
    "percent-encoded": lambda: f"<html><body>bad request: /search?key={quote(KEY, safe='')}</body></html>",
    "form-encoded": lambda: f"denied {quote_plus(KEY)}",
    "re-encoded as a log line": lambda: f"GET /search?api_key={quote(KEY, safe='/' + chr(34))}",
    "upper-case percent": lambda: f"denied {quote(KEY, safe='').lower()}",
    "base64": lambda: f"Authorization: Basic {base64.b64encode(KEY.encode()).decode()}",
    "HTML-escaped": lambda: f"<p>unknown key {KEY.replace('&', '&amp;').replace(chr(34), '&quot;')}</p>",
}


@pytest.mark.parametrize("echo", ECHOES)
def test_a_key_echoed_in_any_form_is_masked_everywhere(echo, tmp_path, httpserver, monkeypatch, capsys, caplog):
    httpserver.expect_request(SEARCH).respond_with_response(Response(ECHOES[echo](), status=400))
    app = app_with_key(tmp_path, httpserver, monkeypatch, extra="failures_before_alert = 1")
    assert app.once() == 2
    forms = {KEY, quote(KEY, safe=""), quote_plus(KEY), quote(KEY, safe='/"'),
             base64.b64encode(KEY.encode()).decode().rstrip("=")}
    seen = {"health": json.dumps(health(tmp_path)), "status": status_text(app),
            "status --json": status_text(app, json=True), "console and operator alert": capsys.readouterr().out,
            "log": "\n".join(r.getMessage() for r in caplog.records if r.name == "procwatch")}
    assert "HTTP 400" in seen["health"] and "***" in seen["health"]  # the error is still there, masked
    assert "PROBLEM sam" in seen["log"]  # the operator alert went out
    for where, text in seen.items():
        for form in forms:
            assert form.lower() not in text.lower(), f"{form!r} leaked into {where}"


def test_a_channel_error_echoing_a_secret_is_masked_in_the_outbox(tmp_path, monkeypatch):
    from bot import redact
    redact.register("xoxb-secret-token-42")
    db = Database(str(tmp_path / "t.db"))
    outbox.enqueue(db, "slack", "", "sam:1", 1, ["w"], {}, {}, NOW.isoformat())
    digest_id, _ = outbox.claim(db, "slack", "", NOW.isoformat())
    outbox.mark_failed(db, digest_id, "invalid_auth for token xoxb-secret-token-42", NOW.isoformat())
    assert db.rows("select last_error from outbox")[0]["last_error"] == "invalid_auth for token ***"


# -- redirects ------------------------------------------------------------------------------------

@pytest.fixture
def elsewhere():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def test_a_redirect_to_another_host_is_refused_and_the_key_stays_home(tmp_path, httpserver, elsewhere,
                                                                     monkeypatch):
    target = elsewhere.url_for(SEARCH) + "?stolen=1"
    httpserver.expect_request(SEARCH).respond_with_response(Response("", status=302, headers={"Location": target}))
    elsewhere.expect_request(SEARCH).respond_with_json({"totalRecords": 0, "opportunitiesData": []})
    app = app_with_key(tmp_path, httpserver, monkeypatch)
    assert app.once() == 2  # the poll failed: it did not "succeed" from the foreign host
    assert elsewhere.log == []  # not one request, so not one key, reached the other port
    error = health(tmp_path)["last_error"]
    assert f"refused a redirect from {httpserver.url_for(SEARCH)} to {elsewhere.url_for(SEARCH)}" in error
    assert "stolen" not in error and KEY not in error


def test_a_redirect_within_the_same_host_is_followed(tmp_path, httpserver, monkeypatch):
    httpserver.expect_request(SEARCH).respond_with_response(Response("", status=301, headers={
        "Location": "/v3/search"}))
    httpserver.expect_request("/v3/search").respond_with_json({"totalRecords": 0, "opportunitiesData": []})
    assert app_with_key(tmp_path, httpserver, monkeypatch).once() == 0
    assert [r.path for r, _ in httpserver.log][-1:] == ["/v3/search"]


def test_a_host_the_source_lists_may_be_redirected_to(httpserver, elsewhere):
    elsewhere.expect_request("/moved").respond_with_data("here")
    httpserver.expect_request("/old").respond_with_response(Response("", status=307, headers={
        "Location": elsewhere.url_for("/moved").replace("127.0.0.1", "localhost")}))
    http = Http(timeout=2).for_source("s", redirect_hosts=["localhost"])
    assert http.request("GET", httpserver.url_for("/old").replace("localhost", "127.0.0.1")).body == b"here"


# -- Retry-After kept across polls ---------------------------------------------------------------

def test_retry_after_holds_every_later_poll_until_the_time_it_names(tmp_path, httpserver, monkeypatch, caplog):
    httpserver.expect_oneshot_request(SEARCH).respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "120"}))
    httpserver.expect_request(SEARCH).respond_with_json({"totalRecords": 0, "opportunitiesData": []})
    clock = SimpleNamespace(now=NOW)
    app = app_with_key(tmp_path, httpserver, monkeypatch, clock=lambda: clock.now)
    assert app.once() == 2 and len(httpserver.log) == 1
    for seconds in (1, 3, 60, 119):  # the audit saw the next request 1-3 s later
        clock.now = NOW + timedelta(seconds=seconds)
        assert app.once() == 0  # a skipped poll is not a failure (tests/faults/test_faults_rate_limit.py)
        assert len(httpserver.log) == 1, f"a request was sent {seconds}s after Retry-After: 120"
    assert health(tmp_path)["consecutive_failures"] == 1
    assert "rate limited until 2026-10-02 12:02" in status_text(app, now=clock.now)
    clock.now = NOW + timedelta(seconds=121)
    assert app.once() == 0 and len(httpserver.log) == 2
    assert "rate limited until" not in status_text(app, now=clock.now)


def test_retry_after_survives_a_restart(tmp_path, httpserver, monkeypatch):
    httpserver.expect_oneshot_request(SEARCH).respond_with_response(
        Response("", status=429, headers={"Retry-After": "3600"}))
    app_with_key(tmp_path, httpserver, monkeypatch).once()
    fresh = app_with_key(tmp_path, httpserver, monkeypatch, clock=lambda: NOW + timedelta(minutes=30))
    assert fresh.once() == 0 and len(httpserver.log) == 1  # skipped, not failed
    assert "rate limited until 2026-10-02 13:00" in status_text(fresh, now=NOW + timedelta(minutes=30))
