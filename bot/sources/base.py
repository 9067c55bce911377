"""What every source provides: its config keys, a paged fetch from a cursor, and a parser.

`fetch` yields (payload, cursor) pairs; the pipeline stores each page's notices and commits the
cursor that follows it in one transaction, so a crash never skips data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Iterator

from ..config import SourceConfig
from ..http import Http
from ..notice import Notice


class Budget:
    """A per-key daily request allowance; `spend()` raises RetryLater when it is used up."""

    def spend(self, n: int = 1) -> None:  # pragma: no cover - the pipeline supplies the real one
        pass


class Source:
    """Base class: subclasses set the class attributes and implement `fetch` and `parse`."""

    kind: ClassVar[str]
    BASE_URL: ClassVar[str]
    EVERY: ClassVar[str] = "1h"
    OPTIONS: ClassVar[dict[str, Any]] = {}   # kind-specific keys → default (its type is enforced)
    SECRETS: ClassVar[tuple[str, ...]] = ()  # NAME for each `NAME_env` key the source accepts

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

    def fetch(self, cursor: dict | None, now: datetime) -> Iterator[tuple[Any, dict]]:
        """Yield (payload, cursor to commit after this page) from `cursor` up to `now`."""
        raise NotImplementedError

    def parse(self, payload: Any) -> list[Notice]:
        """Turn one payload into Notices (no I/O)."""
        raise NotImplementedError

    def wants_detail(self, notice: Notice) -> bool:
        """True when the notice is worth an extra request for its full text."""
        return False

    def fetch_detail(self, notice: Notice) -> str:
        """The full description text of one notice (costs a request)."""
        raise NotImplementedError

    def fetch_document(self, url: str, max_bytes: int):
        """One attachment a notice links to, as an http Response (bot/documents.py decides which)."""
        return self.http.request("GET", url, max_bytes=max_bytes)

    def apply_detail(self, notice: Notice, detail: str) -> Notice:
        """The notice completed with its fetched (or cached) detail; by default, the description."""
        return notice.replace(description=detail)
