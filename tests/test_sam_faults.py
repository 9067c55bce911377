"""Source faults: the bot keeps running, says what failed, loses nothing and alerts nothing twice."""

from __future__ import annotations

import socket
import sqlite3
from datetime import timedelta

import pytest
from conftest import NOW, FakeSam
from werkzeug import Response

SEARCH = "/opportunities/v2/search"
FAULTS = {
    "500": (lambda: Response("upstream exploded", status=500), "HTTP 500"),
    "429": (lambda: Response("slow down", status=429, headers={"Retry-After": "1500"}), "rate limited"),  # over by the next poll
    "malformed json": (lambda: Response('{"totalRecords": 3, "opportunitiesData": [', content_type="application/json"),
                       "malformed JSON"),
    "html with 200": (lambda: Response("<!DOCTYPE html><html><title>Maintenance</title></html>",
                                       content_type="text/html"), "got an HTML/XML page"),
    "overflowing number": (lambda: Response('{"totalRecords": 1e9999, "opportunitiesData": {}}',
                                            content_type="application/json"), "without opportunitiesData"),
}


def health(tmp_path) -> dict:
    db = sqlite3.connect(tmp_path / "state" / "procwatch.db")
    db.row_factory = sqlite3.Row
    return dict(db.execute("select * from source_health where source = 'sam'").fetchone())


def with_base_url(app, url: str) -> str:
    """The app's config text pointing its SAM source somewhere else."""
    text = open(app.config.path).read()
    return text.replace(f'base_url = "{app.config.sources["sam"].base_url}"', f'base_url = "{url}"')


def cursors(tmp_path) -> int:
    return sqlite3.connect(tmp_path / "state" / "procwatch.db").execute("select count(*) from cursors").fetchone()[0]


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_recorded_cursor_kept_and_recovery_alerts_once(fault, make_app, httpserver, sam_rows,
                                                                 tmp_path, capsys, caplog):
    respond, message = FAULTS[fault]
    httpserver.expect_oneshot_request(SEARCH).respond_with_handler(lambda request: respond())
    assert make_app().once() == 2
    assert message in caplog.text and "sam: FAILED" in caplog.text
    state = health(tmp_path)
    assert state["consecutive_failures"] == 1 and message in state["last_error"]
    assert cursors(tmp_path) == 0
    assert capsys.readouterr().out == ""
    FakeSam(httpserver, sam_rows)  # the source recovers
    assert make_app(clock=lambda: NOW + timedelta(minutes=30)).once() == 0
    assert capsys.readouterr().out.count("1. Clearview AI Facial Recognition Licenses") == 1
    assert health(tmp_path)["consecutive_failures"] == 0 and cursors(tmp_path) == 1
    make_app(clock=lambda: NOW + timedelta(hours=1)).once()
    assert capsys.readouterr().out == ""


def test_500_is_retried_before_failing(make_app, httpserver, sam_rows, capsys):
    httpserver.expect_oneshot_request(SEARCH).respond_with_data("busy", status=503)
    FakeSam(httpserver, sam_rows)
    assert make_app().once() == 0  # the retry got the page
    assert "Clearview AI Facial Recognition Licenses" in capsys.readouterr().out


def test_short_retry_after_is_honoured_within_the_poll(make_app, httpserver, sam_rows, capsys):
    httpserver.expect_oneshot_request(SEARCH).respond_with_data("", status=429, headers={"Retry-After": "2"})
    FakeSam(httpserver, sam_rows)
    assert make_app().once() == 0
    assert "Clearview AI" in capsys.readouterr().out


def test_timeout_is_one_clear_line(make_app, tmp_path, caplog):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        app = make_app(text=with_base_url(make_app(), f"http://127.0.0.1:{port}"), timeout=0.2)
        assert app.once() == 2
    assert f"timed out after 0.2s waiting for http://127.0.0.1:{port}/opportunities/v2/search" in caplog.text
    assert "Traceback" not in caplog.text
    assert health(tmp_path)["consecutive_failures"] == 1


def test_one_failing_source_does_not_stop_the_others(make_app, fake_sam, tmp_path, capsys, caplog):
    app = make_app()
    body = open(app.config.path).read().replace("[watchlists.surveillance]", """[sources.dead]
kind = "sam_opportunities"
base_url = "http://127.0.0.1:9"
api_key_env = "SAM_API_KEY"

[watchlists.surveillance]""")
    assert make_app(text=body).once() == 2
    assert "dead: FAILED: cannot reach http://127.0.0.1:9/opportunities/v2/search" in caplog.text
    assert "Clearview AI Facial Recognition Licenses" in capsys.readouterr().out
