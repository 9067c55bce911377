"""bot/sources/fields.py: a folded text is kept as it is; notice.json_text's plain path writes what its
any-value path writes, for every recorded record and for values JSON never decodes."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bot.errors import SourceError
from bot.notice import any_json_text, json_text
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


def _recorded_records() -> list:
    """Every decoded recorded JSON page and every object and array inside it."""
    from bot.http import Response, parse_json
    pages = sorted(HERE.joinpath("fixtures").rglob("*.json"))
    pages += sorted(HERE.parents[1].joinpath("shared", "realworld", "payloads").rglob("*.json"))
    found = []

    def walk(value):
        if isinstance(value, (dict, list)):
            found.append(value)
            for item in value.values() if isinstance(value, dict) else value:
                walk(item)
    for page in pages:
        try:
            walk(parse_json(Response(200, page.read_bytes(), {}, "https://127.0.0.1/")))
        except SourceError:
            continue
    return found


def test_json_text_writes_every_recorded_record_as_its_any_value_path_does():
    records = _recorded_records()
    for record in records:
        assert json_text(record) == any_json_text(record)
    assert len(records) > 5_000


class Key(str):
    pass


@pytest.mark.parametrize("value", [
    {1: "a", None: 2, True: 3}, {Key("k"): Key("v")}, {"d": date(2026, 1, 2), "t": datetime(2026, 1, 2, 3, 4)},
    {"x": Decimal("1.50")}, {"n": 10 ** 30, "m": -(2 ** 63) - 1}, {"f": [float("nan"), float("inf"), -0.0, 1e300]},
    {"t": (1, 2)}, {"b": b"x", "s": {1}}, {"e": "é\u2028\ud800"}, [], {}, "text", 5,
])
def test_json_text_writes_what_its_any_value_path_writes_for_values_json_never_decodes(value):
    assert json_text(value) == any_json_text(value)
