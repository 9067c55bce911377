"""The one HTTP client every source uses: our User-Agent, timeouts, bounded retries, a size cap.

Sources never call `requests` directly, so every fetch gets the same safety: a stalled server
times out, a 5xx is retried a few times with backoff, a 429 honours Retry-After, an oversized or
HTML-instead-of-JSON body becomes one clear `SourceError` instead of a crash.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urljoin, urlsplit

import orjson

from . import __version__
from .errors import RetryLater, SourceError

if TYPE_CHECKING:
    from .http_guard import Watch

# `requests` and the guard (bot/http_guard.py) are imported by the Http that uses them, not with this
# module: every source module imports Response and the parsing helpers below, and loading a source is
# part of every command's start-up (status, show, search never make a request).

MAX_BYTES = 20 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0  # seconds for a whole request, body included
RETRY_STATUSES = {500, 502, 503, 504}
REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
LONGEST_INLINE_WAIT = 60.0  # a longer Retry-After ends this poll instead of blocking the job


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict
    url: str

    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced, never raised)."""
        return self.body.decode("utf-8", errors="replace")


class RateGate:
    """Where a source's Retry-After is kept between polls; the default one forgets it."""

    def until(self) -> float | None:
        """The wall-clock time (epoch seconds) before which no request may be sent, if any."""
        return None

    def hold(self, seconds: float) -> None:
        """Remember that the source asked us to wait `seconds`."""


