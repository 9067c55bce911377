"""BeautifulSoup within the caps of bounded.py: counted while the tree is built, stopped past them."""

from __future__ import annotations

import html
import time

from bs4 import BeautifulSoup

from .bounded import LONG_TAG, LONG_TAG_BYTES, LONGEST_TAG, MAX_NODES, MAX_SECONDS, TAG, TooBig


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
