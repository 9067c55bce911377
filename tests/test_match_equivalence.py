"""The fast paths of bot/match.py give what their plain definitions give (DESIGN §7)."""

import re
import sys
import unicodedata

import pytest

from bot.match import normalize


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
