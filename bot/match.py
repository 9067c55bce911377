"""Watchlist matching (DESIGN §7): which watchlists does a notice hit, and why.

Pure: no I/O. `Matcher` compiles every text term of every watchlist into ONE Aho-Corasick automaton
once; each notice field is normalised once and scanned once, then each candidate watchlist is judged.

Text is normalised by `normalize`: NFKD, combining marks dropped, casefolded, every run of
non-alphanumerics turned into one space, padded with spaces. Terms are stored as " term " so a hit
always sits on word boundaries: "CBP" never hits "ACBPX", and "facial recognition" does NOT hit
"facial recognitions" (no stemming: list plural forms as separate terms). Scripts written without
spaces (CJK) therefore only match whole space-delimited runs.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Sequence

import ahocorasick

from bot.config_types import Watchlist
from bot.notice import Notice

# Acronym -> names it also matches in `agency_path` (the acronym itself always matches too).
AGENCY_ALIASES: dict[str, tuple[str, ...]] = {
    "CBP": ("customs and border protection",), "ICE": ("immigration and customs enforcement",),
    "HSI": ("homeland security investigations",), "DHS": ("homeland security",),
    "FBI": ("federal bureau of investigation",), "DEA": ("drug enforcement administration",),
    "USMS": ("marshals service",), "ATF": ("alcohol tobacco firearms and explosives",),
    "BOP": ("bureau of prisons", "federal prison system"), "DOD": ("defense",), "DOJ": ("justice",),
    "TSA": ("transportation security administration",), "USCIS": ("citizenship and immigration services",),
    "USSS": ("secret service",), "USCG": ("coast guard",), "FEMA": ("federal emergency management agency",),
    "CISA": ("cybersecurity and infrastructure security agency",), "NSA": ("national security agency",),
    "OIG": ("inspector general",), "EOIR": ("executive office for immigration review",),
    "IRS": ("internal revenue service",), "VA": ("veterans affairs",), "GSA": ("general services administration",),
    "HHS": ("health and human services",), "DOS": ("state department of", "department of state"),
    "USPS": ("postal service",),
}

# Legal-form words ignored at the end of a vendor term ("the" is ignored at its start).
_LEGAL = {"inc", "incorporated", "llc", "ltd", "limited", "corp", "corporation", "co", "company",
          "plc", "gmbh", "ag", "sa", "sas", "srl", "bv", "nv", "pty", "lp", "llp", "ulc"}
_DOTTED = {"llc", "llp", "lp", "plc", "sa", "sas", "srl", "bv", "nv", "ag"}  # also as "L.L.C."
_SUFFIXES = {(w,) for w in _LEGAL} | {tuple(w) for w in _DOTTED}

# Which kinds of term count in which notice field.
_FIELD_KINDS = {
    "title": frozenset({"vendor", "keyword", "exclude"}),
    "description": frozenset({"vendor", "keyword", "exclude"}),
    "vendor_name": frozenset({"vendor", "exclude"}),
    "agency_path": frozenset({"agency"}),
}
_CACHED = 50_000  # recurring texts remembered by a Matcher (a few MB at most)
# Field -> how many of its texts a Matcher remembers: vendor names and agency levels recur across
# notices; a title is searched by `prefilter` (the detail plan ranks a whole page first), then by
# `match` when the page is stored.
_REMEMBERED = {"vendor_name": _CACHED, "agency_path": _CACHED, "title": 5_000}
_PRE_KINDS = {f: k - {"exclude"} for f, k in _FIELD_KINDS.items()}
_ORDER = {k: n for n, k in enumerate(("vendor", "keyword", "agency", "code", "exclude"))}

# ASCII bytes: letters lowercased, digits kept, everything else a space (bytes.translate is fast).
_ASCII_BYTES = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 32 for c in range(128)) + bytes(range(128, 256))
_FOLDED: dict[str, str] = {}  # non-ASCII run -> its folded form (see _fold)
_TOKENS: dict[str, str] = {}  # token of text in another script -> its normal words (see _token_words)
_NONWORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")
_ID = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*:\s*(\S+)\s*$")


@dataclass(frozen=True)
class Hit:
    kind: str  # "vendor" | "keyword" | "agency" | "code" | "exclude"
    term: str  # the watchlist term as the user wrote it
    field: str  # "vendor_name", "title", "description", "agency_path", "vendor_ids", "codes"
    text: str  # the matched text as it appears in the notice (short)


@dataclass(frozen=True)
class Match:
    watchlist: str
    hits: tuple[Hit, ...]


def _resolved(hit: Hit | tuple) -> Hit:
    """A Hit from a scanned one: text hits are scanned as (kind, term, field, (original, normal form,
    end, pattern)) and their words are found in the original only now (most hits never reach an alert)."""
    if isinstance(hit, Hit):
        return hit
    kind, term, field, (original, norm, end, pattern) = hit
    return Hit(kind, term, field, _locator(original, norm)(end, pattern))


def normalize(text: str) -> str:
    """Casefolded, accent-free, " word word " form of `text` (empty text gives "  ").

    Mostly-ASCII text (English, French, German, ...) is encoded to ASCII with `_fold` replacing each
    run of other characters, then lowercased and split at non-alphanumerics by one bytes.translate;
    text in another script takes the general path (NFKD, marks dropped, casefold) one whitespace-
    delimited token at a time: every form of whitespace is a word boundary anyway, and tokens recur."""
    try:
        data = text.encode("ascii", "procwatch.fold")
    except _OtherScript:
        return " " + " ".join(filter(None, map(_token_words, text.split()))) + " "
    return " " + " ".join(data.translate(_ASCII_BYTES).decode().split()) + " "


def alias_table(aliases: Mapping[str, Sequence[str]] = {}) -> dict[str, list[str]]:
    """Normalised acronym -> the names it also matches: the built-in AGENCY_ALIASES, then the user's."""
    table: dict[str, list[str]] = {}
    for acronym, names in [*AGENCY_ALIASES.items(), *aliases.items()]:
        table.setdefault(normalize(acronym), []).extend(names)
    return table


