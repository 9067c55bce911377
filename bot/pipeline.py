"""run_source(): one source through fetch → parse → classify → store → match → outbox.

This is the one place that catches a source's errors and records its health: a failing source
leaves its cursor where it was (nothing skipped) and never stops the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from . import documents, evidence, flags, outbox
from .classify import classify
from .errors import BotError, RetryLater
from .match import Matcher
from .notice import Notice
from .sources.base import Source
from .sources.us_awards import WITHDRAWN
from .store import Database, Saved

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
        self.key_id = hashlib.sha256(secret.encode()).hexdigest()[:16]  # never the key itself

    def spend(self, n: int = 1) -> None:
        now = self.clock()
        day = now.date().isoformat()
        if self.db.budget_used(self.key_id, day) + n > self.limit:
            tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), timezone.utc)
            raise RetryLater(f"daily request budget of {self.limit} spent", (tomorrow - now).total_seconds(),
                             f"waiting for the next UTC day ({tomorrow:%Y-%m-%d}); raise daily_request_limit if your key allows more")
        self.db.spend_budget(self.key_id, day, n)


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
    db.record_health(source.name, stamp, result.error, result.fetched, result.new, "; ".join(source.warnings))
    return result


def ingest_page(db: Database, source: Source, matcher: Matcher, routes: list[Route], payload,
                cursor: tuple[str, dict], cutoff: str | None, stamp: str, result: RunResult) -> int:
    """One page: prepare its notices, then store, queue matches and commit the (key, value) cursor in
    one transaction, so a crash never skips or half-stores a page. Returns the page's notice count."""
    response = getattr(source.http, "last_response", None)  # before _prepare's description requests
    notices = [_prepare(db, source, matcher, n, cutoff, stamp) for n in source.parse(payload)]
    held_before, matched_before = result.held_back, len(result.matched)
    with db.transaction():
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


def _prepare(db: Database, source: Source, matcher: Matcher, notice: Notice, cutoff, stamp) -> Notice:
    """Add the paid-for description and the attachments' text when the notice is a candidate, then classify."""
    summary_hash = notice.content_hash()
    description = db.detail(notice.uid, summary_hash)
    wanted = not _is_baseline(notice, cutoff) and (source.wants_detail(notice) or matcher.prefilter(notice))
    if description is None and wanted:
        try:
            description = source.fetch_detail(notice)
        except NotImplementedError:
            description = None
        if description is not None:
            db.save_detail(notice.uid, summary_hash, description, stamp)
    if description:
        notice = source.apply_detail(notice, description)
    notice = documents.cite(classify(documents.attach(db, source.fetch_document, notice, wanted, stamp, source.base_url)))
    if notice.competition == "sole_source" and notice.kind in ("tender", "other"):
        notice = notice.replace(kind="intent")
    return notice


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
    hits = {m.watchlist: documents.label_hits(notice, [dataclasses.asdict(h) for h in m.hits])
            for m in matcher.match(notice, raised)}
    for watchlist, found in hits.items():
        db.save_match(saved.uid, saved.version, watchlist, found, stamp)
    if saved.status == "new" and notice.kind == "modification":
        saved = _as_thread_update(db, notice, saved)
    if not hits:
        return
    if _is_baseline(notice, cutoff):
        result.held_back += 1
        return
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
    idv = notice.codes.get("idv")
    base = [r for r in db.related(notice.reference, notice.uid) if r["source"] == notice.source
            and r["kind"] in ("award", "modification") and json.loads(r["codes"] or "{}").get("idv") == idv]
    if not base:
        return saved
    content = notice.content()
    changes = {f: [base[-1][f], content[f]] for f in THREAD_FIELDS if base[-1][f] != content[f]}
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
