"""Cue rows compiled for the statement reader (bot/statements.py): folded text, one pattern per
row, each branch gated by its anchor (its longest mandatory literal, or its literal starts) so that
one Aho-Corasick pass over a text says which branches can match at all. Pure; nothing is compiled
at import, and a pattern is compiled on its first search (`Deferred`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import NamedTuple

import ahocorasick

ANCHOR_MIN = 3  # a shorter literal start is not worth a gate: such a branch always runs


def fold(text: str, lower: bool = True) -> str:
    """Lower case without accents, one character for one (so positions match the original)."""
    if not lower:
        return text.translate(_KEEP_CASE)
    text = text.replace("_", " ")  # file names as titles: "JOFOC_FAR_6_103" reads as words
    return text.lower() if text.isascii() else text.translate(_LOWER)


class _FoldTable(dict):
    """str.translate table filled on first sight of each character."""

    def __init__(self, lower: bool):
        super().__init__()
        self.lower = lower

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        base = base.lower() if self.lower else base
        self[code] = folded = base if len(base) == 1 else ch.lower() if len(ch.lower()) == 1 else ch
        return folded


_LOWER, _KEEP_CASE = _FoldTable(lower=True), _FoldTable(lower=False)


class Deferred:
    """A regex compiled on its first search: `show` reads one notice, whose text can reach a few of
    the ~600 cue branches and label phrases (their anchors say which), and compiling all of them
    took 0.2 s. After the first use `finditer` and `search` are the compiled pattern's own.
    `source` is the pattern, or a function returning it (a label's phrase is built when needed)."""

    __slots__ = ("_source", "finditer", "search")

    def __init__(self, source: str | Callable[[], str]):
        self._source = source

    @property
    def pattern(self) -> str:
        return self._source() if callable(self._source) else self._source

    def __getattr__(self, name: str):
        """Only reached while the slots are empty: compile, fill them, answer."""
        if name not in ("finditer", "search"):
            raise AttributeError(name)
        compiled = re.compile(self.pattern)
        self.finditer, self.search = compiled.finditer, compiled.search
        return getattr(compiled, name)


def compile_pattern(pattern: str) -> Deferred:
    """A pattern written in lower case, its accents folded (regex escapes such as \\W kept)."""
    return Deferred(fold(pattern, lower=False))


def compile_rows(rows: list[tuple[str, str]]) -> list[tuple[Deferred, str]]:
    return [(compile_pattern(pattern), label) for pattern, label in rows]


def phrase(text: str) -> str:
    """A regex for an official label: its words in order, any whitespace or hyphen between them."""
    words = re.findall(r"[^\s,\-–]+", fold(text))
    return r"[\s,\-–]+".join(re.escape(w).translate(_EITHER_APOSTROPHE) for w in words) + r"(?!\w)"


_EITHER_APOSTROPHE = str.maketrans({"'": "['’]", "’": "['’]"})  # neither is escaped by re.escape


def _alternatives(pattern: str) -> list[str]:
    """The top-level `|` branches of a pattern (so each can start with a literal: much faster in `re`)."""
    out, depth, cur, i = [], 0, "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur, i = cur + pattern[i:i + 2], i + 2
            continue
        if ch == "[":
            j = _class_close(pattern, i)
            cur, i = cur + pattern[i:j + 1], j + 1
            continue
        depth += (ch == "(") - (ch == ")")
        if ch == "|" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    return out + [cur]


def _branches(rows: list[tuple[str, str]]) -> list[tuple[Deferred, str, bool, str]]:
    """(branch, label, needs a word boundary before it, literal prefix) for every branch of every row.

    A leading \\b is checked by hand after the match: with it, `re` cannot scan for the literal prefix.
    A branch whose literal prefix is absent from the text is not run at all (a substring test)."""
    out = []
    for pattern, label in rows:
        for branch in _alternatives(fold(pattern, lower=False)):
            bounded = branch.startswith("\\b")
            branch = branch[2:] if bounded else branch
            out.append((Deferred(branch), label, bounded, _starts(branch)))
    return out


def _starts(branch: str) -> frozenset[str]:
    """The literals one of which a match of the branch must contain: its longest mandatory literal when
    that is longer than every start, else its starts (its prefix, or each choice of a leading
    (?:a|b|c) group), else the mandatory literal of each choice of a later group every match passes
    through ("d\\s+(?:protect\\s+rights|exclusive\\s+rights?)").

    Empty when no such literal has ANCHOR_MIN characters: such a branch always runs."""
    starts = _leading(branch)
    needed = _mandatory(branch)
    if len(needed) >= ANCHOR_MIN and (not starts or len(needed) > min(map(len, starts))):
        return frozenset({needed})
    if starts:
        return starts
    choices = [frozenset(map(_mandatory, _alternatives(group))) for group in _passed_groups(branch)]
    choices = [c for c in choices if min(map(len, c)) >= ANCHOR_MIN]
    return max(choices, key=lambda c: min(map(len, c)), default=frozenset())


def _passed_groups(branch: str) -> list[str]:
    """The inside of each top-level (…) or (?:…) group of a branch that no quantifier lets be skipped
    (not a look-around, whose text need not be in the match, nor any other (?…) group)."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(branch):
        ch = branch[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_close(branch, i)
        elif ch == "(":
            start = i if depth == 0 else start
            depth += 1
        elif ch == ")":
            depth -= 1
            inside = branch[start + 1:i]
            if depth == 0 and branch[i + 1:i + 2] not in ("?", "*", "{") and (inside[:1] != "?" or inside[:2] == "?:"):
                out.append(inside.removeprefix("?:"))
        i += 1
    return out


def _mandatory(branch: str) -> str:
    """The longest run of plain characters every match of the branch contains ("" when none).

    Read at the branch's top level: groups, classes, escapes such as \\s and anything a quantifier may
    repeat zero times end a run, so what is left is certainly in the matched text."""
    runs, cur, i = [], "", 0
    while i < len(branch):
        ch = branch[i]
        if ch == "\\":
            literal = branch[i + 1] if i + 1 < len(branch) and not branch[i + 1].isalnum() else None
            i += 2
            if literal is not None and (i >= len(branch) or branch[i] not in "?*{"):
                cur += literal
                if i < len(branch) and branch[i] == "+":
                    runs, cur, i = runs + [cur], "", i + 1
                continue
        elif ch == "[":
            i = _class_close(branch, i) + 1
        elif ch == "(":
            i = _group_end(branch, i)
        elif ch in "?*{":
            cur = cur[:-1]  # the character before may be absent
            i = branch.index("}", i) + 1 if ch == "{" else i + 1
        elif ch in ".^$|)+":
            i += 1
        else:
            cur, i = cur + ch, i + 1
            continue
        runs, cur = runs + [cur], ""
        while i < len(branch) and branch[i] in "?*+":  # a quantifier of what ended the run
            i += 1
        if i < len(branch) and branch[i] == "{":
            i = branch.index("}", i) + 1
    return max(runs + [cur], key=len)


def _group_end(branch: str, i: int) -> int:
    """The index just after the group that opens at branch[i] (escapes and classes skipped)."""
    depth, j = 0, i
    while True:
        if branch[j] == "\\":
            j += 2
            continue
        if branch[j] == "[":
            j = _class_close(branch, j)
        depth += (branch[j] == "(") - (branch[j] == ")")
        j += 1
        if depth == 0:
            return j


def _class_close(branch: str, i: int) -> int:
    """The index of the `]` that closes the character class opening at branch[i] (a `]` first in
    the class, after any `^`, is a member; escapes are skipped)."""
    j = i + 1
    j += branch[j] == "^"
    j += branch[j] == "]"
    while branch[j] != "]":
        j += 2 if branch[j] == "\\" else 1
    return j


def _leading(branch: str) -> frozenset[str]:
    """The literal starts a branch can have: its prefix, or each choice of a leading (?:a|b|c) group.

    Empty when some start is shorter than ANCHOR_MIN."""
    if branch.startswith("(?:"):
        end = _group_end(branch, 0)
        if branch[end:end + 1] in ("?", "*", "{"):  # the group may be skipped: no start is certain
            return frozenset()
        starts = {_literal_prefix(choice) for choice in _alternatives(branch[3:end - 1])}
    else:
        starts = {_literal_prefix(branch)}
    return frozenset(starts) if all(len(start) >= ANCHOR_MIN for start in starts) else frozenset()


def _literal_prefix(branch: str) -> str:
    """The plain characters a branch must start with ("" when it starts with a group or a class)."""
    out, i = "", 0
    while i < len(branch):
        ch = branch[i]
        if ch == "\\" and i + 1 < len(branch) and branch[i + 1] in ".-&()/§":
            out, i = out + branch[i + 1], i + 2
            continue
        if ch in "\\.[](){}*+?|^$":
            return out[:-1] if ch in "*?{" else out
        out, i = out + ch, i + 1
    return out


class CueSet(NamedTuple):
    """Cue branches, and which of them to run: those whose anchor occurs in the text, and the few
    that have no anchor."""

    branches: list  # (branch, label, needs a word boundary, anchors)
    by_anchor: dict[str, tuple[int, ...]]
    always: tuple[int, ...]


def cue_set(rows: list[tuple[str, str]]) -> CueSet:
    branches = _branches(rows)
    by_anchor: dict[str, list[int]] = {}
    for n, (*_, starts) in enumerate(branches):
        for start in starts:
            by_anchor.setdefault(start, []).append(n)
    return CueSet(branches, {k: tuple(v) for k, v in by_anchor.items()},
                  tuple(n for n, (*_, starts) in enumerate(branches) if not starts))




def automaton(words: set[str]) -> ahocorasick.Automaton:
    """An automaton finding any of `words` (cue anchors, label words) in folded text."""
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton
