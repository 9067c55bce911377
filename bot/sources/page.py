"""Any HTML page that lists notices, read with the CSS selectors given in feeds.toml.

For agencies that publish intent-to-award notices only as a web page (a city's "notice of intent
to award a sole-source contract" list). Parsed with beautifulsoup4's stdlib "html.parser", named
explicitly so the tree never depends on which optional parser happens to be installed (notes/
platform.md §6.3). A page whose `item` selector matches nothing is an error — the site changed, or
an error page was served with status 200 — never "no news", unless the page shows `none_text`.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

import soupsieve
from bs4 import BeautifulSoup, Tag

from ..errors import SourceError
from ..http import Response, url_for_log
from ..notice import Notice
from .bounded import MAX_NODES, MAX_SECONDS, TooBig
from .fields import plain
from .listing import TITLE_CHARS, Listing, absolute_link
from .soup import BoundedSoup

SELECTORS = ("item", "title", "link", "date", "text")
INERT = ["script", "style", "template", "noscript", "iframe", "object"]
DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")
OPENED, CLOSED = re.compile(rb"<html[\s>]", re.IGNORECASE), re.compile(rb"</html\s*>", re.IGNORECASE)
CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
class Page(Listing):
    kind = "page"
    ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
    OPTIONS = Listing.OPTIONS | {"item": "", "title": "", "link": "a[href]", "date": "", "text": "",
                                 "date_format": "", "none_text": "", "max_nodes": MAX_NODES}

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = super().check_options(options)
        if not 1000 <= options["max_nodes"] <= 1_000_000:
            problems.append(("max_nodes", f"must be between 1000 and 1000000 (default {MAX_NODES})"))
        if not options["item"].strip():
            problems.append(("item", 'required: the CSS selector of one notice, e.g. "table.notices tr"'))
        for key in SELECTORS:
            try:
                if options[key].strip():
                    soupsieve.compile(options[key])
            except soupsieve.SelectorSyntaxError as e:
                problems.append((key, f"bad CSS selector {options[key]!r}: {str(e).splitlines()[0]}"))
        return problems

    def read(self, resp: Response) -> list[Notice]:
        """One Notice per `item`; zero items is an error unless the page says `none_text`."""
        if OPENED.search(resp.body[:4096]) and not CLOSED.search(resp.body[-4096:]):
            raise SourceError(f"page from {url_for_log(resp.url)} is truncated", "it opens <html> but never closes it")
        ends = time.monotonic() + MAX_SECONDS
        soup = self._soup(resp)
        for tag in soup(INERT):
            tag.decompose()
        base = absolute_link(resp.url, _base_href(soup)) or resp.url
        items = soup.select(self.options["item"])
        if not items:
            return self._no_items(soup, resp)
        notices = []
        for item in items:
            if time.monotonic() > ends:
                raise SourceError(f"page from {url_for_log(resp.url)} refused: reading it took over {MAX_SECONDS:g}s",
                                  f"{len(items)} items; a listing page should be far smaller")
            if notice := self._item(item, base):
                notices.append(notice)
        if not notices:
            raise SourceError(f'{len(items)} items on {url_for_log(resp.url)} have no title or link',
                              "check the title and link selectors against the page")
        return notices

    def _soup(self, resp: Response) -> BeautifulSoup:
        """The parsed page, within the element and time caps (a hostile page is refused, not swallowed)."""
        try:
            return BoundedSoup(resp.body, "html.parser", from_encoding=_charset(resp),
                               limit=self.options["max_nodes"], seconds=MAX_SECONDS)
        except TooBig as e:
            raise SourceError(f"page from {url_for_log(resp.url)} refused: {e} (cap reached while parsing)",
                              f"a listing page should be far smaller; if it really is this big, raise "
                              f"max_nodes (now {self.options['max_nodes']})") from None

    def _no_items(self, soup: BeautifulSoup, resp: Response) -> list[Notice]:
        """Zero items: fine when the page says it has none, otherwise the layout changed."""
        page_text = " ".join(soup.get_text(" ").split())
        if self.options["none_text"] and self.options["none_text"].casefold() in page_text.casefold():
            return []
        seen = plain(soup.title.get_text(" ") if soup.title else page_text, 120)
        raise SourceError(f'item selector {self.options["item"]!r} matched nothing on {url_for_log(resp.url)}',
                          f'the page changed or is an error page; it reads "{seen}"')

    def _item(self, item: Tag, base: str) -> Notice | None:
        """One item → Notice, or None when it has neither title nor link (a header row, say)."""
        link_el = self._pick(item, "link") or (item if item.name == "a" else None)
        link = absolute_link(base, link_el.get("href") if link_el else None)
        title_el = self._pick(item, "title") if self.options["title"] else link_el or item
        title = _text(title_el) if title_el else ""  # a configured selector that misses: no guessing
        if not (title or link):
            return None
        date_el, text_el = self._pick(item, "date"), self._pick(item, "text")
        stamp = _stamp(date_el) if date_el else ""
        return self.notice(link=link, title=title, text=_text(text_el) if text_el else "",
                           posted_at=page_date(stamp, self.options["date_format"]),
                           raw={"html": str(item)[:20_000], "base": base})

    def _pick(self, item: Tag, key: str) -> Tag | None:
        selector = self.options[key]
        return item.select_one(selector) if selector else None


def page_date(value: str, fmt: str = "") -> str | None:
    """A date as printed on a page → ISO 8601; `fmt` (strptime) when given, else common forms."""
    value = " ".join(str(value).split())[:100]
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat() if "T" in value \
            else datetime.fromisoformat(value[:10]).date().isoformat()
    except ValueError:
        pass
    for form in (fmt,) if fmt else DATE_FORMATS:
        try:
            return datetime.strptime(value, form).date().isoformat()
        except ValueError:
            continue
    return None


def _stamp(el: Tag) -> str:
    """A machine-readable `datetime` attribute (on the element or a `<time>` inside), else the text."""
    machine = el if el.get("datetime") else el.find("time", datetime=True)
    return machine["datetime"] if machine else _text(el)


def _text(el: Tag) -> str:
    return plain(el.get_text(" "), TITLE_CHARS * 100)


def _base_href(soup: BeautifulSoup) -> str | None:
    base = soup.find("base", href=True)
    return base["href"] if base else None


def _charset(resp: Response) -> str | None:
    """The charset the server declared, if any (bs4 sniffs `<meta charset>` otherwise)."""
    ctype = next((v for k, v in resp.headers.items() if k.lower() == "content-type"), "")
    found = CHARSET.search(ctype)
    return found.group(1) if found else None
