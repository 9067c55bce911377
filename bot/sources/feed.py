"""Any RSS or Atom feed of notices, e.g. an agency's "notices of intent to sole-source" feed.

The bytes come through our Http (timeouts, size cap, User-Agent); feedparser 6 only ever sees
them as a stream, never a URL (notes/platform.md §6.2), and sanitises embedded HTML. feedparser is
lenient: it reads a feed with a stray `&` (kept, logged), but also half a feed, so a document whose
root element is never closed is refused as truncated, and an HTML page is refused outright.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime

import feedparser

from ..errors import SourceError
from ..http import Response, url_for_log, snippet
from ..notice import Notice
from .bounded import MAX_MARKUP, markup_count
from .listing import TEXT_CHARS, Listing, absolute_link

log = logging.getLogger("procwatch")
HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL)
LAST_TAG = re.compile(rb"</\s*([\w:.-]+)\s*>\s*(?:<!--.*?-->\s*)*$", re.DOTALL)
ROOTS = {b"rss", b"feed", b"rdf:rdf", b"rdf"}
ENTITY_DECLARATION = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)


class Feed(Listing):
    kind = "feed"
    ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"

    def read(self, resp: Response) -> list[Notice]:
        """Every entry of the feed; an HTML page, a truncated or unreadable document is an error."""
        check_is_feed(resp)
        parsed = feedparser.parse(io.BytesIO(resp.body), response_headers={
            "content-location": resp.url, "content-type": _content_type(resp)})
        if not parsed.version:
            raise SourceError(f"{url_for_log(resp.url)} is not an RSS or Atom feed",
                              f"feedparser: {parsed.get('bozo_exception') or 'unknown format'}")
        if parsed.bozo:
            log.info("%s: feed is not well-formed XML, read leniently: %s", self.name, parsed.bozo_exception)
        agency = parsed.feed.get("title", "")
        return [self._entry(e, resp.url, agency) for e in parsed.entries]

    def _entry(self, entry, base: str, agency: str) -> Notice:
        link = absolute_link(base, entry.get("link"))
        content = entry.get("content") or [{}]
        text = entry.get("summary") or content[0].get("value", "")
        when = _get(entry, "published_parsed") or _get(entry, "updated_parsed")
        raw = {k: str(_get(entry, k))[:TEXT_CHARS] for k in ("id", "link", "title", "published", "updated", "summary")}
        return self.notice(link=link, title=entry.get("title", ""), text=text, native_id=entry.get("id", ""),
                           posted_at=_iso(when), agency=agency, raw=raw)


def check_is_feed(resp: Response) -> None:
    """Refuse an HTML page served with status 200, entity declarations, a document with more markup
    than a feed ever has, and one cut off early."""
    if HTML_START.match(resp.body[:2048]):
        raise SourceError(f"expected a feed from {url_for_log(resp.url)}, got an HTML page", snippet(resp))
    if ENTITY_DECLARATION.search(resp.body):
        raise SourceError(f"refused the feed from {url_for_log(resp.url)}: it declares XML entities",
                          "real feeds never do; this could be an entity-expansion attack")
    marks = markup_count(resp.body)
    if marks > MAX_MARKUP:
        raise SourceError(f"refused the feed from {url_for_log(resp.url)}: {marks} tags, over the cap of {MAX_MARKUP}",
                          "a real feed is far smaller; this one would take minutes and gigabytes to read")
    last = LAST_TAG.search(resp.body[-4096:])
    if not last or last.group(1).lower() not in ROOTS:
        raise SourceError(f"feed from {url_for_log(resp.url)} is truncated or not XML",
                          "the document does not end with </rss>, </feed> or </rdf:RDF>")


def _get(entry, key: str):
    """An entry field, without feedparser 6's deprecated `updated` → `published` fallback."""
    return entry.get(key) if key in entry else ""


def _content_type(resp: Response) -> str:
    return next((v for k, v in resp.headers.items() if k.lower() == "content-type"), "application/xml")


def _iso(when) -> str | None:
    """feedparser's UTC struct_time → ISO 8601 with offset."""
    if not when:
        return None
    try:
        return datetime(*when[:6], tzinfo=UTC).isoformat()
    except (TypeError, ValueError):
        return None
