"""bot/sources/fields.py: a text already folded is kept as it is, and that is what folding gives."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.sources.fields import _folded, html_to_text

HERE = Path(__file__).parent
WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]


def _strings(value):
    """Every string in a decoded JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _recorded_strings() -> list[str]:
    """Every string of every recorded JSON page: ours, and ../shared/realworld's read in place."""
    pages = sorted(HERE.joinpath("fixtures").rglob("*.json"))
    pages += sorted(HERE.parents[1].joinpath("shared", "realworld", "payloads").rglob("*.json"))
    return [s for p in pages for s in _strings(json.loads(p.read_bytes()))]


def test_every_recorded_string_without_markup_reads_as_split_and_joined():
    strings = [s for s in _recorded_strings() if "<" not in s]
    for value in strings:
        assert html_to_text(value) == " ".join(value.split())
    assert len(strings) > 10_000 and sum(map(_folded, strings)) > len(strings) // 2


def test_every_whitespace_character_anywhere_is_folded():
    for space in WHITESPACE:
        for value in (f"a{space}b", f"{space}a", f"a{space}", f"a {space}b", space, f"é{space}ü"):
            assert html_to_text(value) == " ".join(value.split()), repr(value)
            assert not _folded(value) or space == " " and value in ("a b", "é ü")
    assert len(WHITESPACE) > 20


def test_folded_texts_are_the_ones_that_split_and_join_leaves_alone():
    assert _folded("Parking Pilot – CEO") and _folded("") and _folded("x")
    assert not _folded("a  b") and not _folded(" a") and not _folded("a ") and not _folded("a\u00a0b")
    assert html_to_text("<p>a <b>b</b></p>") == "a b"
