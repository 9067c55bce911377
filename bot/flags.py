"""Red flags: explainable signals about a stored notice, computed after it is stored (issue 15).

Each flag is a pure function of the notice, the rows of its procurement thread (same `reference`)
and, for repeat sole source, the agency's other non-competed records; the dated thresholds,
deadlines and windows they apply are data in thresholds.toml. `refresh` is the thin glue the
pipeline calls; `sweep` re-checks awards daily for a justification that never came.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from importlib.resources import files

from . import outbox
from .match import vendor_key
from .notice import FLAGS, Notice

NON_COMPETED = ("sole_source", "limited")
COUNTERPARTS = {"justification": ("award",), "award": ("justification",)}  # whose flags a new notice changes
# The thread rows the flags of a kind read (after the fact, growth, missing J&A); no flag reads
# another kind's rows, or its thread at all for the kinds not listed.
READS = {"award": ("justification",), "justification": ("award",), "modification": ("award",)}
THREAD_KINDS = tuple(READS)  # the kinds whose flags read their thread
BOTH = ("award", "justification")  # what a counterpart's flags read, whichever it is
URGENCY = re.compile(r"\bURG\b|6\.302-2|urgen", re.IGNORECASE)
US_INTENT_TYPES = re.compile(r"^(special notice|presolicitation|sources sought)", re.IGNORECASE)
ACAN = re.compile(r"advance contract award notice", re.IGNORECASE)


@dataclass(frozen=True)
class Flag:
    code: str
    detail: str
    due: str | None = None  # ISO date a response/challenge window closes


@cache
def rules() -> dict:
    """The dated rule table (bot/thresholds.toml), read once."""
    return tomllib.loads(files("bot").joinpath("thresholds.toml").read_text(encoding="utf-8"))


# -- the flags, pure -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Repeats:
    """The same vendor's other non-competed records at the agency, as the store counts them: how
    many distinct threads (reference, else uid) other than the notice's own fall in the window up
    to its day, and the first few of them in order (what the flag's text names)."""

    count: int = 0
    first: tuple[str, ...] = ()


def evaluate(notice: Notice, thread: list[dict], repeats: Repeats | None, today: date,
             table: dict | None = None) -> list[Flag]:
    """Every flag `notice` raises, given its thread rows, the vendor's other non-competed threads at
    the agency (`Repeats`, None when it has none) and today."""
    table = table or rules()
    found = [repeat_vendor(notice, repeats, table), *near_threshold(notice, table),
             after_the_fact(notice, thread, table), growth(notice, thread, table), one_bid(notice),
             missing_justification(notice, thread, today, table), intent_window(notice, table)]
    return [f for f in found if f]


def repeat_vendor(notice: Notice, repeats: Repeats | None, table: dict) -> Flag | None:
    """The Nth non-competed award or J&A to one vendor (UEI, else normalised name) from one agency
    within the window: distinct procurements (threads) are counted, not their notices."""
    if notice.competition != "sole_source" or notice.kind not in ("award", "justification"):
        return None
    rule, day = table["repeat"], notice_day(notice)
    if not day or not vendor_keys(notice.vendor_name, notice.vendor_ids):
        return None
    repeats = repeats or Repeats()
    threads = 1 + repeats.count  # the notice's own thread and the others
    if threads < rule["min_count"]:
        return None
    others = repeats.first
    return Flag("repeat_vendor", f"{ordinal(threads)} non-competed award or J&A to {notice.vendor_name} from "
                f"{agency_of(notice.agency_path, rule['agency_levels'])} in {rule['window_days']} days"
                f" (also {', '.join(others[:3])}{', …' if repeats.count > 3 else ''})")


def near_threshold(notice: Notice, table: dict) -> list[Flag]:
    """A non-competed USD amount within `near_percent` below a threshold in force on the award date."""
    amount = notice.amount
    if notice.competition not in NON_COMPETED or notice.currency != "USD" or not amount:
        return []
    day = notice_day(notice)
    if not day:
        return []
    out, share = [], 1 - Decimal(table["near_percent"]) / 100  # of a limit where `near` begins
    for t in in_force(table["threshold"], day):
        limit = Decimal(t["amount"])
        if limit * share <= amount < limit:
            below = (limit - amount) / limit * 100
            out.append(Flag("near_threshold", f"${amount:,.0f} is {below:.1f}% below the ${limit:,.0f} "
                            f"{t['name']} ({t['authority']})"))
    return out


def after_the_fact(notice: Notice, thread: list[dict], table: dict) -> Flag | None:
    """A J&A posted after the award it justifies was signed (on the J&A and on the award)."""
    if notice.kind == "justification":
        posted, signed = as_date(notice.posted_at), as_date(notice.awarded_at) or _first_award(thread)
    elif notice.kind == "award":
        signed = as_date(notice.awarded_at)
        if not signed:
            return None
        posted = min((d for r in thread if r["kind"] == "justification" and (d := as_date(r["posted_at"]))), default=None)
    else:
        return None
    if not posted or not signed or posted <= signed:
        return None
    gap = (posted - signed).days
    late = gap > table["justification"]["days"]
    return Flag("after_the_fact", f"J&A posted {posted}, {plural_days(gap)} after the award was signed ({signed})"
                + (", beyond" if late else ", within") + f" the {table['justification']['days']}-day publication"
                f" period of {table['justification']['authority']}")


def growth(notice: Notice, thread: list[dict], table: dict) -> Flag | None:
    """A modification raising a non-competed award's value by at least `min_percent` (award records
    state the contract's total to date, so the modification's amount is the new value)."""
    if notice.kind != "modification" or not notice.amount:
        return None
    awards = [r for r in thread if r["source"] == notice.source and r["kind"] == "award"
              and r["competition"] in NON_COMPETED and r["amount"]]
    if not awards or Decimal(awards[0]["amount"]) <= 0:
        return None
    base = Decimal(awards[0]["amount"])
    rise = (notice.amount - base) / base * 100
    if rise < table["growth"]["min_percent"]:
        return None
    mod = (notice.codes.get("modification") or [""])[0]
    return Flag("growth", f"value grew {rise:.0f}% by modification{' ' + mod if mod else ''}: "
                f"${base:,.0f} → ${notice.amount:,.0f}")


def one_bid(notice: Notice) -> Flag | None:
    """One offer on a competed action (classify puts it in the verdict evidence)."""
    for line in notice.competition_evidence:
        if line.startswith("one-bid competition"):
            return Flag("one_bid", line)
    return None


def missing_justification(notice: Notice, thread: list[dict], today: date, table: dict) -> Flag | None:
    """A US non-competed award above the simplified acquisition threshold with no J&A stored in its
    thread once the publication deadline (14 days; 30 for urgency) has passed."""
    if notice.kind != "award" or notice.competition != "sole_source" or notice.currency != "USD" or not notice.amount:
        return None
    rule, signed = table["justification"], as_date(notice.awarded_at)
    if not signed or not _us_coded(notice):
        return None
    sat = [Decimal(t["amount"]) for t in in_force(table["threshold"], signed) if "simplified" in t["name"]]
    if not sat or notice.amount <= sat[0] or any(r["kind"] == "justification" for r in thread):
        return None
    urgent = any(URGENCY.search(v) for v in [*notice.codes.get("reason_not_competed", []),
                                             *notice.codes.get("fair_opportunity", []), *notice.competition_evidence])
    due = signed + timedelta(days=rule["urgency_days"] if urgent else rule["days"])
    if today <= due:
        return None
    return Flag("missing_justification", f"no J&A stored {plural_days((today - signed).days)} after the award of "
                f"{signed}; {rule['authority']} required it by {due}" + (" (urgency: 30 days)" if urgent else ""))


def intent_window(notice: Notice, table: dict) -> Flag | None:
    """Days left to respond to or challenge a notice of intent (US, EU VEAT, UK5, Canada ACAN)."""
    regime = intent_regime(notice)
    if regime is None:
        return None
    window = next((w for w in table["window"] if w["regime"] == regime), None)
    posted = as_date(notice.posted_at)
    if window is None or not posted:
        return None
    stated = as_date((notice.codes.get("response_deadline") or [None])[0])
    due = stated or add_days(posted, window["days"], window.get("working", False))
    return Flag("intent_window", f"{window['label']} {due} ({'stated in the notice' if stated else window['authority']})",
                due.isoformat())


def intent_regime(notice: Notice) -> str | None:
    """Which intent window applies, read from the notice's codes."""
    types = notice.codes.get("notice_type", []) + notice.codes.get("procedure", [])
    if not types:  # only a US intent can be stated without types
        return "us_intent" if notice.kind == "intent" and notice.codes.get("response_deadline") else None
    joined = "\n".join(types)  # one search for all: no pattern spans a line break
    if ACAN.search(joined):
        return "ca_acan"
    if "5" in joined and any(t.upper().startswith("UK5") for t in types):  # only "5" upper-cases to a 5
        return "uk5"
    if any(t.lower() == "veat" for t in notice.codes.get("notice_type", [])):
        return "eu_veat"
    if notice.kind == "intent" and (notice.codes.get("response_deadline") or any(US_INTENT_TYPES.match(t) for t in types)):
        return "us_intent"
    return None


# -- small helpers -------------------------------------------------------------------------------

def in_force(rows: list[dict], day: date) -> list[dict]:
    """The rows of a dated table in force on `day` (`from` inclusive, `until` exclusive)."""
    return [r for r in rows if r.get("from", date.min) <= day < r.get("until", date.max)]


_DAYS_KEPT, _DAYS, _UNKNOWN = 4096, {}, object()  # texts as_date remembers (at most) and their dates


def as_date(text) -> date | None:
    """The ISO date `text` begins with, or None; parsed once a text (a run's stamp, a page's days recur)."""
    if type(text) is str and (kept := _DAYS.get(text, _UNKNOWN)) is not _UNKNOWN:
        return kept  # one look-up: another worker thread may clear the table between two
    try:
        day = date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        day = None
    if type(text) is str:
        if len(_DAYS) >= _DAYS_KEPT:
            _DAYS.clear()
        _DAYS[text] = day
    return day


def notice_day(notice: Notice) -> date | None:
    return as_date(notice.awarded_at) or as_date(notice.posted_at)


def _first_award(thread: list[dict]) -> date | None:
    return min((d for r in thread if r["kind"] == "award" and (d := as_date(r["awarded_at"]))), default=None)


def _us_coded(notice: Notice) -> bool:
    """An award record with FPDS competition codes (Contract Awards, FPDS, USAspending)."""
    return bool(notice.codes.get("extent_competed") or notice.codes.get("reason_not_competed"))


def vendor_keys(name: str, ids: list[str]) -> set[str]:
    """A vendor's identity: its UEI(s) if published, else its normalised name."""
    ueis = {i.lower() for i in ids if i.lower().startswith("uei:")}
    if ueis or not name:
        return ueis
    key = vendor_key(name)
    return {key} if key.strip() else set()


def agency_of(path: list[str], levels: int) -> str:
    return " › ".join(path[:levels])


def add_days(start: date, days: int, working: bool) -> date:
    """`start` plus `days` calendar days, or working days (Monday to Friday) when `working`."""
    if not working:
        return start + timedelta(days=days)
    day = start
    while days:
        day += timedelta(days=1)
        days -= day.weekday() < 5
    return day


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def plural_days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def describe(row: dict, today: date) -> str:
    """`label: detail` for a stored flag; a window says how many days are left (or that it closed)."""
    text = f"{FLAGS.get(row['flag'], row['flag'])}: {row['detail']}"
    due = as_date(row.get("due"))
    if due:
        left = (due - today).days
        text += f" — {plural_days(left)} left" if left >= 0 else " — closed"
    return text


# -- glue: the store hands rows over, the flags go back ------------------------------------------

def refresh(db, notice: Notice, stamp: str) -> frozenset[str]:
    """Recompute and store the flags of a just-stored notice, of its thread's counterparts (a J&A
    arriving clears its award's missing-J&A flag, an award dates its J&A) and of the vendor's later non-competed records
    at the agency (so the count does not depend on the order notices arrive); returns the notice's
    flag codes."""
    today, table, own = as_date(stamp), rules(), notice.uid
    # Only awards, J&As and modifications read their thread (after the fact, growth, missing J&A)
    # or change a counterpart's flags: a tender's or an intent's thread is not looked up, and the
    # others look up the kind they read (an award its J&As: most threads have none), both kinds
    # only when the thread's other members are evaluated too.
    thread = _thread(db, notice.reference, READS.get(notice.kind, ()))
    counterparts = [r["uid"] for r in thread if r["kind"] in COUNTERPARTS.get(notice.kind, ())]
    repeats, later = _history(db, notice, table, later=True)
    if counterparts or later:
        thread = _thread(db, notice.reference, BOTH)
    mine: frozenset[str] = frozenset()
    for uid in dict.fromkeys([own] + counterparts + later):
        member = notice if uid == own else db.notice(uid)
        if member is None:
            continue
        others = _thread(db, member.reference, READS.get(member.kind, ())) if uid in later and member.reference else thread
        found = evaluate(member, [r for r in others if r["uid"] != uid],
                         repeats if uid == own else _history(db, member, table)[0], today, table)
        db.save_flags(uid, [(f.code, f.detail, f.due) for f in found], stamp)
        if uid == own:
            mine = frozenset(f.code for f in found)
    return mine


def _thread(db, reference: str, kinds: tuple[str, ...]) -> list[dict]:
    """The rows of these kinds in a notice's thread (none without a reference)."""
    return db.thread(reference, kinds) if reference and kinds else []


def _history(db, notice: Notice, table: dict, later: bool = False) -> tuple[Repeats | None, list[str]]:
    """Index the notice under its vendor and agency when it is a non-competed award or J&A, and
    return the same vendor's other such threads at that agency within the window before it
    (`Repeats`) and, when `later`, the uids of its records dated after it within the window."""
    eligible = notice.competition == "sole_source" and notice.kind in ("award", "justification") and notice.agency_path
    day = notice_day(notice) if eligible else None
    keys = sorted(vendor_keys(notice.vendor_name, notice.vendor_ids)) if day else []
    if not keys:
        db.index_vendor(notice.uid, [])  # most notices: nothing to file (a fresh one, nothing to unfile)
        return None, []
    rule = table["repeat"]
    agency = agency_of(notice.agency_path, rule["agency_levels"])
    db.index_vendor(notice.uid, keys, agency, day.isoformat(), notice.reference)
    span, mine = timedelta(days=rule["window_days"]), notice.reference or notice.uid
    window = (notice.uid, keys, agency, (day - span).isoformat(), day.isoformat())
    count, first, after = (db.vendor_history(*window, (day + span).isoformat(), mine) if later
                           else (*db.vendor_threads(*window, mine), []))
    return Repeats(count, tuple(first)), after


def lines(db, uid: str, today: date) -> list[str]:
    """The open flags of a stored notice as reader-facing lines."""
    return [describe(r, today) for r in db.flags(uid)]


def codes(db, uid: str) -> frozenset[str]:
    return frozenset(r["flag"] for r in db.flags(uid))


def sweep(db, matcher, routes, now) -> int:
    """Once per UTC day, re-check recent non-competed awards: a flag raised since (an award whose J&A
    never came) becomes a material version of the notice, alerted once; and an intent window that
    has closed is followed up, once, where the intent was alerted. Returns rows queued."""
    today, stamp = now.date(), now.isoformat(timespec="seconds")
    if db.meta("flags:swept") == today.isoformat():
        return 0
    queued = 0
    with db.transaction():
        for uid in db.recheck_candidates((today - timedelta(days=180)).isoformat()):
            notice, before = db.notice(uid), codes(db, uid)
            raised = refresh(db, notice, stamp) - before
            if raised:
                queued += _announce(db, notice, raised, matcher, routes, stamp)
        for row in db.closed_windows(today.isoformat()):
            queued += _window_closed(db, row, stamp)
        db.set_meta("flags:swept", today.isoformat())
    return queued


def _window_closed(db, row: dict, stamp: str) -> int:
    """Tell the recipients of an intent notice that its window closed, and whether an award is stored."""
    notice = db.notice(row["uid"])
    awards = [r["uid"] for r in _thread(db, notice.reference, ("award",))]
    text = f"window closed {row['due']}; " + (f"award stored: {', '.join(awards)}" if awards else "no award stored yet")
    db.mark_flag_announced(row["uid"], "intent_window", stamp)
    alerted = db.alerted_to(row["uid"])
    if not alerted:
        return 0
    saved = db.flag_version(row["uid"], {"flags": [row["detail"], text]}, stamp)
    return sum(outbox.enqueue(db, a["channel"], a["recipient"], saved.uid, saved.version, json.loads(a["watchlists"]),
                              json.loads(a["hits"] or "{}"), saved.changes, stamp) for a in alerted)


def _announce(db, notice: Notice, raised: frozenset[str], matcher, routes, stamp: str) -> int:
    """Queue a newly flagged stored notice: an update for recipients who saw it, news for the rest."""
    text = "; ".join(describe(r, as_date(stamp)) for r in db.flags(notice.uid) if r["flag"] in raised)
    saved = db.flag_version(notice.uid, {"flags": ["", text]}, stamp)
    seen = {(a["channel"], a["recipient"]) for a in db.alerted_to(notice.uid)}
    queued = 0
    for match in matcher.match(notice, codes(db, notice.uid)):
        hits = [dataclasses.asdict(h) for h in match.hits]
        db.save_match(notice.uid, saved.version, match.watchlist, hits, stamp)
        for route in (r for r in routes if match.watchlist in r.watchlists):
            changes = saved.changes if (route.channel, route.recipient) in seen else {}
            queued += outbox.enqueue(db, route.channel, route.recipient, notice.uid, saved.version,
                                     [match.watchlist], {match.watchlist: hits}, changes, stamp)
    return queued
