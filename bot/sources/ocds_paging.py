"""What every OCDS API source shares: date windows from a cursor, `links.next` paging, the mapping.

Publishers filter by a published/updated time and page with an opaque cursor inside `links.next`
(notes/sources-intl.md §5). A window's pages are all read before any is stored, so the latest
release of each ocid wins across pages (a notice never steps back to an older release), and a
failed page leaves the cursor where it was; stored notices make the re-read free. The next
link is followed on the configured host (a proxy or test server keeps working), never with an
empty `cursor=`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterator
from urllib.parse import urlsplit, urlunsplit

from ..errors import SourceError
from ..http import Response, parse_json
from ..notice import Notice
from . import ocds_mapping
from .base import Source


class OcdsPackages(Source):
    """Base for OCDS sources; subclasses say how a window's first request looks."""

    EVERY = "1h"
    BACKFILL_SPAN = 31  # days a backfill window spans; its requests stay `window_hours` long
    OPTIONS = {"lookback_days": 3, "window_hours": 6, "overlap_minutes": 30}
    MAX_WINDOW_HOURS = 24 * 31
    WAIT_STATUSES: tuple[int, ...] = ()  # statuses that mean "slow down" for this publisher

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = []
        if not 1 <= options["window_hours"] <= cls.MAX_WINDOW_HOURS:
            problems.append(("window_hours", f"must be between 1 and {cls.MAX_WINDOW_HOURS}"))
        if not 1 <= options["lookback_days"] <= 366:
            problems.append(("lookback_days", "must be between 1 and 366"))
        if options["overlap_minutes"] < 0:
            problems.append(("overlap_minutes", "must be 0 or more"))
        return problems

    def first_request(self, start: datetime, end: datetime) -> tuple[str, dict]:
        """(url, query params) of the first page of one window."""
        raise NotImplementedError

    def notice_url(self, release: dict) -> str:
        """The human link for one release."""
        return ocds_mapping.document_url(release)

    def fetch(self, cursor: dict | None, now: datetime) -> Iterator[tuple[Any, dict]]:
        """Every page of every window from the cursor (less the overlap) up to now, or up to the
        end of a backfill's `until` day."""
        committed = dict(cursor or {})
        until = {"until": committed["until"]} if committed.get("until") else {}
        for start, end in self.windows(committed, now):
            pages = ocds_mapping.window_latest(list(self._pages(*self.first_request(start, end))))
            for n, package in enumerate(pages, 1):
                yield package, (until | {"done_to": _iso(end)} if n == len(pages) else committed)
            committed = until | {"done_to": _iso(end)}

    def _pages(self, url: str | None, params: dict | None) -> Iterator[dict]:
        """Every page of one window, following links.next on our host until it ends."""
        seen = {url}
        while url:
            package = self.get_package(url, params)
            yield package
            nxt = ocds_mapping.next_link(package)
            url, params = (self._on_our_host(nxt), None) if nxt else (None, None)
            if url in seen:
                raise SourceError("OCDS paging loops: links.next repeats a page", _trim(nxt))
            seen.add(url)

    def windows(self, cursor: dict, now: datetime) -> list[tuple[datetime, datetime]]:
        """[start, end) windows of `window_hours`: from the cursor (less the overlap) to now, or a
        backfill's days since 00:00 UTC of `since` (or its last full window) to the end of `until`."""
        done_to = datetime.fromisoformat(cursor["done_to"]) if cursor.get("done_to") else None
        if cursor.get("until"):
            stop = _midnight(cursor["until"]) + timedelta(days=1)
            start = done_to or _midnight(cursor["since"])
        else:
            stop = now.astimezone(timezone.utc).replace(microsecond=0)
            start = (done_to - timedelta(minutes=self.options["overlap_minutes"]) if done_to
                     else stop - timedelta(days=self.options["lookback_days"]))
        step, out = timedelta(hours=self.options["window_hours"]), []
        while start < stop:
            out.append((start, min(start + step, stop)))
            start += step
        return out

    def get_package(self, url: str, params: dict | None) -> dict:
        """One page as a JSON package; statuses a publisher uses to say "wait" are handled first."""
        resp = self.http.request("GET", url, params=params, ok=(200,) + self.WAIT_STATUSES,
                                 headers=self.headers())
        self.check_wait(resp)
        package = parse_json(resp)
        ocds_mapping.releases_of(package)  # raises a clear SourceError on a non-OCDS body
        return package

    def check_wait(self, resp: Response) -> None:
        """Raise RetryLater for a publisher-specific "slow down" status (see WAIT_STATUSES)."""

    def headers(self) -> dict:
        return {}

    def parse(self, payload: Any) -> list[Notice]:
        return ocds_mapping.notices(payload, self.name, self.notice_url)

    def _on_our_host(self, link: str) -> str:
        """The next link's path and query on the configured scheme and host."""
        ours, theirs = urlsplit(self.base_url), urlsplit(link)
        return urlunsplit((ours.scheme, ours.netloc, theirs.path, theirs.query, ""))


def _midnight(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _trim(text: str | None) -> str:
    return (text or "")[:120]
