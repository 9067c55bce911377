"""Every cue branch's gate holds: any text the branch matches contains one of the literals it is
gated on (bot/cue_patterns.py `_starts`), or the branch would never be tried on that text and its
sole-source wording would be missed. Texts are drawn from each branch's own regex (optional parts
taken or skipped at random, repeats 0–2 times over their minimum) and kept when the branch matches."""

from __future__ import annotations

import random
import re
import re._constants as C  # the regex parser's tree: private, but stable across 3.11–3.13
import re._parser as parser

from bot import statements

REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT))
CATEGORIES = {C.CATEGORY_DIGIT: "1", C.CATEGORY_SPACE: " ", C.CATEGORY_WORD: "a",
              C.CATEGORY_NOT_WORD: " ", C.CATEGORY_NOT_SPACE: "a", C.CATEGORY_NOT_DIGIT: "a"}


def sample(pattern: str, rnd: random.Random) -> str:
    """A text the pattern may match (look-arounds are ignored, so the caller checks that it does)."""
    return "".join(_emit(parser.parse(pattern), rnd))


def _emit(items, rnd: random.Random) -> list[str]:
    out: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.NOT_LITERAL:
            out.append("y" if chr(av) == "x" else "x")
        elif op is C.ANY:
            out.append("x")
        elif op is C.IN:
            out.append(_one_of(av, rnd))
        elif op is C.BRANCH:
            out += _emit(rnd.choice(av[1]), rnd)
        elif op is C.SUBPATTERN:
            out += _emit(av[-1], rnd)
        elif op in REPEATS:
            low, high, inner = av
            for _ in range(rnd.randint(low, min(high, low + 2))):
                out += _emit(inner, rnd)
        elif op is C.CATEGORY:
            out.append(CATEGORIES[av])
        elif op not in (C.AT, C.ASSERT, C.ASSERT_NOT):
            raise AssertionError(f"no sample for {op}")
    return out


def _one_of(av, rnd: random.Random) -> str:
    if av[0][0] is C.NEGATE:
        return "q"  # no class here excludes it
    op, value = rnd.choice(av)
    if op is C.LITERAL:
        return chr(value)
    if op is C.RANGE:
        return chr(rnd.randint(*value))
    return CATEGORIES[value]


def test_every_text_a_gated_branch_matches_holds_one_of_its_gates():
    rnd, checked = random.Random(7), 0
    tables = statements.tables()
    for branch in tables.cues.branches + tables.title_cues.branches:
        compiled, gates = re.compile(branch[0].pattern), branch[3]
        for _ in range(100 if gates else 0):
            found = compiled.search("zz " + sample(branch[0].pattern, rnd) + " zz")
            if found:
                checked += 1
                assert any(g in found.group(0) for g in gates), (branch[0].pattern, found.group(0), sorted(gates))
    assert checked > 20_000


def test_the_sampler_skips_optional_parts():
    rnd = random.Random(1)
    texts = {" ".join(sample(r"(?:concorrenza\s+)?assente", rnd).split()) for _ in range(50)}
    assert texts == {"assente", "concorrenza assente"}
