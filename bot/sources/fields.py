"""Small field parsers every source shares: published values → clean strings, Decimals, ISO dates."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ..notice import json_text

MAX_DIGITS = 16  # amounts of 10**16 or more are publishing errors, not contracts
record_text = json_text  # a decoded record back as JSON text, for `Notice.raw`


def text(value) -> str:
    """A trimmed string; JSON null and the string "null" (SAM.gov publishes both) become ""."""
    if type(value) is str:  # most values: the checks below cost as much as the strip (TED calls this ~95× a notice)
        out = value.strip()
    elif value is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    else:
        out = str(value).strip()
    return "" if len(out) == 4 and out.lower() == "null" else out  # not a lowercased copy of every description


def amount(value) -> Decimal | None:
    """`"225000.00"`, `225000`, `"$1,200"` → Decimal; blank, invalid, infinite or absurd → None.

    Absurd is 10**16 or more: no contract is worth that, but overflowing JSON numbers (`1e9999`,
    kept as text by `http.parse_json`) would otherwise print as ten thousand digits."""
    raw = text(value).replace(",", "").replace("$", "")
    try:
        number = Decimal(raw) if raw else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() and number.adjusted() < MAX_DIGITS else None


def iso_date(value) -> str | None:
    """Date-only or `YYYY-MM-DD HH:MM:SS` → ISO 8601 text; anything else is kept as published."""
    raw = text(value)
    if not raw:
        return None
    return raw.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", raw) else raw


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment, whitespace folded."""
    if "<" not in markup:
        return markup if _folded(markup) else " ".join(markup.split())
    from .soup import visible_text  # bs4 is imported by the first markup, not by every command
    return visible_text(markup)  # within caps: a hostile description cannot eat the machine


def _folded(value: str) -> bool:
    """Whether `value` is whitespace-folded already: printable, so its only whitespace is the ASCII
    space (str.split splits on no printable character but it), and no space leads, trails or
    repeats. Most titles and descriptions are (every TED one recorded), at half a split and join."""
    return value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " "


def to_int(value, default: int) -> int:
    """Counters that arrive as numbers, strings or null."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def plain(value, limit: int) -> str:
    """Untrusted markup or text → inert plain text: tags and control characters dropped, clipped.

    For sources that publish free-form HTML (feeds, web pages): a `<script>` becomes nothing, a
    bidi override cannot reorder a line, and a 1 MB title is cut to `limit` characters with "…".
    """
    out = CONTROL_CHARS.sub(" ", html_to_text(text(value)))
    out = " ".join(out.split())
    return out if len(out) <= limit else out[:limit - 1].rstrip() + "…"