class Http:
    """A `requests.Session` with the bot's policies; `sleep` is injectable so tests never wait.

    `for_source` gives each source a view with its own deadline, redirect hosts, private-address
    rule and Retry-After gate, sharing the one session; `abort` ends every request in flight.
    """

    def __init__(self, contact: str = "", timeout: float = DEFAULT_TIMEOUT, retries: int = 2,
                 backoff: float = 2.0, max_bytes: int = MAX_BYTES,
                 sleep: Callable[[float], None] = time.sleep):
        import requests

        from .http_guard import GuardedAdapter
        self.session = requests.Session()
        adapter = GuardedAdapter()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        who = f" (+{contact})" if contact else ""
        self.session.headers["User-Agent"] = f"procwatch/{__version__}{who}"
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.max_bytes, self.sleep = max_bytes, sleep
        self.requests_made = 0
        self.allow_private, self.redirect_hosts = True, frozenset()
        self.gate, self.clock = RateGate(), time.time
        self.source, self.poll_seconds, self.poll_ends = "", None, None
        self.aborted = threading.Event()
        self._last = threading.local()  # per thread: scheduler jobs share one Http (and its views)

    def for_source(self, name: str, timeout: float | None = None, allow_private: bool = True,
                   redirect_hosts=(), gate: RateGate | None = None, clock: Callable[[], float] | None = None,
                   poll_seconds: float | None = None):
        """A view of this client for one source: same session, its own policies; `poll_seconds`
        bounds all of the view's requests together (one poll)."""
        view = copy.copy(self)
        view.poll_seconds = poll_seconds
        view.poll_ends = time.monotonic() + poll_seconds if poll_seconds else None
        view.source, view.allow_private = name, allow_private
        view.timeout = timeout or self.timeout
        view.redirect_hosts = frozenset(h.lower() for h in redirect_hosts)
        view.gate, view.clock = gate or RateGate(), clock or time.time
        return view

    def abort(self) -> None:
        """End every request in flight now (SIGTERM): their sockets are shut down."""
        from .http_guard import abort_all
        self.aborted.set()
        abort_all()

    @property
    def last_response(self) -> Response | None:
        """The last successful response this thread received (what bot/evidence.py keeps)."""
        return getattr(self._last, "response", None)

    def request(self, method: str, url: str, *, ok: tuple[int, ...] = (200,), max_bytes: int | None = None,
                **kwargs) -> Response:
        """Send with retries; return a Response whose status is in `ok`, else raise SourceError.
        `max_bytes` overrides the body cap for this request (attachments are allowed more)."""
        self._check_gate(url)
        for attempt in range(self.retries + 1):
            resp = self._send(method, url, max_bytes=max_bytes, **kwargs)
            if resp.status in ok:
                self._last.response = resp
                return resp
            wait = self._wait_for(resp, attempt)
            if wait is None or attempt == self.retries:
                if resp.status == 429:  # waited in vain: the next poll waits too
                    self.gate.hold(retry_after(resp.headers, default=60.0))
                raise SourceError(f"HTTP {resp.status} from {url_for_log(url)}", snippet(resp))
            self.sleep(wait)
        raise AssertionError("unreachable")

    def get_json(self, url: str, **kwargs) -> Any:
        """GET and decode JSON; an HTML error page served with status 200 is an error, not data."""
        return parse_json(self.request("GET", url, **kwargs))

    def _check_gate(self, url: str) -> None:
        """Refuse to send before the time a Retry-After named (kept across polls and restarts)."""
        until = self.gate.until()
        now = self.clock()
        if until and now < until:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(until))
            raise RetryLater(f"rate limited until {stamp} by {url_for_log(url)}", until - now,
                             "the server's Retry-After; no request is sent before then")

    def _send(self, method: str, url: str, max_bytes: int | None = None, **kwargs) -> Response:
        """One request, following same-host redirects, within one wall-clock deadline."""
        if self.aborted.is_set():
            raise SourceError(f"request to {url_for_log(url)} not sent: procwatch is stopping")
        seconds = self.timeout
        if self.poll_ends is not None:
            seconds = min(seconds, self.poll_ends - time.monotonic())
            if seconds <= 0:
                raise SourceError(f"poll of {self.source} stopped: over its deadline of {self.poll_seconds:g}s",
                                  "the pages read so far are kept; the rest are read next time")
        from .http_guard import Watch
        watch = Watch(seconds, self.allow_private)
        with watch:
            first = url
            for _ in range(MAX_REDIRECTS + 1):
                resp = self._one(method, url, watch, max_bytes or self.max_bytes, **kwargs)
                target = _location(resp)
                if target is None:
                    return resp
                url = self._follow(first, target)
                if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                    method, kwargs = "GET", {k: v for k, v in kwargs.items() if k not in ("json", "data")}
                kwargs.pop("params", None)  # the redirect target carries its own query
            raise SourceError(f"too many redirects from {url_for_log(first)}", f"more than {MAX_REDIRECTS}")

    def _follow(self, first: str, target: str) -> str:
        """The redirect target, if it keeps the scheme and host of the first URL (or a listed host)."""
        a, b = urlsplit(first), urlsplit(target)
        same = (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)
        listed = b.scheme == a.scheme and (b.hostname or "").lower() in self.redirect_hosts
        if not (same or listed):
            raise SourceError(f"refused a redirect from {url_for_log(first)} to {url_for_log(target)}",
                              "redirects are followed only within the same scheme and host; "
                              "list a trusted host in the source's redirect_hosts")
        return target

    def _one(self, method: str, url: str, watch: Watch, limit: int, **kwargs) -> Response:
        """One hop: a timeout on connect and headers, the deadline on the body, the size cap."""
        import requests

        from .http_guard import Expired
        self.requests_made += 1
        try:
            with self.session.request(method, url, timeout=watch.timeouts(), stream=True,
                                      allow_redirects=False, **kwargs) as r:
                body = bytearray()
                for chunk in r.iter_content(16 * 1024):
                    body += chunk
                    watch.check()
                    if len(body) > limit:
                        raise SourceError(f"response from {url_for_log(url)} exceeds {limit} bytes",
                                          "the server sent far more than expected; not stored")
                watch.check()
                return Response(r.status_code, bytes(body), dict(r.headers), r.url)
        except (requests.RequestException, Expired) as e:
            raise self._failure(url, watch, e) from None

    def _failure(self, url: str, watch: Watch, exc: Exception) -> SourceError:
        """The one clear error for a failed hop: refused address, deadline, stop, or network."""
        import requests

        from .http_guard import Expired
        where = url_for_log(url)
        if watch.refused:
            return SourceError(f"refused {where}: {watch.refused}",
                               "feed and page sources may not reach private, loopback or link-local "
                               "addresses; set allow_private = true on this source if you mean it")
        if self.aborted.is_set():
            return SourceError(f"request to {where} abandoned: procwatch is stopping")
        if watch.expired() and watch.seconds < self.timeout:
            return SourceError(f"poll of {self.source} stopped: over its deadline of {self.poll_seconds:g}s "
                               f"while waiting for {where}", "the pages read so far are kept")
        if watch.expired() or isinstance(exc, (requests.Timeout, Expired)):
            return SourceError(f"timed out after {self.timeout:g}s waiting for {where}",
                               "the whole request, body included, must finish within the source's timeout")
        if isinstance(exc, requests.ConnectionError):
            return SourceError(f"cannot reach {where}", _reason(exc))
        return SourceError(f"request to {where} failed", _reason(exc))

    def _wait_for(self, resp: Response, attempt: int) -> float | None:
        """Seconds to wait before retrying, None when the status is not worth retrying."""
        if resp.status == 429:
            seconds = retry_after(resp.headers, default=60.0)
            if seconds > LONGEST_INLINE_WAIT:
                self.gate.hold(seconds)  # kept: no request to this source before then, across polls
                raise RetryLater(f"rate limited by {url_for_log(resp.url)}", seconds,
                                 f"retry after {seconds:.0f}s")
            return seconds
        if resp.status in RETRY_STATUSES:
            return self.backoff * (2 ** attempt)
        return None


