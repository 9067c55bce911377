"""`procwatch backfill SOURCE --since DATE [--until DATE] [--alert]`: read a past window, resumably.

The source walks the window in its own paging, starting from the cursor {"since", "until"}. Each
page is stored in one transaction together with the backfill's own cursor row (`SOURCE:backfill`),
so an interrupted backfill resumes at the page after the last one stored, and the daemon's cursor
for the source is never touched. Notices are stored and matched; they are queued for delivery only
with --alert.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from ..errors import BotError
from ..pipeline import RunResult, ingest_page
from ..store import Database


def arguments(parser) -> None:
    parser.add_argument("source", help="a source name from feeds.toml")
    parser.add_argument("--since", required=True, type=_date, metavar="DATE", help="first day, YYYY-MM-DD")
    parser.add_argument("--until", type=_date, metavar="DATE", help="last day, YYYY-MM-DD (default: today)")
    parser.add_argument("--alert", action="store_true", help="also deliver matches (default: store only)")
    parser.add_argument("--restart", action="store_true", help="walk a finished window again")


def main(args, app, err, monotonic=time.monotonic) -> int:
    """0 when the window was read to its end; 2 when a page failed (run again to resume); 130 on Ctrl-C."""
    source_cfg = app.config.sources.get(args.source)
    if source_cfg is None:
        raise BotError(f"no source named {args.source!r}", "see `procwatch check`")
    if not source_cfg.enabled:
        raise BotError(f"source {args.source} is disabled", "enable it (or set its API key) in feeds.toml")
    now = app.clock()
    until = args.until or now.date().isoformat()
    if args.since > until:
        raise BotError(f"--since {args.since} is after --until {until}")
    db = app.database()
    try:
        return _walk(db, app, args, until, err, monotonic)
    finally:
        db.close()


def _walk(db: Database, app, args, until: str, err, monotonic) -> int:
    key = f"{args.source}:backfill"
    window = {"since": args.since, "until": until}
    state = db.cursor(key) or {}
    same = state.get("since") == args.since and state.get("until") == until
    if same and state.get("done") and not args.restart:
        print(f"{args.source}: {args.since} to {until} was already backfilled (--restart to read it again)", file=err)
        return 0
    cursor = state["cursor"] if same and not state.get("done") else window
    if cursor is not window:
        print(f"{args.source}: resuming the backfill of {args.since} to {until}", file=err)
    source = app.source(args.source, db)
    routes = app.routes if args.alert else []
    result, progress = RunResult(args.source), Progress(err, monotonic)
    stamp = app.clock().isoformat(timespec="seconds")
    try:
        for payload, following in source.fetch(cursor, app.clock()):
            count = ingest_page(db, source, app.matcher, routes, payload,
                                (key, window | {"cursor": following, "done": False}), None, stamp, result)
            progress.page(count, payload)
    except BotError as e:
        progress.end()
        print(f"{args.source}: backfill stopped: {e}; run the same command again to resume", file=err)
        return 2
    except KeyboardInterrupt:
        progress.end()
        print(f"{args.source}: interrupted; run the same command again to resume", file=err)
        return 130
    db.set_cursor(key, window | {"cursor": None, "done": True}, stamp)
    progress.end()
    print(f"{args.source}: backfilled {args.since} to {until}: {result.fetched} notices read, {result.new} new, "
          f"{result.updated} updated, {len(result.matched)} matched a watchlist, {result.queued} queued"
          + ("" if args.alert else " (stored only: --alert to deliver)"), file=err)
    if args.alert:
        app.deliver()
    return 0


class Progress:
    """Items, pages, rate and (when the source reports a total) ETA on stderr; one updating line on a terminal."""

    def __init__(self, err, monotonic):
        self.err, self.monotonic = err, monotonic
        self.started, self.pages, self.items = monotonic(), 0, 0
        self.tty = hasattr(err, "isatty") and err.isatty()

    def page(self, items: int, payload) -> None:
        self.pages += 1
        self.items += items
        elapsed = max(self.monotonic() - self.started, 1e-6)
        rate = self.items / elapsed
        line = f"  {self.items} items, {self.pages} pages, {rate:.1f} items/s"
        total = _total(payload)
        if total and rate > 0 and total > self.items:
            line += f", about {total} in all, ETA {_duration((total - self.items) / rate)}"
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=self.err, flush=True)

    def end(self) -> None:
        if self.tty and self.pages:
            print(file=self.err)


def _total(payload) -> int | None:
    """The size of the whole window, where a source's pages report it (e.g. SAM.gov's totalRecords)."""
    if isinstance(payload, dict):
        for key in ("totalRecords", "total", "count"):
            if isinstance(payload.get(key), int):
                return payload[key]
    return None


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m{secs:02d}s"


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad date {text!r}: write YYYY-MM-DD") from None


