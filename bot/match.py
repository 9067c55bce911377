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

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

import ahocorasick

from bot.config import Watchlist
from bot.notice import Notice

# Acronym -> names it also matches in `agency_path` (the acronym itself always matches too).
AGENCY_ALIASES: dict[str, tuple[str, ...]] = {
    "CBP": ("customs and border protection",),
    "ICE": ("immigration and customs enforcement",),
    "HSI": ("homeland security investigations",),
    "DHS": ("homeland security",),
    "FBI": ("federal bureau of investigation",),
    "DEA": ("drug enforcement administration",),
    "USMS": ("marshals service",),
    "ATF": ("alcohol tobacco firearms and explosives",),
    "BOP": ("bureau of prisons", "federal prison system"),
    "DOD": ("defense",),
    "DOJ": ("justice",),
    "TSA": ("transportation security administration",),
    "USCIS": ("citizenship and immigration services",),
    "USSS": ("secret service",),
    "USCG": ("coast guard",),
    "FEMA": ("federal emergency management agency",),
    "CISA": ("cybersecurity and infrastructure security agency",),
    "NSA": ("national security agency",),
    "OIG": ("inspector general",),
    "EOIR": ("executive office for immigration review",),
    "IRS": ("internal revenue service",),
    "VA": ("veterans affairs",),
    "GSA": ("general services administration",),
    "HHS": ("health and human services",),
    "DOS": ("state department of", "department of state"),
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
_PRE_KINDS = {f: k - {"exclude"} for f, k in _FIELD_KINDS.items()}
_ORDER = {k: n for n, k in enumerate(("vendor", "keyword", "agency", "code", "exclude"))}

_ASCII = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_NONWORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")
_SPACE = re.compile(" ")
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


def normalize(text: str) -> str:
    """Casefolded, accent-free, " word word " form of `text` (empty text gives "  ")."""
    if text.isascii():
        text = text.lower().translate(_ASCII)
    else:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
        text = _NONWORD.sub(" ", text.casefold())
    return " " + " ".join(text.split()) + " "


def vendor_key(term: str) -> str:
    """Normalised vendor term without a leading "the" and trailing legal suffixes ("Acme, Inc.")."""
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


def _id_key(text: str) -> str | None:
    """"scheme:id" in canonical case-insensitive form, or None if `text` is not one."""
    m = _ID.match(text)
    return f"{m.group(1).lower()}:{m.group(2).casefold()}" if m else None


def _locator(original: str, norm: str) -> Callable[[int, str], str]:
    """A function (end, pattern) -> the words of `original` that `pattern`, ending at norm[end], hit."""
    text = original if original.isascii() else unicodedata.normalize("NFC", original)
    spans = [m.span() for m in _WORD.finditer(text)
             for _ in range(1 if m.group().isascii() else len(normalize(m.group()).split()))]
    spaces = [m.start() for m in _SPACE.finditer(norm)]

    def locate(end: int, pattern: str) -> str:
        """Original words for one hit (the normal form if a word could not be mapped back)."""
        if len(spans) != len(spaces) - 1:
            return pattern.strip()
        first = bisect_left(spaces, end - len(pattern) + 1)
        return text[spans[first][0]:spans[first + pattern.count(" ") - 2][1]]
    return locate


class Matcher:
    """All watchlists compiled once; `match` a notice against them many times."""

    def __init__(self, watchlists: Iterable[Watchlist], aliases: Mapping[str, Sequence[str]] = {}):
        """Compile every term of every watchlist; user `aliases` extend the built-in ones."""
        self._lists = tuple(watchlists)
        self._auto = ahocorasick.Automaton()
        self._ids: dict[str, list[tuple[int, str]]] = {}  # "uei:abc" -> [(watchlist, term)]
        self._codes: dict[tuple[str, str], list[tuple[int, str]]] = {}  # (scheme, prefix) -> ...
        self._always = [i for i, w in enumerate(self._lists) if not (w.vendors or w.keywords)]
        table: dict[str, list[str]] = {}
        for acronym, names in [*AGENCY_ALIASES.items(), *aliases.items()]:
            table.setdefault(normalize(acronym), []).extend(names)
        for i, wl in enumerate(self._lists):
            self._compile(i, wl, table)
        self._ready = len(self._auto) > 0
        if self._ready:
            self._auto.make_automaton()

    def _compile(self, i: int, wl: Watchlist, table: Mapping[str, list[str]]) -> None:
        """Add one watchlist's terms to the automaton and the id/code tables."""
        for term in wl.vendors:
            key = _id_key(term)
            if key:
                self._ids.setdefault(key, []).append((i, term))
            else:
                self._add(vendor_key(term), i, "vendor", term)
        for term in wl.keywords:
            self._add(normalize(term), i, "keyword", term)
        for term in wl.exclude:
            self._add(normalize(term), i, "exclude", term)
        for term in wl.agencies:
            key = normalize(term)
            for pattern in {key, *map(normalize, table.get(key, ()))}:
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
    def _fields(notice: Notice, description: bool = True) -> Iterable[tuple[str, str]]:
        """(field, text) pairs to scan; each agency level is scanned on its own."""
        yield "title", notice.title
        if description:
            yield "description", notice.description
        yield "vendor_name", notice.vendor_name
        for level in notice.agency_path:
            yield "agency_path", level

    def _scan(self, notice: Notice) -> dict[int, dict[tuple[str, str, str], Hit]]:
        """Every hit of every watchlist, first occurrence per (kind, term, field)."""
        found: dict[int, dict[tuple[str, str, str], Hit]] = {}
        for field, original in self._fields(notice) if self._ready else ():
            if not original:
                continue
            norm, allowed, locate = normalize(original), _FIELD_KINDS[field], None
            for end, (pattern, payload) in self._auto.iter(norm):
                text = None
                for i, kind, term in payload:
                    hits = found.setdefault(i, {}) if kind in allowed else None
                    if hits is not None and (kind, term, field) not in hits:
                        locate = locate or _locator(original, norm)
                        text = text or locate(end, pattern)
                        hits[kind, term, field] = Hit(kind, term, field, text)
        for vid in notice.vendor_ids:
            for i, term in self._ids.get(_id_key(vid) or "", ()):
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

    def _verdict(self, wl: Watchlist, notice: Notice, hits: Iterable[Hit]) -> tuple[Hit, ...] | None:
        """The hits that make `wl` match `notice`, or None when some condition fails."""
        if notice.competition not in wl.competition:
            return None
        if wl.min_amount > 0 and notice.amount is not None and notice.amount < wl.min_amount:
            return None
        if wl.sources and notice.source not in wl.sources:
            return None
        kinds = {h.kind for h in hits}
        if ("exclude" in kinds or (wl.agencies and "agency" not in kinds)
                or (wl.codes and "code" not in kinds)
                or ((wl.vendors or wl.keywords) and not kinds & {"vendor", "keyword"})):
            return None
        return tuple(sorted(hits, key=lambda h: _ORDER[h.kind]))

    def match(self, notice: Notice) -> list[Match]:
        """One `Match` per watchlist that `notice` matches, in watchlist order."""
        found = self._scan(notice)
        out = []
        for i in sorted(set(found) | set(self._always)):
            hits = self._verdict(self._lists[i], notice, found.get(i, {}).values())
            if hits is not None:
                out.append(Match(self._lists[i].name, hits))
        return out

    def prefilter(self, notice: Notice) -> bool:
        """True if a vendor/keyword/agency term hits title, vendor_name, agency_path or vendor_ids."""
        for field, text in self._fields(notice, description=False) if self._ready else ():
            allowed = _PRE_KINDS[field]
            for _, (_, payload) in self._auto.iter(normalize(text)) if text else ():
                if any(kind in allowed for _, kind, _ in payload):
                    return True
        return any(_id_key(v) in self._ids for v in notice.vendor_ids)

    def explain(self, notice: Notice) -> dict[str, list[Hit]]:
        """All hits per watchlist name (every watchlist listed), ignoring the verdict filters."""
        found = self._scan(notice)
        return {wl.name: sorted(found.get(i, {}).values(), key=lambda h: _ORDER[h.kind])
                for i, wl in enumerate(self._lists)}