def _location(resp: Response) -> str | None:
    """The absolute redirect target of a 3xx response, else None."""
    if resp.status not in REDIRECTS:
        return None
    loc = next((v for k, v in resp.headers.items() if k.lower() == "location"), None)
    return urljoin(resp.url, loc) if loc else None


def parse_json(resp: Response) -> Any:
    """Decode a JSON body, rejecting HTML pages and invalid numbers such as `1e9999` cleanly."""
    head = resp.body[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<h1", b"<")):
        raise SourceError(f"expected JSON from {url_for_log(resp.url)}, got an HTML/XML page", snippet(resp))
    try:
        return _fast_loads(resp.body)
    except ValueError:
        pass  # the standard decoder's result or error below is the one we give
    try:
        return json.loads(resp.body, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as e:
        raise SourceError(f"malformed JSON from {url_for_log(resp.url)}", str(e)[:120]) from None


def retry_after(headers: dict, default: float) -> float:
    """Retry-After as seconds (delta-seconds or HTTP date); `default` when absent or unreadable."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return default


def _fast_loads(body: bytes) -> Any:
    """orjson's decode (1.7× the standard decoder's speed on the recorded pages), for the bodies it
    decodes exactly as `json.loads` with the hooks below would: it refuses overflowing numbers,
    NaN, byte-order marks, lone surrogates and other encodings, which go to the standard decoder;
    a body with an integer of 19 or more digits (orjson would round it to a float) does too."""
    if _long_integer(body):
        raise ValueError("a long integer: decoded by the standard decoder")
    return orjson.loads(body)


def _long_integer(body: bytes) -> bool:
    """Whether 19 digits follow `:`, `[` or `,` (spaces and a minus aside): a number orjson would
    round, not a string's digits (hex ids have such runs). One translate and one find, ~14× as
    fast as a regex; a string that looks so only sends its page to the standard decoder."""
    squeezed = body.translate(_STARTS_AND_DIGITS, b" \t\r\n-")
    return _LONG_INTEGER in squeezed or squeezed.startswith(_LONG_INTEGER[1:])  # or the body is that number


# every digit as "0", what a number follows as ":", anything else as "x"
_STARTS_AND_DIGITS = bytes(48 if chr(c) in "0123456789" else 58 if chr(c) in ":[," else 120 for c in range(256))
_LONG_INTEGER = b":" + b"0" * 19


def _reject_constant(name: str):
    raise ValueError(f"invalid number {name}")


def _finite_float(text: str) -> float | str:
    """A JSON number as float, or kept as its text when it overflows (`1e9999`)."""
    value = float(text)
    return value if value not in (float("inf"), float("-inf")) else text


def url_for_log(url: str) -> str:
    """The URL without its query string (which may carry an API key)."""
    return url.split("?", 1)[0]


def _reason(exc: Exception) -> str:
    """The innermost, key-free cause of a requests exception ("Connection refused", a DNS failure)."""
    inner = exc.args[0] if exc.args else exc
    inner = getattr(inner, "reason", inner)
    text = re.sub(r"^<[^>]+>:\s*", "", str(inner))
    text = re.sub(r"api_key=[^&\s')]+", "api_key=***", text)
    return text[:160]


def snippet(resp: Response) -> str:
    """The first readable words of an error body, for the log line (keys masked)."""
    text = re.sub(r"<[^>]+>", " ", resp.text()[:400])
    text = re.sub(r"api_key=[^&\s]+", "api_key=***", " ".join(text.split()))
    return text[:120]
