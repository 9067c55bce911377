"""Secret masking by value: every configured secret is replaced by a placeholder in any text we keep.

Masking by URL pattern (`api_key=…`) misses a server that echoes the key in a JSON error, a header
dump or percent-encoded; so each secret's value is registered when the configuration is read, with
the forms a remote may echo it in (raw, URL-encoded, JSON- and HTML-escaped, base64), and `mask`
replaces any of them, case-insensitively, wherever text is stored, printed, logged or sent.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import threading
from urllib.parse import quote, quote_plus

PLACEHOLDER = "***"
SHORTEST = 4  # shorter "secrets" would mask ordinary words; check warns about them instead

_lock = threading.Lock()
_values: set[str] = set()
_pattern: re.Pattern | None = None


def forms(secret: str) -> set[str]:
    """The ways a remote may echo `secret` back to us."""
    raw = secret.encode()
    found = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
             html.escape(secret), base64.b64encode(raw).decode().rstrip("="),
             base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    found.add("".join(f"&#{ord(c)};" for c in secret))
    return {f for f in found if len(f) >= SHORTEST}


def register(*secrets: str | None) -> None:
    """Add secret values to mask from now on (called as the configuration is read)."""
    global _pattern
    new = {f for s in secrets if s and len(s) >= SHORTEST for f in forms(s)}
    with _lock:
        if new <= _values:
            return
        _values.update(new)
        ordered = sorted(_values, key=len, reverse=True)  # longest first: no half-masked forms
        _pattern = re.compile("|".join(re.escape(v) for v in ordered), re.IGNORECASE)


def mask(text):
    """`text` with every registered secret form replaced by the placeholder (non-str passes through)."""
    if not isinstance(text, str) or _pattern is None:
        return text
    return _pattern.sub(PLACEHOLDER, text)


def mask_data(value):
    """Every string inside JSON-like data masked (for `status --json`)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: mask_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(v) for v in value]
    return value


class MaskingFilter(logging.Filter):
    """A handler filter that masks secrets in the formatted message and traceback of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _pattern is None:
            return True
        record.msg, record.args = mask(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = mask(record.exc_text)
        return True


def install(handler: logging.Handler | logging.Logger) -> None:
    """Mask what `handler` writes (or, for a logger, every record it creates)."""
    if not any(isinstance(f, MaskingFilter) for f in handler.filters):
        handler.addFilter(MaskingFilter())


install(logging.getLogger("procwatch"))  # the bot's own lines, whichever handler shows them
