"""The shared part of the `feed` and `page` sources: one URL that lists notices, read whole.

Both take a full `url`, an optional `agency` name (feeds and pages rarely name their buyer in a
form agency watchlists can use) and one competition rule: `assume = "sole_source"` for a feed or
page that only carries intent-to-sole-source notices, otherwise the text cues of `classify`. A poll
is one conditional GET (ETag / Last-Modified kept in the cursor), so an unchanged document costs
the server almost nothing and is not parsed again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..http import Http, Response
from ..notice import Notice
from .base import Source
from .fields import plain, record_text

ASSUME = ("", "sole_source")
TITLE_CHARS, TEXT_CHARS = 300, 20_000
URL = re.compile(r"^https?://[^/\s]+\S*$")


class Listing(Source):
    """Base class for sources whose whole content is one document at `url`."""

    EVERY = "1h"
    BASE_URL = ""  # not used: these kinds read the full `url` option
    OPTIONS = {"url": "", "agency": "", "assume": "", "allow_private": False}  # private: see http.refusal
    ACCEPT = "*/*"

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = []
        if not URL.match(options["url"]):
            problems.append(("url", "required: the full http(s) address of the feed or page"))
        if options["assume"] not in ASSUME:
            problems.append(("assume", 'must be "sole_source" or left out (then the text decides)'))
        return problems

    def fetch(self, cursor: dict | None, now: datetime) -> Iterator[tuple[Any, dict]]:
        """One conditional GET; a 304 yields nothing new and keeps the validators."""
        resp = conditional_get(self.http, self.options["url"], cursor or {}, self.ACCEPT)
        yield (None, cursor or {}) if resp.status == 304 else (resp, validators(resp))

    def parse(self, payload: Response | None) -> list[Notice]:
        """Notices from one fetched document (nothing for a 304); an item listed twice counts once."""
        unique: dict[str, Notice] = {}
        for notice in self.read(payload) if payload is not None else []:
            unique.setdefault(notice.native_id, notice)
        return list(unique.values())

    def read(self, resp: Response) -> list[Notice]:
        """Subclasses: the notices in the document, or SourceError when it is not what we expect."""
        raise NotImplementedError

    def notice(self, *, link: str, title: str, text: str = "", posted_at: str | None = None,
               native_id: str = "", agency: str = "", raw: dict) -> Notice:
        """A Notice with the shared rules applied: inert clipped text, the agency, `assume`."""
        title, text = plain(title, TITLE_CHARS), plain(text, TEXT_CHARS)
        native_id = plain(native_id, 500) or link or _digest(title, posted_at)
        sole = self.options["assume"] == "sole_source"
        agency = self.options["agency"] or plain(agency, TITLE_CHARS)
        return Notice(
            source=self.name, native_id=native_id, title=title, description=text,
            url=link or self.options["url"], kind="intent" if sole else "other",
            agency_path=[agency] if agency else [], posted_at=posted_at,
            competition="sole_source" if sole else "unknown",
            competition_evidence=[f'listed by a {self.kind} of sole-source notices (assume = "sole_source")']
            if sole else [],
            raw=record_text(raw))


def absolute_link(base: str, href: str | None) -> str:
    """`href` made absolute against `base`; anything but http(s) (javascript:, data:) becomes ""."""
    href = (href or "").strip()
    if not href:
        return ""
    link = urljoin(base, href)
    return link if urlsplit(link).scheme in ("http", "https") and len(link) <= 2000 else ""


def conditional_get(http: Http, url: str, known: dict, accept: str) -> Response:
    """GET `url` sending the validators of the last copy read; answers 200 or 304."""
    headers = {"Accept": accept}
    if known.get("etag"):
        headers["If-None-Match"] = known["etag"]
    if known.get("modified"):
        headers["If-Modified-Since"] = known["modified"]
    return http.request("GET", url, headers=headers, ok=(200, 304))


def validators(resp: Response) -> dict:
    """The ETag / Last-Modified of a response, to send back on the next poll."""
    found = {"etag": _header(resp, "etag"), "modified": _header(resp, "last-modified")}
    return {k: v for k, v in found.items() if v}


def _header(resp: Response, name: str) -> str:
    return next((v for k, v in resp.headers.items() if k.lower() == name), "")


def _digest(title: str, posted_at: str | None) -> str:
    """A stable id for an item that has neither id nor link."""
    return "sha1:" + hashlib.sha1(f"{title}|{posted_at or ''}".encode()).hexdigest()[:20]
