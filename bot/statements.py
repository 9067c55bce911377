"""Read notice text one statement at a time: which sentence decides sole source, and what was discounted. Pure.

A cue (bot/cues.py, bot/cues_eu.py) decides only when its sentence is a statement about this
procurement: not negated on either side within its clause, not a FAR clause title, form label or
set-aside list, not about a past or other contract, not a hedge or question, not an idiom, and, in
a notice that seeks other capable sources, only when it states an intended award. The FAR 5.207
notice-of-intent wording ("not a request for competitive proposals") decides together with a
sentence of intended award. Every cue that did not decide is kept with its reason.

Speed: nothing is compiled at import; `tables()` gates every pattern on first use and each is
compiled on its first search (the compiling and gating of cue rows is bot/cue_patterns.py). A cue branch
runs only when its anchor (its longest mandatory literal, or its literal starts) occurs in the text,
found for all branches and labels at once by one Aho-Corasick pass; the gate never drops a match
(tests/test_classify.py checks it on the corpus). A reading asked for again (a SAM title the detail
plan screened, read again by classify while its description is unread; a record met again on the
next poll) is handed out from the readings kept with the tables, and each text's sentences and
anchors are kept too (a description read again under another title).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections import OrderedDict
from dataclasses import dataclass, field

import ahocorasick

from . import cues, cues_eu
from .cue_patterns import ANCHOR_MIN, CueSet, Deferred, automaton, compile_pattern, compile_rows, cue_set, fold, phrase
from .eforms_labels import CODELIST_LABELS

QUOTE_CHARS = 200
SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9\u00c0-\u024f])|\n\s*\n|\n(?=\S)")
ABBREVIATION = re.compile(r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Inc|Co|Corp|Ltd|No|Nos|Mr|Ms|Dr|St|Dept|Jr|vs|Art|Reg|para"
                          r"|Abs|Nr|pt|art|al)\.)$")

READINGS_KEPT = 2048  # readings remembered, and texts split and scanned (each), oldest forgotten first
KEPT_CHARS = 8000  # a longer text (attachments appended) is read afresh: one is rarely read twice

MAY_END = re.compile(r"[.!?\n]")  # every split SENTENCE_END makes follows one of these or starts with a line break
END_MATCH = 8  # the longest match of either: "Dept." (5), two pairs of "U.S." (4), a 4-letter word and its dot (5)
SHORT_WORD_END = re.compile(r"(?<![\w.])[^\W\d]{1,4}\.$")  # "art. 116", "чл. 116", "Abs. 2", "No. 5": not an end


def label_cue(code: str, lang: str, label: str) -> tuple[str, tuple[str, ...], Deferred, str]:
    """(longest word, its other words, regex, name) for an official label's first sentence (text is
    read sentence by sentence).

    The regex can only match where every word occurs (words split at apostrophes, which the regex
    lets be either ' or ’): the longest is looked for with the cue anchors, the others with `in`."""
    first = sentences(label)[0]
    words = sorted({part for word in re.findall(r"[^\s,\-–]+", fold(first)) for part in word.replace("’", "'").split("'")
                    if len(part) >= ANCHOR_MIN}, key=lambda w: (-len(w), w))
    return words[0], tuple(words[1:]), Deferred(functools.partial(phrase, first)), f"{code} ({lang})"


@dataclass(frozen=True)
class Tables:
    """Every pattern of the reader, built on first use (importing the module compiles nothing), each
    compiled on its first search."""

    cues: CueSet  # of cues.STRONG and cues_eu.NATIONAL
    title_cues: CueSet  # of cues.TITLE_ONLY
    labels: dict  # longest word -> [(other words, regex, name)] of the official eForms labels
    anchors: ahocorasick.Automaton  # every anchor and label word
    before: list
    after: list
    clause: list
    negation: Deferred
    hedge: Deferred
    design_contest: Deferred
    after_negation: Deferred
    after_hedge: Deferred
    not_a_procedure_that: Deferred
    reservation: Deferred
    future_option: Deferred
    readings: OrderedDict = field(default_factory=OrderedDict)  # (title, description, seeks sources) -> Reading
    texts: OrderedDict = field(default_factory=OrderedDict)  # text -> its sentences and anchors (`_statements`)


@functools.cache
def tables() -> Tables:
    """The compiled patterns, compiled once on the first call (about 0.2 s; a CLI command that reads no
    notice text never pays it)."""
    strong, title_only = cue_set(cues.STRONG + cues_eu.NATIONAL), cue_set(cues.TITLE_ONLY)
    labels: dict[str, list] = {}
    for code, by_lang in CODELIST_LABELS.items():
        for lang, label in by_lang.items():
            word, *rest = label_cue(code, lang, label)
            labels.setdefault(word, []).append(tuple(rest))
    words = set(strong.by_anchor) | set(title_only.by_anchor) | set(labels)
    return Tables(
        cues=strong, title_cues=title_only, labels=labels, anchors=automaton(words),
        before=compile_rows(cues.BEFORE), after=compile_rows(cues.AFTER), clause=compile_rows(cues.CLAUSE),
        negation=compile_pattern(cues.NEGATION.pattern + "|" + cues_eu.NEGATION),
        hedge=compile_pattern(cues.HEDGE + "|" + cues_eu.HEDGE),
        design_contest=compile_pattern(cues_eu.DESIGN_CONTEST),
        after_negation=compile_pattern(cues.AFTER_NEGATION.pattern + "|" + cues_eu.AFTER_NEGATION),
        after_hedge=compile_pattern(cues_eu.AFTER_HEDGE),
        not_a_procedure_that=compile_pattern(cues_eu.NOT_A_PROCEDURE_THAT),
        reservation=compile_pattern(cues_eu.RESERVATION), future_option=compile_pattern(cues_eu.FUTURE_OPTION))


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

    def copy(self) -> Reading:
        return Reading(self.quotes[:], self.cues[:], self.cue_text, self.discounted[:])


def read(title: str, description: str, seeks_sources: bool = False) -> Reading:
    """Read title then description; the first statement of sole source decides.

    The reading depends on nothing but its arguments, so one read before is handed out again (a
    copy: the caller may change it); the readings are kept with the tables that made them."""
    key = (title or "", description or "", bool(seeks_sources))
    kept = tables().readings
    reading = kept.get(key)
    if reading is None:
        reading = _read(*key)
        if len(key[0]) + len(key[1]) <= KEPT_CHARS:
            _keep(kept, key, reading)
    return reading.copy()


def _keep(kept: OrderedDict, key, value) -> None:
    """Remember one more reading or text, forgetting the oldest beyond READINGS_KEPT (an OrderedDict:
    a dict would skip every slot deleted before to find its first key)."""
    if len(kept) >= READINGS_KEPT:
        kept.popitem(last=False)
    kept[key] = value


def _read(title: str, description: str, seeks_sources: bool) -> Reading:
    """The reading `read` hands out, made afresh."""
    seeks_sources = seeks_sources or _says(cues.SOURCES_SOUGHT, fold(title)) or _says(
        cues.SEEKS_SOURCES_TEXT, fold(description[:cues.SEEK_SOURCES_WINDOW]))
    reading, t = Reading(), tables()
    (titled, title_words), (described, described_words) = _statements(title), _statements(description)
    found = titled + described
    for (sentence, folded), spans in zip(found, _cue_spans([f for _, f in found], t.cues, title_words | described_words,
                                                           t.labels)):
        if spans and _read_sentence(sentence, folded, spans, seeks_sources, reading):
            return reading
    _notice_of_intent(found, reading)
    if not reading.decided:  # a title naming a justification document decides last, and only in the title
        for (sentence, folded), spans in zip(titled, _cue_spans([f for _, f in titled], t.title_cues, title_words)):
            if spans and _read_sentence(sentence, folded, spans, seeks_sources, reading):
                break
    return reading


def _statements(text: str) -> tuple[list[tuple[str, str]], set[str]]:
    """The text's sentences, each with its folded form, and the anchors and label words in them; kept
    with the tables (a description is read again under another title, a title with its description).

    Anchors hold no line break, so those of title and description joined are the two sets' union."""
    kept = tables().texts
    found = kept.get(text)
    if found is None:
        pairs = [(s, fold(s)) for s in sentences(text)]
        found = pairs, _anchors_in("\n".join(f for _, f in pairs))
        if len(text) <= KEPT_CHARS:
            _keep(kept, text, found)
    return found


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


def _cue_spans(folded: list[str], patterns: CueSet, present: set[str],
               labels: dict | None = None) -> list[list[tuple[int, int, str]]]:
    """Per sentence, (start, end, label) of every cue, leftmost first, overlaps dropped.

    Each pattern whose anchor is `present` (found in the sentences by `_statements`) runs once over
    all the sentences joined by newlines (sentences hold none); `labels` maps a label's longest word
    to its (other words, regex, name)."""
    text = "\n".join(folded)
    chosen, by_anchor = set(patterns.always), patterns.by_anchor
    for word in present:  # plain loops: comprehensions and set(...).union(*…) cost more than the few runs they make
        if word in by_anchor:
            chosen.update(by_anchor[word])
    found = []
    for n in chosen:
        pattern, label, bounded, _ = patterns.branches[n]
        for m in pattern.finditer(text):
            if not bounded or _word_starts(text, m.start()):
                found.append((m.start(), -m.end(), label))
    if labels:
        for word in present:
            for others, pattern, label in labels.get(word, ()):
                if all(other in text for other in others):
                    found += [(m.start(), -m.end(), label) for m in pattern.finditer(text)
                              if _word_starts(text, m.start())]
    out: list[list[tuple[int, int, str]]] = [[] for _ in folded]
    if not found:
        return out
    starts = list(itertools.accumulate([len(f) + 1 for f in folded[:-1]], initial=0))
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
    for piece in SENTENCE_END.split(text) if MAY_END.search(text) else (text,):  # most titles are one sentence
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
    same as a search of the whole sentence, without scanning it; both end in a dot, so a sentence
    that does not is not searched at all (sentences hold no line break for `$` to stop before)."""
    if not sentence.endswith("."):
        return False
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
