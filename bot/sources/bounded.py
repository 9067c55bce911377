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
ESCAPED_MARK = re.compile(rb"&(?:lt;|#60;|#x3[cC];)")  # a "<" escaped, as a feed parser unescapes and parses it


def markup_count(body: bytes) -> int:
    """How many tags a document carries, counting escaped ones. One pass for the escaped forms, not
    one count each (an FPDS page: 170 µs against 440, its parse 735); `subn` counts without keeping
    the matches, so a page of millions of them costs no more than its own size."""
    return body.count(b"<") + ESCAPED_MARK.subn(b"", body)[1]


class TooBig(Exception):
    """A cap was hit while the page was being parsed."""
