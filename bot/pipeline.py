"""run_source(): one source through fetch → parse → classify → store → match → outbox.

This is the one place that catches a source's errors and records its health: a failing source
leaves its cursor where it was (nothing skipped) and never stops the others.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from . import detail_plan, documents, evidence, flags, outbox, redact
from .classify import classify
from .errors import BotError, RetryLater
from .match import Matcher
from .notice import Notice
from .sources.base import Source
from .sources.us_awards import WITHDRAWN
from .store import Database, Saved, budget_key, same_amount

log = logging.getLogger("procwatch")
THREAD_FIELDS = ("vendor_name", "amount", "competition")  # what makes a modification news


@dataclass(frozen=True)
class Route:
    """Where matches go: a channel's recipient and the watchlists it follows."""

    channel: str
    recipient: str
    watchlists: frozenset[str]


@dataclass
class RunResult:
    source: str
    fetched: int = 0
    new: int = 0
    updated: int = 0
    queued: int = 0
    held_back: int = 0
    error: str | None = None
    retry_after: float | None = None
    matched: list[str] = field(default_factory=list)
    details_read: int = 0  # descriptions paid for from a request budget in this run
    details_left: int = 0  # candidates the budget could not pay for (read on a later poll)

    def summary(self) -> str:
        """One line for the log."""
        if self.error:
            return f"{self.source}: FAILED: {self.error}"
        line = (f"{self.source}: {self.fetched} fetched, {self.new} new, {self.updated} updated, "
                f"{self.queued} queued for delivery")
        return line + (f", {self.held_back} older held back as first-run baseline" if self.held_back else "")


class DailyBudget:
    """A key's daily request allowance, counted in the database per UTC day."""

    def __init__(self, db: Database, secret: str, limit: int, clock):
        self.db, self.limit, self.clock = db, limit, clock
        self.key_id = budget_key(secret)

    def spend(self, n: int = 1) -> None:
        now = self.clock()
        day = now.date().isoformat()
        if self.db.budget_used(self.key_id, day) + n > self.limit:
            tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), timezone.utc)
            raise RetryLater(f"daily request budget of {self.limit} spent", (tomorrow - now).total_seconds(),
                             f"waiting for the next UTC day ({tomorrow:%Y-%m-%d}); raise daily_request_limit if your key allows more")
        self.db.spend_budget(self.key_id, day, n)

    def remaining(self) -> int:
        """Requests left in this UTC day."""
        return max(0, self.limit - self.db.budget_used(self.key_id, self.clock().date().isoformat()))


def run_source(db: Database, source: Source, matcher: Matcher, routes: list[Route],
               first_run_alert_days: int, now: datetime) -> RunResult:
    """Poll one source to the end of its pages; errors are recorded, never raised."""
    result = RunResult(source.name)
    stamp = now.isoformat(timespec="seconds")
    baseline_before = _baseline_cutoff(db, source.name, first_run_alert_days, now)
    try:
        for payload, cursor in source.fetch(db.cursor(source.name), now):
            ingest_page(db, source, matcher, routes, payload, (source.name, cursor), baseline_before, stamp, result)
    except BotError as e:
        result.error = str(e)
        result.retry_after = e.seconds if isinstance(e, RetryLater) else None
    except Exception as e:  # a parser bug must not stop the other sources
        log.debug("unexpected error in %s", source.name, exc_info=True)
        result.error = f"internal error: {type(e).__name__}: {e}"
    result.error = redact.mask(result.error)  # an exception text may echo a secret
    db.record_health(source.name, stamp, result.error, result.fetched, result.new,
                     redact.mask("; ".join(source.warnings)))
    _record_plan(db, source.name, now, result)
    return result


def _record_plan(db: Database, name: str, now: datetime, result: RunResult) -> None:
    """Today's description reads and the latest unread backlog, for `procwatch status`."""
    key, day = f"descriptions:{name}", now.date().isoformat()
    seen = json.loads(db.meta(key) or "{}")
    if not (result.details_read or result.details_left or seen.get("day") == day):
        return
    read = (seen.get("read", 0) if seen.get("day") == day else 0) + result.details_read
    db.set_meta(key, json.dumps({"day": day, "read": read, "left": result.details_left}))


