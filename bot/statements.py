"""Read notice text one statement at a time: which sentence decides sole source, and what was discounted. Pure.

A cue (bot/cues.py, bot/cues_eu.py) decides only when its sentence is a statement about this
procurement: not negated on either side within its clause, not a FAR clause title, form label or
set-aside list, not about a past or other contract, not a hedge or question, not an idiom, and, in
a notice that seeks other capable sources, only when it states an intended award. The FAR 5.207
notice-of-intent wording ("not a request for competitive proposals") decides together with a
sentence of intended award. Every cue that did not decide is kept with its reason.

Speed: nothing is compiled at import; `tables()` compiles every pattern on first use. A cue branch
runs only when its anchor (its longest mandatory literal, or its literal starts) occurs in the text,
found for all branches and labels at once by one Aho-Corasick pass; the gate never drops a match
(tests/test_classify.py checks it on the corpus).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

import ahocorasick

from . import cues, cues_eu
from .eforms_labels import CODELIST_LABELS

QUOTE_CHARS = 200
ANCHOR_MIN = 3  # a shorter literal start is not worth a gate: such a branch always runs
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9\u00c0-\u024f])|\n\s*\n|\n(?=\S)")
ABBREVIATION = re.compile(r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Inc|Co|Corp|Ltd|No|Nos|Mr|Ms|Dr|St|Dept|Jr|vs|Art|Reg|para"
                          r"|Abs|Nr|pt|art|al)\.)$")

END_MATCH = 8  # the longest match of either: "Dept." (5), two pairs of "U.S." (4), a 4-letter word and its dot (5)
SHORT_WORD_END = re.compile(r"(?<![\w.])[^\W\d]{1,4}\.$")  # "art. 116", "чл. 116", "Abs. 2", "No. 5": not an end


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


def _pattern(pattern: str) -> re.Pattern:
    """A pattern written in lower case, its accents folded (regex escapes such as \\W kept)."""
    return re.compile(fold(pattern, lower=False))


def _compile(rows: list[tuple[str, str]]) -> list[tuple[re.Pattern, str]]:
    return [(_pattern(pattern), label) for pattern, label in rows]


def _phrase(text: str) -> str:
    """A regex for an official label: its words in order, any whitespace or hyphen between them."""
    words = re.findall(r"[^\s,\-–]+", fold(text))
    word = lambda w: "".join("['’]" if c in "'’" else re.escape(c) for c in w)  # noqa: E731
    return r"[\s,\-–]+".join(word(w) for w in words) + r"(?!\w)"


def _alternatives(pattern: str) -> list[str]:
    """The top-level `|` branches of a pattern (so each can start with a literal: much faster in `re`)."""
    out, depth, cur, i = [], 0, "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            cur, i = cur + pattern[i:i + 2], i + 2
            continue
        if ch == "[":
            j = pattern.index("]", i + 2)
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


def _branches(rows: list[tuple[str, str]]) -> list[tuple[re.Pattern, str, bool, str]]:
    """(branch, label, needs a word boundary before it, literal prefix) for every branch of every row.

    A leading \\b is checked by hand after the match: with it, `re` cannot scan for the literal prefix.
    A branch whose literal prefix is absent from the text is not run at all (a substring test)."""
    out = []
    for pattern, label in rows:
        for branch in _alternatives(fold(pattern, lower=False)):
            bounded = branch.startswith("\\b")
            branch = branch[2:] if bounded else branch
            out.append((re.compile(branch), label, bounded, _starts(branch)))
    return out


def _starts(branch: str) -> frozenset[str]:
    """The literals one of which a match of the branch must contain: its longest mandatory literal when
    that is longer than every start, else its starts (its prefix, or each choice of a leading
    (?:a|b|c) group).

    Empty when no such literal has ANCHOR_MIN characters: such a branch always runs."""
    starts = _leading(branch)
    needed = _mandatory(branch)
    if len(needed) >= ANCHOR_MIN and (not starts or len(needed) > min(map(len, starts))):
        return frozenset({needed})
    return starts


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
            j = i + 1
            j += branch[j] == "^"
            j += branch[j] == "]"
            while branch[j] != "]":
                j += 2 if branch[j] == "\\" else 1
            i = j + 1
        elif ch == "(":
            depth, j = 0, i
            while True:
                if branch[j] == "\\":
                    j += 2
                    continue
                if branch[j] == "[":
                    j += 1
                    j += branch[j] == "^"
                    j += branch[j] == "]"
                    while branch[j] != "]":
                        j += 2 if branch[j] == "\\" else 1
                depth += (branch[j] == "(") - (branch[j] == ")")
                j += 1
                if depth == 0:
                    break
            i = j
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


def _leading(branch: str) -> frozenset[str]:
    """The literal starts a branch can have: its prefix, or each choice of a leading (?:a|b|c) group.

    Empty when some start is shorter than ANCHOR_MIN."""
    if branch.startswith("(?:"):
        depth, end = 0, 0
        for end, ch in enumerate(branch):
            depth += (ch == "(") - (ch == ")")
            if depth == 0:
                break
        starts = {_literal_prefix(choice) for choice in _alternatives(branch[3:end])}
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


def _label_cue(code: str, lang: str, label: str) -> tuple[str, tuple[str, ...], re.Pattern, str]:
    """(longest word, its other words, regex, name) for an official label's first sentence (text is
    read sentence by sentence).

    The regex can only match where every word occurs (words split at apostrophes, which the regex
    lets be either ' or ’): the longest is looked for with the cue anchors, the others with `in`."""
    first = sentences(label)[0]
    words = sorted({part for word in re.findall(r"[^\s,\-–]+", fold(first)) for part in re.split(r"['’]", word)
                    if len(part) >= ANCHOR_MIN}, key=lambda w: (-len(w), w))
    return words[0], tuple(words[1:]), re.compile(_phrase(first)), f"{code} ({lang})"


class CueSet(NamedTuple):
    """Cue branches, and which of them to run: those whose anchor occurs in the text, and the few
    that have no anchor."""

    branches: list  # (branch, label, needs a word boundary, anchors)
    by_anchor: dict[str, tuple[int, ...]]
    always: tuple[int, ...]


def _cue_set(rows: list[tuple[str, str]]) -> CueSet:
    branches = _branches(rows)
    by_anchor: dict[str, list[int]] = {}
    for n, (*_, starts) in enumerate(branches):
        for start in starts:
            by_anchor.setdefault(start, []).append(n)
    return CueSet(branches, {k: tuple(v) for k, v in by_anchor.items()},
                  tuple(n for n, (*_, starts) in enumerate(branches) if not starts))


@dataclass(frozen=True)
class Tables:
    """Every compiled pattern of the reader, built on first use (importing the module compiles nothing)."""

    cues: CueSet  # of cues.STRONG and cues_eu.NATIONAL
    title_cues: CueSet  # of cues.TITLE_ONLY
    labels: dict  # longest word -> [(other words, regex, name)] of the official eForms labels
    anchors: ahocorasick.Automaton  # every anchor and label word
    before: list
    after: list
    clause: list
    negation: re.Pattern
    hedge: re.Pattern
    design_contest: re.Pattern
    after_negation: re.Pattern
    after_hedge: re.Pattern
    not_a_procedure_that: re.Pattern
    reservation: re.Pattern
    future_option: re.Pattern


@functools.cache
def tables() -> Tables:
    """The compiled patterns, compiled once on the first call (about 0.2 s; a CLI command that reads no
    notice text never pays it)."""
    strong, title_only = _cue_set(cues.STRONG + cues_eu.NATIONAL), _cue_set(cues.TITLE_ONLY)
    labels: dict[str, list] = {}
    for code, by_lang in CODELIST_LABELS.items():
        for lang, label in by_lang.items():
            word, *rest = _label_cue(code, lang, label)
            labels.setdefault(word, []).append(tuple(rest))
    words = set(strong.by_anchor) | set(title_only.by_anchor) | set(labels)
    return Tables(
        cues=strong, title_cues=title_only, labels=labels, anchors=_automaton(words),
        before=_compile(cues.BEFORE), after=_compile(cues.AFTER), clause=_compile(cues.CLAUSE),
        negation=_pattern(cues.NEGATION.pattern + "|" + cues_eu.NEGATION),
        hedge=_pattern(cues.HEDGE + "|" + cues_eu.HEDGE),
        design_contest=_pattern(cues_eu.DESIGN_CONTEST),
        after_negation=_pattern(cues.AFTER_NEGATION.pattern + "|" + cues_eu.AFTER_NEGATION),
        after_hedge=_pattern(cues_eu.AFTER_HEDGE),
        not_a_procedure_that=_pattern(cues_eu.NOT_A_PROCEDURE_THAT),
        reservation=_pattern(cues_eu.RESERVATION), future_option=_pattern(cues_eu.FUTURE_OPTION))


@dataclass
class Reading:
    """What the text says: the deciding quotes (empty when nothing decides) and what was discounted."""

    quotes: list[str] = field(default_factory=list)
    cues: list[str] = field(default_factory=list)  # the class of the deciding cue ("sole source", ...)
    cue_text: str = ""  # the deciding cue as written
    discounted: list[str] = field(default_factory=list)

    @property
    def decided(self) -> bool:
        return bool(self.quotes)


def read(title: str, description: str, seeks_sources: bool = False) -> Reading:
    """Read title then description; the first statement of sole source decides."""
    seeks_sources = seeks_sources or _says(cues.SOURCES_SOUGHT, fold(title or "")) or _says(
        cues.SEEKS_SOURCES_TEXT, fold((description or "")[:cues.SEEK_SOURCES_WINDOW]))
    reading, t = Reading(), tables()
    titled = [(s, fold(s)) for s in sentences(title or "")]
    found = titled + [(s, fold(s)) for s in sentences(description or "")]
    for (sentence, folded), spans in zip(found, _cue_spans([f for _, f in found], t.cues, t.labels)):
        if _read_sentence(sentence, folded, spans, seeks_sources, reading):
            return reading
    _notice_of_intent(found, reading)
    if not reading.decided:  # a title naming a justification document decides last, and only in the title
        for (sentence, folded), spans in zip(titled, _cue_spans([f for _, f in titled], t.title_cues)):
            if _read_sentence(sentence, folded, spans, seeks_sources, reading):
                break
    return reading


def _says(pattern: re.Pattern, folded: str) -> bool:
    """pattern.search(folded), skipped when none of the words every branch needs occurs (a substring test)."""
    return any(word in folded for word in cues.SEEKS_SOURCES_WORDS) and bool(pattern.search(folded))


def _read_sentence(sentence: str, folded: str, spans: list, seeks_sources: bool, reading: Reading) -> bool:
    """Record the sentence's first deciding cue (True) or why each of its cues did not decide."""
    for start, end, label in spans:
        reason = discount(sentence, folded, start, end, label)
        if reason is None and seeks_sources and not cues.INTENT.search(folded[:start]):
            reason = "sources sought: no intended award stated"
        if reason:
            reading.discounted.append(f'{reason}: "{trim(sentence, start, end)}"')
            continue
        reading.quotes.append(f'"{trim(sentence, start, end)}"')
        reading.cues.append(label)
        reading.cue_text = sentence[start:end]
        return True
    return False


def _cue_spans(folded: list[str], patterns: CueSet, labels: dict | None = None) -> list[list[tuple[int, int, str]]]:
    """Per sentence, (start, end, label) of every cue, leftmost first, overlaps dropped.

    Each pattern whose anchor occurs runs once over all the sentences joined by newlines (sentences
    hold none); `labels` maps a label's longest word to its (other words, regex, name)."""
    labels = labels or {}
    text, starts = "\n".join(folded), list(itertools.accumulate([len(f) + 1 for f in folded[:-1]], initial=0))
    present = _anchors_in(text)
    chosen = set(patterns.always).union(*(patterns.by_anchor.get(word, ()) for word in present))
    found = [(m.start(), -m.end(), label) for pattern, label, bounded, _ in map(patterns.branches.__getitem__, chosen)
             for m in pattern.finditer(text) if not bounded or _word_starts(text, m.start())]
    found += [(m.start(), -m.end(), label) for word in present for others, pattern, label in labels.get(word, ())
              if all(other in text for other in others)
              for m in pattern.finditer(text) if _word_starts(text, m.start())]
    out: list[list[tuple[int, int, str]]] = [[] for _ in folded]
    for start, neg_end, label in sorted(found):
        n = bisect.bisect_right(starts, start) - 1
        begin, end = start - starts[n], -neg_end - starts[n]
        if end <= len(folded[n]) and (not out[n] or begin >= out[n][-1][1]):
            out[n].append((begin, end, label))
    return out


def _anchors_in(text: str) -> set[str]:
    """Which cue prefixes and label words occur in the text (one Aho-Corasick pass, not one scan each)."""
    return {word for _, word in tables().anchors.iter(text)}


def _word_starts(text: str, at: int) -> bool:
    """True when text[at] begins a word (the \\b a branch was stripped of)."""
    return at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")


def _notice_of_intent(found: list[tuple[str, str]], reading: Reading) -> None:
    """FAR 5.207 wording: "not a request for competitive proposals" beside an intended award."""
    disclaimer = next(((s, m) for s, f in found if "competitive" in f and (m := cues.DISCLAIMER.search(f))), None)
    if not disclaimer:  # both must be there: the intent is looked for only beside a disclaimer
        return
    intent = next(((s, m) for s, f in found if (m := cues.INTENT_TO.search(f)) and not discount_sentence(s)), None)
    if intent:
        (sentence, match), (said, planned) = disclaimer, intent
        reading.quotes += [f'"{trim(said, *planned.span())}"', f'"{trim(sentence, *match.span())}"']
        reading.cues.append("notice of intent (FAR 5.207)")
        reading.cue_text = sentence[slice(*match.span())]


def discount_sentence(sentence: str) -> str | None:
    """Why a whole sentence is not a statement about this procurement (a question), or None."""
    return "question" if sentence.rstrip().endswith("?") else None


def discount(sentence: str, folded: str, start: int, end: int, label: str = "") -> str | None:
    """Why the cue (of class `label`) at folded[start:end] does not decide, or None when it does."""
    if reason := discount_sentence(sentence):
        return reason
    if label not in cues.SAID_NEGATIVELY and negated(folded, start, end):
        return "negated"
    return _context(folded, start, end, label) or _said_of(sentence, folded, start, end, label)


def _context(folded: str, start: int, end: int, label: str) -> str | None:
    """The reason the words around the cue give: clause title, past contract, hedge, idiom, …"""
    before, after = folded[max(0, start - cues.BEFORE_CHARS):start], folded[end:end + cues.AFTER_CHARS]
    head, tail = _head(folded, start), _tail(folded, end)
    statement = cues.STATEMENT_BREAK.split(folded[:start])[-1] + folded[start:end] + tail
    t = tables()
    for patterns, window in ((t.before, before), (t.after, after), (t.clause, statement)):
        for pattern, reason in patterns:
            if pattern.search(window):
                return reason
    if t.hedge.search(" ".join(head.split()[-cues.HEDGE_WORDS:])) or (
            label not in cues.SAID_NEGATIVELY and (t.after_hedge.search(tail) or t.future_option.search(tail))):
        return "hedge or open question"
    if t.reservation.search(cues.STATEMENT_BREAK.split(folded[:start])[-1]):
        return "hedge or open question"
    if t.design_contest.search(folded):
        return "award to the winner of a design contest (competed)"
    return None


def _said_of(sentence: str, folded: str, start: int, end: int, label: str) -> str | None:
    """The reasons particular to one cue class (a firm must be named, a brand may be competed, …)."""
    if label in cues.NAMED and not (sentence[end - 1].isupper() or sentence[end - 1].isdigit()):
        return "no firm named"
    clause = _head(folded, start) + folded[start:end] + _tail(folded, end)
    if label in cues.SUPPLIER_CLASSES and cues.RIGHTS_GIVEN.search(clause):
        return "exclusive rights handed to the buyer (an intellectual-property clause)"
    if label in cues.LICENCE_CLASSES and cues.LICENCE_REQUIRED.search(folded[:start]):
        return "a qualification required of bidders"
    if label == "sole or exclusive supplier" and cues.REQUIRED_OF_BIDDERS.search(folded[max(0, start - 40):start]):
        return "a qualification required of bidders"
    if label == "sole or exclusive supplier" and cues.TO_BE_CHOSEN.search(folded[max(0, start - 40):start]):
        return "one supplier to be chosen, not named as the only one"
    if label == "brand name justification" and cues.COMPETED_BRAND.search(clause):
        return "brand name competed among resellers"
    return None


@functools.lru_cache(maxsize=64)
def _head(folded: str, start: int) -> str:
    """The cue's clause before it (the text after the last clause break before `start`)."""
    return cues.CLAUSE_BREAK.split(folded[:start])[-1]


@functools.lru_cache(maxsize=64)
def _tail(folded: str, end: int) -> str:
    """The cue's clause after it (the text up to the first clause break after `end`)."""
    return cues.CLAUSE_BREAK.split(folded[end:])[0]


def negated(folded: str, start: int, end: int) -> bool:
    """True when a negation governs the cue: before it in its clause, or just after it ("… is not contemplated")."""
    head = _head(folded, start)
    near = " ".join(head.split()[-cues.NEGATION_WORDS:])
    t = tables()
    if t.negation.search(near) or cues.NO_DETERMINER.search(head):
        return True
    tail = _tail(folded, end)
    return bool(t.after_negation.search(tail)) and not t.not_a_procedure_that.search(tail)


def sentences(text: str) -> list[str]:
    """Split text into sentences, re-joining splits made after abbreviations such as U.S. or Inc."""
    out: list[str] = []
    for piece in SENTENCE_END.split(text):
        piece = " ".join(piece.split())
        if out and _ends_short(out[-1], piece):
            out[-1] = f"{out[-1]} {piece}"
        elif piece:
            out.append(piece)
    return out


def _ends_short(sentence: str, following: str) -> bool:
    """True when `sentence` was cut after an abbreviation (or a short word before a number).

    Both patterns end at $ and match at most END_MATCH characters, so they are searched from there
    on: `re` still sees the characters before `pos` for \\b and look-behinds, so the answer is the
    same as a search of the whole sentence, without scanning it."""
    pos = max(0, len(sentence) - END_MATCH)
    return bool(ABBREVIATION.search(sentence, pos)) or (
        following[:1].isdigit() and bool(SHORT_WORD_END.search(sentence, pos)))


def trim(sentence: str, start: int, end: int) -> str:
    """The sentence cut at word breaks to about QUOTE_CHARS around sentence[start:end]."""
    if len(sentence) <= QUOTE_CHARS:
        return sentence
    cut = 0 if end <= QUOTE_CHARS * 3 // 4 else start - QUOTE_CHARS // 3
    cut = sentence.find(" ", cut) + 1 if cut > 0 else 0
    stop = cut + QUOTE_CHARS
    stop = max(sentence.rfind(" ", cut, stop), end) if stop < len(sentence) else len(sentence)
    return ("…" if cut else "") + sentence[cut:stop].strip() + ("…" if stop < len(sentence) else "")


def _automaton(words: set[str]) -> ahocorasick.Automaton:
    """An automaton finding any of `words` (cue anchors, label words) in folded text."""
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton
