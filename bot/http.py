"""The one HTTP client every source uses: our User-Agent, timeouts, bounded retries, a size cap.

Sources never call `requests` directly, so every fetch gets the same safety: a stalled server
times out, a 5xx is retried a few times with backoff, a 429 honours Retry-After, an oversized or
HTML-instead-of-JSON body becomes one clear `SourceError` instead of a crash.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Callable

import requests

from . import __version__
from .errors import RetryLater, SourceError

MAX_BYTES = 20 * 1024 * 1024
RETRY_STATUSES = {500, 502, 503, 504}
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


class Http:
    """A `requests.Session` with the bot's policies; `sleep` is injectable so tests never wait."""

    def __init__(self, contact: str = "", timeout: float = 30.0, retries: int = 2,
                 backoff: float = 2.0, max_bytes: int = MAX_BYTES,
                 sleep: Callable[[float], None] = time.sleep):
        self.session = requests.Session()
        who = f" (+{contact})" if contact else ""
        self.session.headers["User-Agent"] = f"procwatch/{__version__}{who}"
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.max_bytes, self.sleep = max_bytes, sleep
        self.requests_made = 0
        self._last = threading.local()  # per thread: scheduler jobs share one Http

    @property
    def last_response(self) -> Response | None:
        """The last successful response this thread received."""
        return getattr(self._last, "response", None)

    def request(self, method: str, url: str, *, ok: tuple[int, ...] = (200,), max_bytes: int | None = None,
                **kwargs) -> Response:
        """Send with retries; return a Response whose status is in `ok`, else raise SourceError.
        `max_bytes` overrides the body cap for this request (attachments are allowed more)."""
        for attempt in range(self.retries + 1):
            resp = self._send(method, url, max_bytes=max_bytes, **kwargs)
            if resp.status in ok:
                self._last.response = resp  # what the page being ingested was read from (bot/evidence.py)
                return resp
            wait = self._wait_for(resp, attempt)
            if wait is None or attempt == self.retries:
                raise SourceError(f"HTTP {resp.status} from {url_for_log(url)}", snippet(resp))
            self.sleep(wait)
        raise AssertionError("unreachable")

    def get_json(self, url: str, **kwargs) -> Any:
        """GET and decode JSON; an HTML error page served with status 200 is an error, not data."""
        return parse_json(self.request("GET", url, **kwargs))

    def _send(self, method: str, url: str, max_bytes: int | None = None, **kwargs) -> Response:
        """One request with a timeout and a cap on the decoded body size."""
        self.requests_made += 1
        limit = max_bytes or self.max_bytes
        try:
            with self.session.request(method, url, timeout=self.timeout, stream=True, **kwargs) as r:
                body = bytearray()
                for chunk in r.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > limit:
                        raise SourceError(f"response from {url_for_log(url)} exceeds {limit} bytes",
                                          "the server sent far more than expected; not stored")
                return Response(r.status_code, bytes(body), dict(r.headers), r.url)
        except requests.Timeout:
            raise SourceError(f"timed out after {self.timeout:g}s waiting for {url_for_log(url)}") from None
        except requests.ConnectionError as e:
            raise SourceError(f"cannot reach {url_for_log(url)}", _reason(e)) from None
        except requests.RequestException as e:
            raise SourceError(f"request to {url_for_log(url)} failed", _reason(e)) from None

    def _wait_for(self, resp: Response, attempt: int) -> float | None:
        """Seconds to wait before retrying, None when the status is not worth retrying."""
        if resp.status == 429:
            seconds = retry_after(resp.headers, default=60.0)
            if seconds > LONGEST_INLINE_WAIT:
                raise RetryLater(f"rate limited by {url_for_log(resp.url)}", seconds,
                                 f"retry after {seconds:.0f}s")
            return seconds
        if resp.status in RETRY_STATUSES:
            return self.backoff * (2 ** attempt)
        return None


def parse_json(resp: Response) -> Any:
    """Decode a JSON body, rejecting HTML pages and invalid numbers such as `1e9999` cleanly."""
    head = resp.body[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<h1", b"<")):
        raise SourceError(f"expected JSON from {url_for_log(resp.url)}, got an HTML/XML page", snippet(resp))
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