def ingest_page(db: Database, source: Source, matcher: Matcher, routes: list[Route], payload,
                cursor: tuple[str, dict], cutoff: str | None, stamp: str, result: RunResult) -> int:
    """One page: prepare its notices, then store, queue matches and commit the (key, value) cursor in
    one transaction, so a crash never skips or half-stores a page. Returns the page's notice count."""
    parsed, now = list(source.parse(payload)), datetime.fromisoformat(stamp)
    db.preload_details(n.uid for n in parsed)
    paid = source.detail_allowance(now) is not None  # descriptions cost budget: reuse any already stored
    known = {n.uid: _known_description(db, n, paid) for n in parsed}
    unread = [n for n in parsed if known[n.uid] is None and not _is_baseline(n, cutoff)]
    ranks = detail_plan.ranks(source, matcher, unread)
    wanted, left = detail_plan.choose(source, unread, ranks, now)
    inputs = {n.uid: detail_plan.rank_inputs(n) for n in unread}
    response = getattr(source.http, "last_response", None)  # the page's own, before any description request
    notices = [_prepare(db, source, matcher, n, known[n.uid], n.uid in wanted, cutoff, stamp,
                        (inputs[n.uid], ranks[n.uid]) if n.uid in inputs else None) for n in parsed]
    if paid:  # the plan `status` shows is about budgeted requests
        result.details_read += len(wanted)
        result.details_left += left
    held_before, matched_before = result.held_back, len(result.matched)
    with db.transaction():
        db.preload(n.uid for n in notices)
        for notice in notices:
            _store(db, notice, matcher, routes, cutoff, stamp, result)
        evidence.keep(db, response, result.matched[matched_before:], stamp)
        db.set_cursor(*cursor, stamp)
        if result.held_back > held_before:
            db.add_baseline(source.name, result.held_back - held_before, stamp)
    return len(notices)


def _baseline_cutoff(db: Database, name: str, days: int, now: datetime) -> str | None:
    """On a source's first successful poll, notices posted before this date are baseline only."""
    health = [h for h in db.health() if h["source"] == name]
    if health and health[0]["last_ok_at"]:
        return None
    return (now - timedelta(days=days)).date().isoformat()


def _is_baseline(notice: Notice, cutoff: str | None) -> bool:
    return cutoff is not None and bool(notice.posted_at) and notice.posted_at[:10] < cutoff


def _known_description(db: Database, notice: Notice, paid: bool) -> str | None:
    """A description already at hand: cached for this summary or, when reading one costs budget,
    stored for this uid (the public extract fills it in for API notices); None: it takes a request."""
    cached = db.detail(notice)
    if cached is not None or notice.description or not paid:
        return cached
    stored = db.notice(notice.uid)
    return stored.description if stored is not None and stored.description else None


def _prepare(db: Database, source: Source, matcher: Matcher, notice: Notice, description: str | None, read: bool,
             cutoff, stamp, planned: tuple[tuple, int | None] | None = None) -> Notice:
    """Add the description (known, or paid for when the plan reads it), classify, and for a candidate
    (J&A or intent-like, a watchlist hit, or sole source by its text) read its attachments and
    classify again with their text (bot/documents.py). `planned`: (what the rank read, the rank)
    from the detail plan, reused when the notice still reads the same."""
    if description is None and read:
        try:
            description = source.fetch_detail(notice)
        except NotImplementedError:
            description = None
        if description is not None:
            db.save_detail(notice.uid, notice.content_hash(), description, stamp)
    if description:
        notice = source.apply_detail(notice, description)
    notice = classify(notice)
    candidate = not _is_baseline(notice, cutoff) and (
        notice.competition == "sole_source" or _rank(source, matcher, notice, planned) in (0, 1))
    attached = documents.attach(db, source.fetch_document, notice, candidate, stamp, source.base_url)
    if attached is not notice:
        notice = documents.cite(classify(attached))
    if notice.competition == "sole_source" and notice.kind in ("tender", "other"):
        notice = notice.replace(kind="intent")
    return notice


