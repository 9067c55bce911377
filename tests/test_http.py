"""The shared HTTP client: size cap, Retry-After, error pages and odd JSON become clear errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from werkzeug import Response as WResponse

from bot.errors import RetryLater, SourceError
from bot.http import Http, Response, parse_json, retry_after


def test_user_agent_names_the_bot_and_the_contact(httpserver):
    httpserver.expect_request("/ua").respond_with_handler(lambda r: WResponse(r.headers.get("User-Agent", "")))
    body = Http(contact="watch@example.org").request("GET", httpserver.url_for("/ua")).text()
    assert body.startswith("procwatch/") and "(+watch@example.org)" in body


def test_body_over_the_cap_is_refused(httpserver):
    httpserver.expect_request("/big").respond_with_data(b"x" * 200_000)
    with pytest.raises(SourceError, match="exceeds 100000 bytes"):
        Http(max_bytes=100_000).request("GET", httpserver.url_for("/big"))


def test_long_retry_after_ends_the_poll_with_the_wait(httpserver):
    httpserver.expect_request("/limited").respond_with_data("", status=429, headers={"Retry-After": "600"})
    with pytest.raises(RetryLater) as caught:
        Http(sleep=lambda s: None).request("GET", httpserver.url_for("/limited"))
    assert caught.value.seconds == 600 and "retry after 600s" in str(caught.value)


def test_5xx_is_retried_with_backoff_then_reported(httpserver):
    waits = []
    httpserver.expect_request("/down").respond_with_data("<h1>Service Unavailable</h1>", status=503)
    with pytest.raises(SourceError, match="HTTP 503") as caught:
        Http(retries=2, backoff=1.5, sleep=waits.append).request("GET", httpserver.url_for("/down"))
    assert waits == [1.5, 3.0] and "Service Unavailable" in str(caught.value)


def test_retry_after_reads_seconds_and_http_dates():
    later = datetime.now(timezone.utc) + timedelta(seconds=120)
    assert retry_after({"Retry-After": "7"}, 60) == 7
    assert 100 < retry_after({"retry-after": format_datetime(later, usegmt=True)}, 60) <= 120
    assert retry_after({"Retry-After": "soon"}, 60) == 60 and retry_after({}, 5) == 5


@pytest.mark.parametrize("body, message", [
    (b"<!DOCTYPE html><title>Error</title>", "got an HTML/XML page"),
    (b'{"a": [1, 2', "malformed JSON"),
    (b'{"a": NaN}', "malformed JSON"),
])
def test_bodies_that_are_not_json_are_errors(body, message):
    with pytest.raises(SourceError, match=message):
        parse_json(Response(200, body, {}, "http://127.0.0.1/x?api_key=SECRET"))


def test_overflowing_numbers_are_kept_as_text_not_infinity():
    assert parse_json(Response(200, b'{"amount": 1e9999, "n": 2.5}', {}, "u")) == {"amount": "1e9999", "n": 2.5}


def test_error_messages_never_carry_the_query_string():
    with pytest.raises(SourceError) as caught:
        parse_json(Response(200, b"<html>api_key=SECRET</html>", {}, "http://127.0.0.1/x?api_key=SECRET"))
    assert "SECRET" not in str(caught.value)


STANDARD = dict(parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)),
                parse_float=lambda t: float(t) if float(t) not in (float("inf"), float("-inf")) else t)


@pytest.mark.parametrize("body", [
    b'{"id": 12345678901234567890123, "n": 1}',  # beyond 64 bits: an int, not a rounded float
    b'{"id": 9223372036854775808}',  # 19 digits, just past a signed 64-bit integer
    b"123456789012345678901234",  # a body that is only a long number
    b'{"a": 1, "a": 2}',  # a repeated key: the last one
    "\ufeff{\"title\": \"caf\u00e9\"}".encode("utf-8"),  # a UTF-8 byte-order mark
    '{"title": "Stra\u00dfe"}'.encode("utf-16"),  # another encoding json detects
    b'{"s": "\\ud800"}',  # a lone surrogate escape
    b'{"x": [-1e9999, 1E400, 0.1, -0.0, 1e16]}',
    b'{"deep": ' + b"[" * 500 + b"]" * 500 + b"}",
])
def test_json_bodies_decode_exactly_as_the_standard_decoder_does(body):
    expected = __import__("json").loads(body, **STANDARD)
    got = parse_json(Response(200, body, {}, "u"))
    assert got == expected and repr(got) == repr(expected)


def test_the_fast_decoder_reads_a_recorded_page_as_the_standard_one(tmp_path):
    from pathlib import Path
    for path in sorted((Path(__file__).parent / "fixtures").rglob("*.json")):
        body = path.read_bytes()
        try:
            expected = __import__("json").loads(body, **STANDARD)
        except ValueError:
            continue
        if not body.lstrip()[:1] in (b"{", b"["):
            continue
        assert repr(parse_json(Response(200, body, {}, "u"))) == repr(expected), path.name