def agency_names(term: str, table: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The texts an agency term hits in an agency level (once normalised): itself and its aliases' names."""
    return term, *table.get(normalize(term), ())


class _OtherScript(Exception):
    """Raised by `_fold` when a run of characters does not fold to ASCII (Greek, Cyrillic, CJK...)."""


def _token_words(token: str) -> str:
    """The normal words of one whitespace-free token ("" for punctuation alone); remembered, up to
    `_CACHED` tokens, as words recur (a whole text through translate took ~100 µs per 1,000 chars)."""
    words = _TOKENS.get(token)
    if words is None:
        words = " ".join(_NONWORD.sub(" ", unicodedata.normalize("NFKD", token).translate(_MARKS).casefold()).split())
        if len(_TOKENS) < _CACHED:
            _TOKENS[token] = words
    return words


def _fold(error: UnicodeEncodeError) -> tuple[str, int]:
    """Codec error handler: one run of non-ASCII characters, decomposed (NFKD is per character),
    marks dropped, casefolded, non-words as spaces; remembered, as runs recur (accents, quotes)."""
    run = error.object[error.start:error.end]
    folded = _FOLDED.get(run)
    if folded is None:
        folded = _NONWORD.sub(" ", unicodedata.normalize("NFKD", run).translate(_MARKS).casefold())
        if len(_FOLDED) < _CACHED:
            _FOLDED[run] = folded
    if not folded.isascii():
        raise _OtherScript
    return folded, error.end


codecs.register_error("procwatch.fold", _fold)


class _Marks(dict):
    """The translate table deleting combining marks, filled as characters are met (all of Unicode
    up front took 0.07 s of every process that met one accent)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_MARKS = _Marks()


@lru_cache(maxsize=4096)
def vendor_key(term: str) -> str:
    """Normalised vendor term without a leading "the" and trailing legal suffixes ("Acme, Inc.");
    remembered, as the red flags key every non-competed award's vendor twice and names recur."""
    words = normalize(term).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    stripped = True
    while stripped:
        stripped = False
        for n in (3, 2, 1):
            if len(words) > n and tuple(words[-n:]) in _SUFFIXES:
                words, stripped = words[:-n], True
                break
    return " " + " ".join(words) + " "


def id_key(text: str) -> str | None:
    """"scheme:id" in canonical case-insensitive form, or None if `text` is not one."""
    m = _ID.match(text)
    return f"{m.group(1).lower()}:{m.group(2).casefold()}" if m else None


def _locator(original: str, norm: str) -> Callable[[int, str], str]:
    """A function (end, pattern) -> the words of `original` that `pattern`, ending at norm[end], hit.

    The pattern's words are searched in the original with a regex that lets each ASCII letter be
    any accented Latin form of it; where that fails (another script, a ligature) the original is
    walked word by word as far as the hit. A located text whose normal form is not the pattern
    falls back to the pattern itself: an alert never quotes wrong words."""
    text = original if original.isascii() else unicodedata.normalize("NFC", original)
    words, spans = _WORD.finditer(text), []

    def walk(end: int, pattern: str) -> str:
        first = norm.count(" ", 0, end - len(pattern) + 1)
        last = first + pattern.count(" ") - 2
        for m in words if len(spans) <= last else ():
            spans.extend([m.span()] * (1 if m.group().isascii() else len(normalize(m.group()).split())))
            if len(spans) > last:
                break
        return text[spans[first][0]:spans[last][1]] if len(spans) > last else ""

    def locate(end: int, pattern: str) -> str:
        """Original words for one hit (the normal form if they could not be found)."""
        found = _words_regex(pattern, text.isascii()).search(text) if pattern.isascii() else None
        found = found.group() if found and normalize(found.group()) == pattern else walk(end, pattern)
        return found if normalize(found) == pattern else pattern.strip()
    return locate


@lru_cache(maxsize=4096)
def _words_regex(pattern: str, ascii_text: bool) -> re.Pattern:
    """A regex finding the normalised ASCII `pattern` in text: its words, any separators between;
    in non-ASCII text each letter may also be any accented Latin letter that folds to it."""
    def letter(c: str) -> str:
        return c if ascii_text or not c.isalpha() else "[" + c + "".join(_latin().get(c, ())) + "]"
    words = ["".join(map(letter, word)) for word in pattern.split()]
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _latin() -> dict[str, list[str]]:
    """ASCII letter -> the accented Latin letters (U+00C0-U+024F, U+1E00-U+1EFF) that fold to it."""
    table: dict[str, list[str]] = {}
    for c in map(chr, [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]):
        folded = normalize(c).strip()
        if len(folded) == 1 and folded.isascii() and folded.isalpha():
            table.setdefault(folded, []).append(c)
    return table


class Matcher:
    """All watchlists compiled once; `match` a notice against them many times."""

    def __init__(self, watchlists: Iterable[Watchlist], aliases: Mapping[str, Sequence[str]] = {}):
        """Compile every term of every watchlist; user `aliases` extend the built-in ones."""
        self._lists = tuple(watchlists)
        self._auto = ahocorasick.Automaton()
        self._ids: dict[str, list[tuple[int, str]]] = {}  # "uei:abc" -> [(watchlist, term)]
        self._codes: dict[tuple[str, str], list[tuple[int, str]]] = {}  # (scheme, prefix) -> ...
        self._always = {i for i, w in enumerate(self._lists) if not (w.vendors or w.keywords)}
        self._by_verdict = {c: frozenset(i for i, w in enumerate(self._lists) if c in w.competition)
                            for w in self._lists for c in w.competition}
        recurring: dict[str, tuple[str, tuple]] = {}
        self._memo = {"vendor_name": recurring, "agency_path": recurring, "title": {}}  # see _search
        self._conditional = {i for i, w in enumerate(self._lists) if w.min_amount > 0 or w.sources}
        self._flagged = {i: frozenset(w.flags) for i, w in enumerate(self._lists) if w.flags}  # see match
        table = alias_table(aliases)
        for i, wl in enumerate(self._lists):
            self._compile(i, wl, table)
        self._ready = len(self._auto) > 0
        if self._ready:
            self._auto.make_automaton()

    def _compile(self, i: int, wl: Watchlist, table: Mapping[str, list[str]]) -> None:
        """Add one watchlist's terms to the automaton and the id/code tables."""
        for term in wl.vendors:
            key = id_key(term)
            if key:
                self._ids.setdefault(key, []).append((i, term))
            else:
                self._add(vendor_key(term), i, "vendor", term)
        for term in wl.keywords:
            self._add(normalize(term), i, "keyword", term)
        for term in wl.exclude:
            self._add(normalize(term), i, "exclude", term)
        for term in wl.agencies:
            for pattern in set(map(normalize, agency_names(term, table))):
                self._add(pattern, i, "agency", term)
        for term in wl.codes:
            scheme, _, value = term.partition(":")
            self._codes.setdefault((scheme.strip().lower(), value.strip().lower()), []).append((i, term))

    def _add(self, pattern: str, i: int, kind: str, term: str) -> None:
        """Register `pattern` (padded, normalised) as pointing to (watchlist, kind, term)."""
        if not pattern.strip():
            return
        _, payload = self._auto.get(pattern, (pattern, []))
        if not payload:
            self._auto.add_word(pattern, (pattern, payload))
        if (i, kind, term) not in payload:
            payload.append((i, kind, term))

    @staticmethod
    def _fields(notice: Notice, description: bool = True) -> list[tuple[str, str]]:
        """(field, text) pairs to scan, empty texts left out; each agency level is scanned on its own."""
        fields = [("title", notice.title), ("description", notice.description if description else ""),
                  ("vendor_name", notice.vendor_name)]
        fields += [("agency_path", level) for level in notice.agency_path]
        return [field for field in fields if field[1]]

    def _search(self, text: str, field: str) -> tuple[str, Sequence[tuple[int, tuple]]]:
        """(normal form, automaton hits) of one field's text, remembered for the fields of `_REMEMBERED`."""
        memo = self._memo.get(field)
        known = memo.get(text) if memo is not None else None
        if known is None:
            norm = normalize(text)
            known = norm, tuple(self._auto.iter(norm))
            if memo is not None:
                if len(memo) >= _REMEMBERED[field]:
                    memo.clear()
                memo[text] = known
        return known

    def _scan(self, notice: Notice, wanted: frozenset[int] | None = None) -> dict[int, dict[tuple, Hit | tuple]]:
        """Every hit of the `wanted` watchlists (all when None), first occurrence per (kind, term, field)."""
        found: dict[int, dict[tuple, Hit | tuple]] = {}
        everyone = wanted is None
        for field, original in self._fields(notice) if self._ready else ():
            norm, found_here = self._search(original, field)
            allowed = _FIELD_KINDS[field]
            for end, (pattern, payload) in found_here:
                for i, kind, term in payload:
                    if kind in allowed and (everyone or i in wanted):
                        hits = found.setdefault(i, {})
                        if (kind, term, field) not in hits:
                            hits[kind, term, field] = (kind, term, field, (original, norm, end, pattern))
        for vid in notice.vendor_ids if self._ids else ():
            for i, term in self._ids.get(id_key(vid) or "", ()):
                found.setdefault(i, {}).setdefault(("vendor", term, "vendor_ids"),
                                                   Hit("vendor", term, "vendor_ids", vid))
        for scheme, values in notice.codes.items() if self._codes else ():
            for value in values:
                low = value.strip().lower()
                for n in range(1, len(low) + 1):
                    for i, term in self._codes.get((scheme.lower(), low[:n]), ()):
                        found.setdefault(i, {}).setdefault(("code", term, "codes"),
                                                           Hit("code", term, "codes", value))
        return found

    def _eligible(self, notice: Notice) -> frozenset[int]:
        """Watchlists whose verdict, amount and source conditions `notice` meets (text aside)."""
        lists = self._by_verdict.get(notice.competition, frozenset())
        if not self._conditional.isdisjoint(lists):
            lists = lists - {i for i in self._conditional & lists if not self._conditions(self._lists[i], notice)}
        return lists

    @staticmethod
    def _conditions(wl: Watchlist, notice: Notice) -> bool:
        """The verdict, amount and source conditions of `wl` (unknown amounts pass)."""
        return (notice.competition in wl.competition
                and not (wl.min_amount > 0 and notice.amount is not None and notice.amount < wl.min_amount)
                and not (wl.sources and notice.source not in wl.sources))

    @staticmethod
    def _verdict(wl: Watchlist, hits: dict) -> tuple[Hit, ...] | None:
        """The hits that make `wl` (whose verdict/amount/source conditions hold) match, or None."""
        kinds = {kind for kind, _, _ in hits}
        if ("exclude" in kinds or (wl.agencies and "agency" not in kinds)
                or (wl.codes and "code" not in kinds)
                or ((wl.vendors or wl.keywords) and not kinds & {"vendor", "keyword"})):
            return None
        return tuple(sorted(map(_resolved, hits.values()), key=lambda h: _ORDER[h.kind]))

    def match(self, notice: Notice, flags: frozenset[str] = frozenset()) -> list[Match]:
        """One `Match` per watchlist that `notice` matches, in watchlist order; a watchlist with
        `flags` needs at least one of them among the notice's red `flags`."""
        wanted = self._eligible(notice)
        if not wanted.isdisjoint(self._flagged):
            wanted = wanted - {i for i in wanted & self._flagged.keys() if not flags & self._flagged[i]}
        found = self._scan(notice, wanted) if wanted else {}
        out = []
        for i in sorted((set(found) | self._always) & wanted):
            hits = self._verdict(self._lists[i], found.get(i, {}))
            if hits is not None:
                out.append(Match(self._lists[i].name, hits))
        return out

    def prefilter(self, notice: Notice) -> bool:
        """True if a vendor/keyword/agency term hits title, vendor_name, agency_path or vendor_ids."""
        for field, text in self._fields(notice, description=False) if self._ready else ():
            allowed = _PRE_KINDS[field]
            for _, (_, payload) in self._search(text, field)[1]:
                if any(kind in allowed for _, kind, _ in payload):
                    return True
        return bool(self._ids) and any(id_key(v) in self._ids for v in notice.vendor_ids)

    def explain(self, notice: Notice) -> dict[str, list[Hit]]:
        """All hits per watchlist name (every watchlist listed), ignoring the verdict filters."""
        found = self._scan(notice)
        return {wl.name: sorted(map(_resolved, found.get(i, {}).values()), key=lambda h: _ORDER[h.kind])
                for i, wl in enumerate(self._lists)}
