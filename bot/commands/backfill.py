"""`procwatch backfill SOURCE --since DATE [--until DATE] [--alert]`: read a past window, resumably.

The source cuts the window into the longest windows its API answers (`Source.backfill_windows`) and
reads each from the cursor it names for it (`Source.backfill_cursor`), in its own paging. Each page
is stored in one transaction together with the backfill's own cursor row (`SOURCE:backfill`: the
window being read and the source cursor after the page), so an interrupted backfill resumes at the
page after the last one stored, and the daemon's cursor for the source is never touched. Notices
are stored and matched; they are queued for delivery only with --alert.
"""

from __future__ import annotations

import time
from datetime import date

from ..errors import BotError
from . import iso_date
from ..pipeline import RunResult, ingest_page
from ..store import Database

CANNOT = 2  # exit code: the source cannot read a past window, or a page failed


def arguments(parser) -> None:
    parser.add_argument("source", help="a source name from feeds.toml")
    parser.add_argument("--since", required=True, type=iso_date, metavar="DATE", help="first day, YYYY-MM-DD")
    parser.add_argument("--until", type=iso_date, metavar="DATE", help="last day, YYYY-MM-DD (default: today)")
    parser.add_argument("--alert", action="store_true", help="also deliver matches (default: store only)")
    parser.add_argument("--restart", action="store_true", help="walk a finished window again")


def main(args, app, err, monotonic=time.monotonic) -> int:
    """0 when the window was read to its end; 2 when the source cannot backfill or a page failed
    (run again to resume); 130 on Ctrl-C."""
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
    source = app.source(args.source, db)
    if source.backfill_span() is None:
        print(f"{args.source}: a {source.kind} source cannot backfill: it only ever lists what it holds now "
              "(nothing to ask for a past window)", file=err)
        return CANNOT
    windows = source.backfill_windows(date.fromisoformat(args.since), date.fromisoformat(until))
    if not windows:
        raise BotError(f"{args.source} holds nothing before {source.BACKFILL_EARLIEST}",
                       f"choose --until on or after {source.BACKFILL_EARLIEST}")
    walk = Walk(db, app, source, args, until, err, monotonic)
    resume = walk.resume_point()
    if resume is None:
        return 0
    first, cursor = resume
    try:
        for n in range(first, len(windows)):
            walk.read(n, windows, cursor)
            cursor = None
    except BotError as e:
        walk.progress.end()
        print(f"{args.source}: backfill stopped: {e}; run the same command again to resume", file=err)
        return CANNOT
    except KeyboardInterrupt:
        walk.progress.end()
        print(f"{args.source}: interrupted; run the same command again to resume", file=err)
        return 130
    walk.finish(windows)
    if args.alert:
        app.deliver()
    return 0


class Walk:
    """One backfill run: where it resumes, each window read page by page, the closing line."""

    def __init__(self, db: Database, app, source, args, until: str, err, monotonic):
        self.db, self.app, self.source, self.args, self.err = db, app, source, args, err
        self.key, self.asked = f"{args.source}:backfill", {"since": args.since, "until": until}
        self.result, self.progress = RunResult(args.source), Progress(err, monotonic)
        self.stamp = app.clock().isoformat(timespec="seconds")
        self.routes = app.routes if args.alert else []

    def resume_point(self) -> tuple[int, dict | None] | None:
        """(window index, source cursor) to start from; None when this window was already read."""
        state = self.db.cursor(self.key) or {}
        if {k: state.get(k) for k in self.asked} != self.asked:
            return 0, None
        if state.get("done") and not self.args.restart:
            print(f"{self.args.source}: {self.asked['since']} to {self.asked['until']} was already backfilled "
                  "(--restart to read it again)", file=self.err)
            return None
        if state.get("done"):
            return 0, None
        print(f"{self.args.source}: resuming the backfill of {self.asked['since']} to {self.asked['until']}",
              file=self.err)
        return state.get("window", 0), state.get("cursor")

    def read(self, n: int, windows: list, cursor: dict | None) -> None:
        """Window n from `cursor` (else its start), each page stored with the position after it."""
        start, end = windows[n]
        self.progress.window(f"window {n + 1}/{len(windows)}: {start}..{end}")
        pages = self.source.fetch(cursor or self.source.backfill_cursor(start, end), self.app.clock())
        for (payload, following), last in _marking_last(pages):
            after = {"window": n + 1, "cursor": None} if last else {"window": n, "cursor": following}
            count = ingest_page(self.db, self.source, self.app.matcher, self.routes, payload,
                                (self.key, self._state(after)), None, self.stamp, self.result)
            self.progress.page(count, payload)
        self.db.set_cursor(self.key, self._state({"window": n + 1, "cursor": None}), self.stamp)

    def finish(self, windows: list) -> None:
        """Mark the backfill done and name the window actually read (a source may start later)."""
        self.db.set_cursor(self.key, self._state({"window": len(windows), "cursor": None}, done=True), self.stamp)
        self.progress.end()
        r = self.result
        print(f"{self.args.source}: backfilled {windows[0][0]} to {windows[-1][1]}: {r.fetched} notices read, "
              f"{r.new} new, {r.updated} updated, {len(r.matched)} matched a watchlist, {r.queued} queued"
              + ("" if self.args.alert else " (stored only: --alert to deliver)"), file=self.err)

    def _state(self, position: dict, done: bool = False) -> dict:
        return self.asked | position | {"done": done}


def _marking_last(pages):
    """(page, is_last) for each page; when reading ahead fails, the page in hand is handed over first
    (as not the last, so the backfill resumes after it) and then the failure."""
    none = object()
    pages = iter(pages)
    held = next(pages, none)
    while held is not none:
        try:
            following = next(pages, none)
        except BaseException:
            yield held, False
            raise
        yield held, following is none
        held = following


class Progress:
    """A heading per window, then items, pages, rate and (when the source reports the window's total)
    ETA on stderr; one updating line on a terminal."""

    def __init__(self, err, monotonic):
        self.err, self.monotonic = err, monotonic
        self.started, self.pages, self.items, self.in_window = monotonic(), 0, 0, 0
        self.tty = hasattr(err, "isatty") and err.isatty()
        self.open = False  # a terminal line is being updated in place

    def window(self, heading: str) -> None:
        """A new window: its heading on a line of its own; the ETA counts within it."""
        self.end()
        self.in_window = 0
        print(heading, file=self.err, flush=True)

    def page(self, items: int, payload) -> None:
        self.pages += 1
        self.items += items
        self.in_window += items
        elapsed = max(self.monotonic() - self.started, 1e-6)
        rate = self.items / elapsed
        line = f"  {self.items} items, {self.pages} pages, {rate:.1f} items/s"
        total = _total(payload)
        if total and rate > 0 and total > self.in_window:
            line += f", about {total} in this window, ETA {_duration((total - self.in_window) / rate)}"
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=self.err, flush=True)
        self.open = self.tty

    def end(self) -> None:
        if self.open:
            print(file=self.err)
            self.open = False


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


