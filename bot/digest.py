"""Turn claimed outbox rows into a Digest and render it (text here; Slack/HTML in their channels).

Everything a reader needs to judge an alert is on the item: what, who, by whom, how much, under
which authority, why it matched, and the link.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from urllib.parse import urlsplit

from functools import cache

from . import outbox
from .flags import lines as flag_lines
from .notice import Notice
from .store import Database

# Terminal escapes, C0/C1 controls, and the bidi embeddings/overrides/isolates that can reorder
# what a reader sees ("Trojan Source" style).
CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_FIELD = 2_000  # characters of one untrusted field an alert shows (a 1 MB title stays readable)
LABELS = {"vendor_name": "awardee", "agency_path": "agency", "vendor_ids": "vendor id",
          "title": "title", "description": "description", "codes": "codes"}



@cache
def _env():
    """The text templates, loaded on first use (search/show/watch use this module's helpers only)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined
    return Environment(loader=PackageLoader("bot", "templates"), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)


@dataclass
class Item:
    notice: Notice
    version: int
    watchlists: list[str]
    hits: dict[str, list[dict]]  # watchlist → [{kind, term, field, text}]
    changes: dict = field(default_factory=dict)  # field → [old, new] for an update
    thread: str = ""  # for an update: the message that first alerted this notice (or its thread)
    follow_up: str = ""  # title of an earlier J&A/intent notice (other source) with this reference
    withdrawn: bool = False  # the source deleted the record
    flags: list[str] = field(default_factory=list)  # open red flags, one line each (bot/flags.py)


@dataclass
class Digest:
    id: str
    channel: str
    recipient: str
    items: list[Item]
    held_back: dict[str, int] = field(default_factory=dict)  # source → notices stored as baseline
    created_at: str = ""  # when this attempt was made (ISO 8601, UTC)
    resend: bool = False  # an earlier attempt of this digest was not confirmed: it may have arrived
    notes: list[str] = field(default_factory=list)  # operator alerts (bot/health.py): one line each

    def sections(self) -> list[tuple[str, list[Item]]]:
        """Items grouped by watchlist, each notice listed once (under the first watchlist it hit,
        with every watchlist's reason on it), the most important first (see `importance`)."""
        groups: dict[str, list[Item]] = {}
        for item in sorted(self.items, key=importance):
            groups.setdefault(item.watchlists[0] if item.watchlists else "", []).append(item)
        return sorted(groups.items())


def build(db: Database, digest_id: str, channel: str, recipient: str, rows: list[dict],
          held_back: dict[str, int] | None = None, now: str = "") -> Digest:
    """A Digest from outbox rows: each notice once (its versions merged), updates with their thread."""
    items = []
    grouped = _by_notice(rows)
    stored = db.digest_notices(list(grouped))
    for uid, versions in grouped.items():
        if uid not in stored:
            continue
        notice, withdrawn = stored[uid]
        changes = _merged_changes(versions)
        thread = outbox.thread_for(db, channel, recipient, uid, notice.reference) if changes else ""
        watchlists = sorted({w for r in versions for w in json.loads(r["watchlists"])})
        hits = {w: h for r in versions for w, h in json.loads(r["hits"] or "{}").items()}
        items.append(Item(notice, versions[-1]["version"], watchlists, hits, changes, thread,
                          _follow_up(db, notice), withdrawn, flag_lines(db, uid, _today(now))))
    resend = any(r["attempts"] or r["digest_id"] for r in rows)  # attempted before: it may have arrived
    return Digest(digest_id, channel, recipient, items, held_back or {}, now, resend)


def _today(now: str) -> date:
    return date.fromisoformat(now[:10]) if now else datetime.now(timezone.utc).date()


# The oldest J&A or intent notice of the same reference from another source: the partial index
# of J&A and intent rows (migration m009) read in two ranges, sources before and after this one,
# so a reference shared by thousands of this source's notices costs no reads at all (it cost one
# cold row read per shared notice per digest item). Naming the index makes the plan an assertion.
_FIRST = ("SELECT uid, title, first_seen_at FROM notices INDEXED BY idx_notices_follow_up WHERE reference = ?1"
          " AND kind IN ('justification', 'intent') AND source {} ?2 AND uid != ?3")
FOLLOW_UP = (f"SELECT uid, title FROM ({_FIRST.format('<')} UNION ALL {_FIRST.format('>')})"
             " ORDER BY first_seen_at, uid LIMIT 1")


def _follow_up(db: Database, notice: Notice) -> str:
    """The J&A or intent notice (from another source) that this award record follows up, if stored."""
    if not notice.reference:
        return ""
    earlier = db.rows(FOLLOW_UP, (notice.reference, notice.source, notice.uid))
    return f'{earlier[0]["title"]} ({earlier[0]["uid"]})' if earlier else ""


def _by_notice(rows: list[dict]) -> dict[str, list[dict]]:
    """Outbox rows grouped per notice, versions in order (two queued versions are one item)."""
    out: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        out.setdefault(row["uid"], []).append(row)
    for versions in out.values():
        versions.sort(key=lambda r: r["version"])
    return out


def _merged_changes(versions: list[dict]) -> dict:
    """What changed across the queued versions; {} when one of them is the notice's first alert."""
    if any(not r["is_update"] for r in versions):
        return {}
    merged: dict = {}
    for row in versions:
        for name, (old, new) in json.loads(row["changes"] or "{}").items():
            merged[name] = [merged.get(name, [old])[0], new]
    return {k: v for k, v in merged.items() if v[0] != v[1]}


FIRST_KINDS = ("justification", "intent")  # a J&A or an intent notice is what a watchdog acts on first


def importance(item: Item) -> tuple:
    """Sort key, most important first: J&A and intent notices, then by amount (unknown last); ties
    keep the order they were queued in (the sorts are stable)."""
    x = item.notice
    return (x.kind not in FIRST_KINDS, x.amount is None, -(x.amount or 0))


def lead(items: list[Item]) -> Item | None:
    """The item a digest leads with (its subject and Slack notification text name it)."""
    return min(items, key=importance) if items else None


def agency(notice: Notice) -> str:
    """Department › agency, without the contracting office (`HOMELAND SECURITY › U.S. CUSTOMS …`)."""
    return " › ".join(notice.agency_path[:2])


def headline(items: list[Item]) -> str:
    """The lead item in one line: `HOMELAND SECURITY › CBP: CLEARVIEW AI, INC., $225,000 (+1 more)`."""
    first = lead(items)
    if first is None:
        return ""
    x = first.notice
    what = ", ".join(p for p in (clean(x.vendor_name), money(x.amount, x.currency) if x.amount is not None else "") if p)
    line = ": ".join(p for p in (clean(agency(x)), what) if p) or clean(x.title)
    return line + (f" (+{len(items) - 1} more)" if len(items) > 1 else "")


def summary(items: list[Item]) -> str:
    """`3 notices · 1 J&A, 1 intent notice · $712,500 in all · posted 2026-09-28 to 2026-09-30`."""
    kinds = Counter(i.notice.kind for i in items)
    acts = [plural(kinds[k], label) for k, label in (("justification", "J&A"), ("intent", "intent notice")) if kinds[k]]
    totals: dict[str, Decimal] = {}
    for i in items:
        if i.notice.amount is not None:
            totals[i.notice.currency or "USD"] = totals.get(i.notice.currency or "USD", Decimal(0)) + i.notice.amount
    money_part = " + ".join(money(v, c) for c, v in sorted(totals.items())) + " in all" if totals else ""
    dates = sorted(d[:10] for d in (i.notice.posted_at or i.notice.awarded_at for i in items) if d)
    period = (f"posted {dates[0]}" + (f" to {dates[-1]}" if dates[-1] != dates[0] else "")) if dates else ""
    return " · ".join(p for p in (plural(len(items), "notice"), ", ".join(acts), money_part, period) if p)


PUBLISHERS = {"sam.gov": "SAM.gov", "usaspending.gov": "USAspending.gov", "fpds.gov": "FPDS",
              "ted.europa.eu": "TED (EU)", "find-tender.service.gov.uk": "UK Find a Tender",
              "contractsfinder.service.gov.uk": "UK Contracts Finder", "tenders.gov.au": "AusTender",
              "canadabuys.canada.ca": "CanadaBuys", "buyandsell.gc.ca": "CanadaBuys"}


def source_label(notice: Notice) -> str:
    """Where the notice was published, by its link (`SAM.gov`), with the configured source name."""
    host = (urlsplit(clean(notice.url)).hostname or "").removeprefix("www.")
    label = next((name for domain, name in PUBLISHERS.items() if host == domain or host.endswith("." + domain)),
                 host)
    return f"{label} ({notice.source})" if label and label != notice.source else notice.source


def tag(item: Item) -> str:
    """`WITHDRAWN`, `UPDATE` or '': the mark every channel puts before the title."""
    return "WITHDRAWN" if item.withdrawn else "UPDATE" if item.changes else ""


def clean(text) -> str:
    """Untrusted text made inert and bounded for every channel: escape sequences, control and
    bidi-override characters dropped, clipped to MAX_FIELD characters."""
    text = CONTROL.sub("", str(text or "")[:4 * MAX_FIELD])
    return text if len(text) <= MAX_FIELD else text[:MAX_FIELD - 1] + "…"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 notice', '2 notices', '0 agencies' (with `many` for irregular plurals)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


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
        lines.append(f"{watchlist}: " + (", ".join(parts) if parts else "every notice in scope") + after_change(found))
    return lines


def after_change(hits: list[dict]) -> str:
    """The mark of a match found by catch-up, i.e. among stored notices after a watchlist change."""
    return " (found after a watchlist change)" if any(h.get("after_change") for h in hits) else ""


def change_lines(changes: dict) -> list[str]:
    """`Amount: $225,000 → $250,000` for each changed field of an update."""
    out = []
    for name, (old, new) in changes.items():
        if name in ("amount",):
            old, new = (money(Decimal(v), None) if v else "none" for v in (old, new))
        old, new = (" › ".join(v) if isinstance(v, list) else v for v in (old, new))
        out.append(f"{name.replace('_', ' ').capitalize()}: {old or 'none'} → {new or 'none'}")
    return out


def render_text(digest: Digest) -> str:
    """The plain-text digest (console and the text part of email)."""
    return _env().get_template("digest.txt.j2").render(
        digest=digest, clean=clean, money=money, why=why, change_lines=change_lines, tag=tag,
        summary=summary, source_label=source_label)
