"""The caps that keep a hostile document from eating the machine (the HTML parser that applies them is
bot/sources/soup.py, kept apart so that loading a source does not import beautifulsoup4).

A 20 MB page of tiny elements costs ~200 bytes of tree per byte under beautifulsoup4; so every
element, attribute and text piece is counted while the tree is built and parsing stops past
MAX_NODES or MAX_SECONDS, and a start tag longer than LONGEST_TAG (html.parser reads all of its
attributes at once) is refused before parsing starts. XML parsers (lxml, feedparser) cannot be
stopped midway, so an XML document is refused beforehand when it has more than MAX_MARKUP tags.
"""

from __future__ import annotations

import re

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