def _rank(source: Source, matcher: Matcher, notice: Notice, planned: tuple[tuple, int | None] | None) -> int | None:
    """The notice's detail rank: the plan's when what it read is unchanged (compared by identity,
    then by value), else ranked again."""
    if planned is not None:
        inputs, rank = planned
        now = detail_plan.rank_inputs(notice)
        if all(a is b for a, b in zip(inputs, now)) or inputs == now:
            return rank
    return source.detail_rank(notice, matcher.prefilter(notice))


def _store(db: Database, notice: Notice, matcher: Matcher, routes: list[Route], cutoff, stamp,
           result: RunResult) -> None:
    """Save one notice; queue a new or materially changed version for each route it matches."""
    result.fetched += 1
    if notice.codes.get(WITHDRAWN):
        return _withdraw(db, notice, stamp, result)
    saved = db.save(notice, stamp)
    if saved.status == "same":
        return
    if saved.status == "new":
        result.new += 1
    else:
        result.updated += 1
    raised = flags.refresh(db, notice, stamp)
    hits = {m.watchlist: documents.label_hits(notice, [dict(vars(h)) for h in m.hits])  # asdict's deep copy: 3×
            for m in matcher.match(notice, raised)}
    for watchlist, found in hits.items():
        db.save_match(saved.uid, saved.version, watchlist, found, stamp)
    if not hits:
        return
    if _is_baseline(notice, cutoff):
        result.held_back += 1
        return
    if saved.status == "new" and notice.kind == "modification":  # only what is queued reads it
        saved = _as_thread_update(db, notice, saved)
    # A modification threads under its award (material changes only); any other version seen before
    # goes to a recipient who never saw the notice as new, even after a non-material edit.
    seen = set() if saved.status in ("new", "thread") else \
        {(a["channel"], a["recipient"]) for a in db.alerted_to(saved.uid)}
    queued = result.queued
    for route in routes:
        wanted = sorted(set(hits) & route.watchlists)
        first = saved.status != "thread" and (route.channel, route.recipient) not in seen
        if not wanted or not (first or saved.material):
            continue
        changes = {} if first and saved.status != "new" else saved.changes
        if outbox.enqueue(db, route.channel, route.recipient, saved.uid, saved.version, wanted,
                          {w: hits[w] for w in wanted}, changes, stamp):
            result.queued += 1
    if saved.status == "new" or saved.material or result.queued > queued:
        result.matched.append(notice.uid)


def _as_thread_update(db: Database, notice: Notice, saved: Saved) -> Saved:
    """A modification whose award is stored is an update of it: material only if it changed
    vendor, amount or competition (DESIGN §4); a modification seen first stays news."""
    base = db.related(notice.reference, notice.uid, ("award", "idv", "modification"), source=notice.source,
                      idv=notice.codes.get("idv"), newest=True)
    if base is None:
        return saved
    content = notice.content()
    before = base | {"amount": same_amount(base["amount"], content["amount"])}
    changes = {f: [before[f], content[f]] for f in THREAD_FIELDS if before[f] != content[f]}
    return dataclasses.replace(saved, status="thread", changes=changes, material=bool(changes))


def _withdraw(db: Database, notice: Notice, stamp: str, result: RunResult) -> None:
    """A deleted record: the stored notice is marked withdrawn, and shown so where it was alerted."""
    saved = db.mark_withdrawn(notice.uid, "withdrawn by the source (" + ", ".join(notice.codes[WITHDRAWN]) + ")",
                              stamp)
    if saved is None:
        return
    result.updated += 1
    for alert in db.alerted_to(notice.uid):
        if outbox.enqueue(db, alert["channel"], alert["recipient"], saved.uid, saved.version,
                          json.loads(alert["watchlists"]), json.loads(alert["hits"] or "{}"), saved.changes, stamp):
            result.queued += 1
