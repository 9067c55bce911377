"""Secret masking by value: every configured secret is replaced by a placeholder in any text we keep.

Masking by URL pattern (`api_key=…`) misses a server that echoes the key in a JSON error, a header
dump or percent-encoded; so each secret's value is registered when the configuration is read, as a pattern
matching the forms a remote may echo it in (raw, percent-encoded in any mix, JSON-, HTML- or
backslash-escaped, base64), and `mask` replaces any of them, case-insensitively, wherever text is stored, printed, logged or sent.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import threading

PLACEHOLDER = "***"
SHORTEST = 4  # shorter "secrets" would mask ordinary words; check warns about them instead

_lock = threading.Lock()
_values: set[str] = set()
_pattern: re.Pattern | None = None


def pattern(secret: str) -> str:
    """A regex for `secret` in any echoed form: each character as itself or percent-encoded (any mix,
    as servers and log lines re-encode URLs), JSON-, backslash- or HTML-escaped; or whole in base64."""
    parts = []
    for char in secret:
        if char.isalnum():
            parts.append(re.escape(char))
            continue
        encoded = "".join(f"%{b:02x}" for b in char.encode())
        options = {re.escape(char), re.escape(encoded), re.escape(html.escape(char)),
                   re.escape(json.dumps(char)[1:-1]), re.escape("\\" + char), f"&#0*{ord(char)};",
                   f"&#x0*{ord(char):x};"}
        if char == " ":
            options.add(r"\+")
        parts.append("(?:" + "|".join(sorted(options)) + ")")
    raw = secret.encode()
    whole = {base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    return "|".join(["".join(parts)] + [re.escape(w) for w in sorted(whole) if len(w) >= SHORTEST])


def register(*secrets: str | None) -> None:
    """Add secret values to mask from now on (called as the configuration is read)."""
    global _pattern
    new = {s for s in secrets if s and len(s) >= SHORTEST}
    with _lock:
        if new <= _values:
            return
        _values.update(new)
        ordered = sorted(_values, key=len, reverse=True)  # longest first: no half-masked secrets
        _pattern = re.compile("|".join(f"(?:{pattern(v)})" for v in ordered), re.IGNORECASE)


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
