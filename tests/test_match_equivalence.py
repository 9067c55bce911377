"""The fast paths of bot/match.py give what their plain definitions give (DESIGN §7)."""

import json
import random
import re
import sys
import unicodedata
from pathlib import Path

import pytest

from bot.config_types import Watchlist
from bot.match import _FIELD_KINDS, _ORDER, Hit, Matcher, _locator, normalize
from bot.notice import Notice

CORPUS = Path(__file__).parent / "fixtures" / "classify" / "corpus.jsonl"


def plain_normalize(text: str) -> str:
    """normalize's definition, on the whole text at once: NFKD, marks dropped, casefolded, every
    run of non-alphanumerics one space, padded."""
    kept = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " " + " ".join(re.sub(r"[\W_]+", " ", kept.casefold()).split()) + " "


CODES = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000]


@pytest.mark.parametrize("glue", ["ж", " ж ", "\u0301"])
def test_text_in_another_script_normalizes_as_the_whole_text_would(glue):
    # Every code point, 500 at a time, joined by a Cyrillic letter (so the text takes the path of
    # other scripts, token by token), by spaces, or by a combining mark.
    for first in range(0, len(CODES), 500):
        text = glue.join(map(chr, CODES[first:first + 500]))
        assert normalize(text) == plain_normalize(text), (glue, first)


def test_every_whitespace_is_a_word_boundary_in_another_script():
    spaces = [chr(c) for c in CODES if chr(c).isspace()]
    for space in spaces:
        text = f"Σίσυφος{space}\u0301ά{space}Москва,{space}x¨y{space}"
        assert normalize(text) == plain_normalize(text) == " σισυφοσ α москва x y ", repr(space)


def _plain_hits(matcher: Matcher, notice: Notice) -> dict[str, list[Hit]]:
    """explain's text hits as first written: each field's words located once, eagerly, one locator a field."""
    found: dict[int, dict] = {}
    for field, original in matcher._fields(notice):
        norm = normalize(original)
        locate = _locator(original, norm)
        for end, (pattern, payload) in matcher._auto.iter(norm):
            for i, kind, term in payload:
                if kind in _FIELD_KINDS[field]:
                    found.setdefault(i, {}).setdefault((kind, term, field), Hit(kind, term, field, locate(end, pattern)))
    return {wl.name: sorted(found.get(i, {}).values(), key=lambda h: _ORDER[h.kind]) for i, wl in enumerate(matcher._lists)}


def test_hits_located_when_resolved_are_the_ones_located_while_scanning():
    # Watchlists made of the corpus's own words and phrases (accented, other scripts, repeated),
    # so that most fields hit several terms, some more than once.
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(5)
    words = [w for r in records for w in re.findall(r"[^\W\d_]{4,}", r["title"] + " " + r["text"])]
    phrases = [" ".join(rng.sample(words, 1) + words[n:n + 2]) for n in range(0, len(words) - 2, 97)]
    lists = [Watchlist(name=f"w{n}", keywords=tuple(rng.sample(words, 30) + rng.sample(phrases, 5)),
                       vendors=tuple(rng.sample(words, 5))) for n in range(6)]
    matcher = Matcher(lists)
    hits = 0
    for r in records:
        notice = Notice(source="corpus", native_id=r["id"], title=r["title"], description=r["text"],
                        vendor_name=r["title"].split(" - ")[0])
        explained = matcher.explain(notice)
        assert explained == _plain_hits(matcher, notice), r["id"]
        hits += sum(map(len, explained.values()))
    assert hits > 1000
