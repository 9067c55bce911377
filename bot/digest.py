"""Turn claimed outbox rows into a Digest and render it (text here; Slack/HTML in their channels).

Everything a reader needs to judge an alert is on the item: what, who, by whom, how much, under
which authority, why it matched, and the link.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from jinja2 import Environment, PackageLoader, StrictUndefined

from .notice import Notice
from .store import Database

CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LABELS = {"vendor_name": "awardee", "agency_path": "agency", "vendor_ids": "vendor id",
          "title": "title", "description": "description", "codes": "codes"}

_env = Environment(loader=PackageLoader("bot", "templates"), undefined=StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)


@dataclass
class Item:
    notice: Notice
    version: int
    watchlists: list[str]
    hits: dict[str, list[dict]]  # watchlist → [{kind, term, field, text}]
    changes: dict = field(default_factory=dict)  # field → [old, new] for an update


@dataclass
class Digest:
    id: str
    channel: str
    recipient: str
    items: list[Item]
    held_back: dict[str, int] = field(default_factory=dict)  # source → notices stored as baseline


def build(db: Database, digest_id: str, channel: str, recipient: str, rows: list[dict],
          held_back: dict[str, int] | None = None) -> Digest:
    """A Digest from outbox rows; each notice once, at the version the row names."""
    items = []
    for row in rows:
        notice = db.notice(row["uid"])
        if notice is None:
            continue
        items.append(Item(notice, row["version"], json.loads(row["watchlists"]),
                          json.loads(row["hits"] or "{}"), json.loads(row["changes"] or "{}")))
    return Digest(digest_id, channel, recipient, items, held_back or {})


def clean(text) -> str:
    """Untrusted text made inert for a terminal: escape sequences and control characters dropped."""
    return CONTROL.sub("", str(text or ""))


def money(amount: Decimal | None, currency: str | None) -> str:
    """`$225,000` / `EUR 1,200,000.50` / `amount not stated`."""
    if amount is None:
        return "amount not stated"
    whole = amount == amount.to_integral_value()
    number = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return f"${number}" if currency in (None, "USD") else f"{currency} {number}"


def why(hits: dict[str, list[dict]]) -> list[str]:
    """One line per watchlist: `surveillance: vendor "Clearview AI" in awardee, …`."""
    lines = []
    for watchlist, found in hits.items():
        parts = [f'{h["kind"]} "{h["term"]}" in {LABELS.get(h["field"], h["field"])}' for h in found]
        lines.append(f"{watchlist}: " + (", ".join(parts) if parts else "every notice in scope"))
    return lines


def change_lines(changes: dict) -> list[str]:
    """`Amount: $225,000 → $250,000` for each changed field of an update."""
    out = []
    for name, (old, new) in changes.items():
        if name in ("amount",):
            old, new = (money(Decimal(v), None) if v else "none" for v in (old, new))
        out.append(f"{name.replace('_', ' ').capitalize()}: {old or 'none'} → {new or 'none'}")
    return out


def render_text(digest: Digest) -> str:
    """The plain-text digest (console and the text part of email)."""
    return _env.get_template("digest.txt.j2").render(
        digest=digest, clean=clean, money=money, why=why, change_lines=change_lines)
