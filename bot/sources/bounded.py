"""HTML and XML parsed within caps: a hostile document is refused quickly instead of eating the machine.

A 20 MB page of tiny elements costs ~200 bytes of tree per byte under beautifulsoup4; so every
element, attribute and text piece is counted while the tree is built and parsing stops past
MAX_NODES or MAX_SECONDS, and a start tag longer than LONGEST_TAG (html.parser reads all of its
attributes at once) is refused before parsing starts. XML parsers (lxml, feedparser) cannot be
stopped midway, so an XML document is refused beforehand when it has more than MAX_MARKUP tags.
"""

from __future__ import annotations

import html
import re
import time

from bs4 import BeautifulSoup

MAX_NODES = 150_000  # elements + attributes + text pieces; a real listing page has a few thousand
MAX_SECONDS = 20.0  # parsing and reading one page
LONGEST_TAG = 256 * 1024  # one start tag's bytes (html.parser reads all its attributes at once)
LONG_TAG = re.compile(r"<[a-zA-Z/][^<>]{%d}" % LONGEST_TAG)
LONG_TAG_BYTES = re.compile(LONG_TAG.pattern.encode())
TAG = re.compile(r"<[^<>]*>")


MAX_MARKUP = 200_000  # tags in one XML document, escaped or not; real feeds and FPDS pages have a few thousand
MARKS = (b"<", b"&lt;", b"&#60;", b"&#x3c;", b"&#x3C;")


def markup_count(body: bytes) -> int:
    """How many tags a document carries, counting escaped ones (which a feed parser unescapes and parses)."""
    return sum(body.count(m) for m in MARKS)


class TooBig(Exception):
    """A cap was hit while the page was being parsed."""


class BoundedSoup(BeautifulSoup):
    """BeautifulSoup that stops, instead of growing without bound, past a node count or a time."""

    nodes, limit, ends = 0, MAX_NODES, 0.0  # class attributes: a soup's own lookups find tags

    def __init__(self, markup: bytes | str, *args, limit: int = MAX_NODES, seconds: float = MAX_SECONDS, **kwargs):
        if (LONG_TAG_BYTES if isinstance(markup, bytes) else LONG_TAG).search(markup):
            raise TooBig(f"a tag longer than {LONGEST_TAG // 1024} KB")
        self.__dict__.update(nodes=0, limit=limit, ends=time.monotonic() + seconds)
        super().__init__(markup, *args, **kwargs)

    def _count(self, n: int) -> None:
        self.nodes += n
        if self.nodes > self.limit:
            raise TooBig(f"more than {self.limit} elements, attributes and texts")
        if self.nodes % 1000 < n and time.monotonic() > self.ends:
            raise TooBig(f"parsing took over {MAX_SECONDS:g}s")

    def handle_starttag(self, name, namespace, nsprefix, attrs, *args, **kwargs):
        self._count(1 + len(attrs or ()))
        return super().handle_starttag(name, namespace, nsprefix, attrs, *args, **kwargs)

    def handle_data(self, data):
        self._count(1)
        return super().handle_data(data)


def visible_text(markup: str) -> str:
    """The text of an HTML fragment, whitespace folded; past the caps, tags are stripped without a tree."""
    try:
        return " ".join(BoundedSoup(markup, "html.parser").get_text(" ").split())
    except TooBig:
        return " ".join(html.unescape(TAG.sub(" ", markup)).split())
