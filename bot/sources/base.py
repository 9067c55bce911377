"""What every source provides: its config keys, a paged fetch from a cursor, and a parser.

`fetch` yields (payload, cursor) pairs; the pipeline stores each page's notices and commits the
cursor that follows it in one transaction, so a crash never skips data.

Backfill: a source that can read a past window sets `BACKFILL_SPAN` (the most days its API answers
in one window) and reads exactly [since, until] from the cursor `backfill_cursor` makes, keeping
`until` in every cursor it yields so a resumed window still ends there; `procwatch backfill` cuts
the asked window with `backfill_windows`. Sources that only list what they hold now leave it None.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Iterator

from ..config_types import SourceConfig
from ..http import Http
from ..notice import Notice


class Budget:
    """A per-key daily request allowance; `spend()` raises RetryLater when it is used up."""

    def spend(self, n: int = 1) -> None:  # pragma: no cover - the pipeline supplies the real one
        pass

    def remaining(self) -> int | None:
        """Requests left today; None when there is no limit."""
        return None


class Source:
    """Base class: subclasses set the class attributes and implement `fetch` and `parse`."""

    kind: ClassVar[str]
    BASE_URL: ClassVar[str]
    EVERY: ClassVar[str] = "1h"
    OPTIONS: ClassVar[dict[str, Any]] = {}   # kind-specific keys → default (its type is enforced)
    SECRETS: ClassVar[tuple[str, ...]] = ()  # NAME for each `NAME_env` key the source accepts
    BACKFILL_SPAN: ClassVar[int | None] = None   # most days (inclusive) one backfill window spans; None: cannot
    BACKFILL_EARLIEST: ClassVar[str | None] = None  # first day the source holds data, when it says so

    def __init__(self, config: SourceConfig, http: Http, budget: Budget | None = None):
        self.config, self.http = config, http
        self.name = config.name
        self.base_url = config.base_url or self.BASE_URL
        self.options = config.options
        self.budget = budget or Budget()
        self.warnings: list[str] = []  # problems that did not fail the poll; shown in its health

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        """(key, problem) pairs for option values that have the right type but a bad value."""
        return []

    def backfill_span(self) -> int | None:
        """Days one backfill window may span, or None when this source cannot read a past window."""
        return self.BACKFILL_SPAN

    def backfill_windows(self, since: date, until: date) -> list[tuple[date, date]]:
        """[since, until] (from the earliest day held) cut into consecutive windows of at most the span."""
        span = self.backfill_span()
        if span is None:
            return []
        if self.BACKFILL_EARLIEST:
            since = max(since, date.fromisoformat(self.BACKFILL_EARLIEST))
        out = []
        while since <= until:
            end = min(since + timedelta(days=span - 1), until)
            out.append((since, end))
            since = end + timedelta(days=1)
        return out

    def backfill_cursor(self, since: date, until: date) -> dict:
        """The cursor from which `fetch` reads exactly [since, until] (both days included) and stops."""
        return {"since": since.isoformat(), "until": until.isoformat()}

    def fetch(self, cursor: dict | None, now: datetime) -> Iterator[tuple[Any, dict]]:
        """Yield (payload, cursor to commit after this page) from `cursor` up to `now`."""
        raise NotImplementedError

    def parse(self, payload: Any) -> list[Notice]:
        """Turn one payload into Notices (no I/O)."""
        raise NotImplementedError

    def wants_detail(self, notice: Notice) -> bool:
        """True when the notice is worth an extra request for its full text."""
        return False

    def detail_rank(self, notice: Notice, watched: bool) -> int | None:
        """Where the notice stands in the queue for a detail request (0 first); None: not worth one.

        `watched` is True when a watchlist term already hits its title, agency or vendor."""
        return 0 if self.wants_detail(notice) or watched else None

    def detail_allowance(self, now: datetime) -> int | None:
        """How many detail requests may be spent now; None when they are free of any budget."""
        return None

    def fetch_detail(self, notice: Notice) -> str:
        """The full description text of one notice (costs a request)."""
        raise NotImplementedError

    def fetch_document(self, url: str, max_bytes: int):
        """One attachment a notice links to, as an http Response (bot/documents.py decides which)."""
        return self.http.request("GET", url, max_bytes=max_bytes)

    def apply_detail(self, notice: Notice, detail: str) -> Notice:
        """The notice completed with its fetched (or cached) detail; by default, the description."""
        return notice.replace(description=detail)
