"""The full-text query a watchlist's text matches imply (DESIGN §7, beside bot/match.py): `watch test`
and catch-up let the index find the candidate notices and judge only those with the real `Matcher`.

A watchlist with vendor or keyword terms matches a notice only if one of them hits title or
description (a vendor also vendor_name) in `normalize`d form (`Matcher._verdict`), so the OR of the
terms' phrases, each limited to those columns, is a necessary condition. A watchlist without such
terms but with agencies matches only a notice one of them (or an alias's name) hits in a level of
its agency path, so the OR of those phrases in the `agency` column (the levels joined) is one for
it; only a list of codes, exclusions or flags alone, or one with a vendor id and no agencies, needs
the full scan. The index (FTS5, unicode61, diacritics removed) splits and lowercases ASCII exactly
as `normalize` does; it keeps what `normalize` folds elsewhere (ß, ligatures, fullwidth letters, ²,
Greek accents), so each term word's alternatives are its ASCII self plus every non-ASCII token of
the index's vocabulary whose normal form is that word. Such a token's ASCII prefix is a prefix of
the word, so the vocabulary is read only in the ranges "prefix of a word, then a non-ASCII
character" (tokens starting with a non-ASCII character are one range), never whole. A token whose
normal form is several words (a private-use or fraction character inside it) sharing one with a
term, or none (between a phrase's words), and a phrase with too many spellings, leave the watchlist
to the full scan.
Known gap, by design of the two tokenisers (tests/test_match_query.py pins the list): 1,543
characters unicode61 treats as separators but `normalize` spells out (™ → tm, Ⓐ → a, ㎏ → kg) or
deletes (some Hebrew, Arabic and Thai marks, joining the words around them). A term written with one
of those takes the full scan (`split_alike`); a stored text whose words one of them glues to or
splits from a term word is not found through the index, nor is a term word that follows such a
splitting character inside one token that starts with another ASCII word.
"""

from __future__ import annotations

import sqlite3
from itertools import product
from typing import Callable, Iterable, Mapping, Sequence

from bot.config_types import Watchlist
from bot.match import agency_names, alias_table, id_key, normalize, vendor_key

KEYWORD_COLUMNS = "{title description}"  # where a keyword hit counts (match._FIELD_KINDS)
VENDOR_COLUMNS = "{title description vendor_name}"
AGENCY_COLUMNS = "{agency}"  # the agency path's levels joined, each scanned alone by the matcher
_SPELLINGS = 64  # spellings of one phrase the query may list before the full scan is cheaper

Tokens = Callable[[str], Iterable[str]]  # ASCII prefix -> index tokens: that prefix, then non-ASCII


def phrases(watchlist: Watchlist, table: Mapping[str, Sequence[str]]) -> list[tuple[str, tuple[str, ...]]] | None:
    """(columns, normalised words) of each text term; failing those (no vendor or keyword term, or
    a vendor given by id), of each agency term and its aliases' names (`table`: `match.alias_table`),
    since a watchlist with agencies matches only a notice one of them hits; None when neither tells
    or a term is one the index splits otherwise (`split_alike`)."""
    if (watchlist.vendors or watchlist.keywords) and not any(id_key(v) for v in watchlist.vendors):
        texts = [*watchlist.vendors, *watchlist.keywords]
        found = [(VENDOR_COLUMNS, tuple(vendor_key(v).split())) for v in watchlist.vendors]
        found += [(KEYWORD_COLUMNS, tuple(normalize(k).split())) for k in watchlist.keywords]
    elif watchlist.agencies:
        texts = [name for a in watchlist.agencies for name in agency_names(a, table)]
        found = [(AGENCY_COLUMNS, tuple(p.split())) for p in dict.fromkeys(map(normalize, texts))]
    else:
        return None
    if not split_alike(texts):
        return None
    return [(columns, words) for columns, words in found if words]  # an empty term never hits


def split_alike(texts: Sequence[str]) -> bool:
    """True when the index's tokeniser (FTS5's default unicode61, as the notices index is built)
    splits every text into the words `normalize` makes of it. A term holding a character that the
    index drops as a separator while `normalize` spells it out or joins words at it (№, ™, Ⓐ, some
    marks) names words no stored text is indexed under: only the full scan finds its notices."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE split USING fts5(text)")
        conn.execute("CREATE VIRTUAL TABLE words USING fts5vocab(split, instance)")
        conn.executemany("INSERT INTO split (rowid, text) VALUES (?, ?)", enumerate(texts, 1))
        indexed: dict[int, list[str]] = {}
        for word, row in conn.execute("SELECT term, doc FROM words ORDER BY doc, offset"):
            indexed.setdefault(row, []).append(word)
    finally:
        conn.close()
    return all(normalize(" ".join(indexed.get(i, ()))).split() == normalize(t).split() for i, t in enumerate(texts, 1))


def index_query(watchlists: Sequence[Watchlist], tokens: Tokens,
                aliases: Mapping[str, Sequence[str]] = {}) -> str | None:
    """An FTS5 query every notice matched by any of `watchlists` (agency `aliases` as the Matcher's)
    satisfies; "" when no notice in the index can match (a word no token spells); None when only
    the full scan can tell."""
    terms, table = [], alias_table(aliases)
    for watchlist in watchlists:
        found = phrases(watchlist, table)
        if found is None:
            return None
        terms += found
    if not terms:
        return None
    spellings = _spellings({w for _, words in terms for w in words}, tokens, any(len(w) > 1 for _, w in terms))
    if spellings is None:
        return None
    parts = []
    for columns in (VENDOR_COLUMNS, KEYWORD_COLUMNS, AGENCY_COLUMNS):
        listed = []
        for _, words in ((c, w) for c, w in terms if c == columns):
            if not all(spellings[w] for w in words):
                continue  # a word no indexed token spells: the phrase hits nothing stored
            combos = list(product(*(sorted(spellings[w]) for w in words)))
            if len(combos) > _SPELLINGS:
                return None
            listed += ['"' + " ".join(combo) + '"' for combo in combos]
        if listed:
            parts.append(f"{columns}: ({' OR '.join(dict.fromkeys(listed))})")
    return " OR ".join(f"({p})" for p in parts)


def _spellings(words: set[str], tokens: Tokens, phrases_of_many: bool) -> dict[str, set[str]] | None:
    """word -> the index tokens that normalise to it; None if a token normalises to several words
    one of which is a term word, or to none while a phrase has several words."""
    found = {w: {w} if w.isascii() else set() for w in words}
    prefixes = {w[:i] for w in words for i in range(len(w) + 1) if w[:i].isascii()}
    for prefix in sorted(prefixes):
        for token in tokens(prefix):
            image = normalize(token).split()
            if len(image) == 1:
                if image[0] in found:
                    found[image[0]].add(token)
            elif (phrases_of_many if not image else words & set(image)):
                return None
    return found


def candidates(db, watchlists: Sequence[Watchlist], since: str, competition=(), sources=(), min_amount=0,
               aliases: Mapping[str, Sequence[str]] = {}):
    """(notices, through the index?): the stored notices in the window (`Database.notices_since`'s
    filters and order) that `watchlists` (with the agency `aliases`) may match: those the index
    finds when it can tell, else every one."""
    query = index_query(watchlists, db.index_tokens, aliases)
    if query is None:
        return db.notices_since(since, competition, sources, min_amount), False
    return db.notices_matching(query, since, competition, sources, min_amount), True
