"""The reader's queries: full-text search, a notice's versions and matches, id look-ups, counts
and the stream `watch test` reads.

A mixin of `store.Database`.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from urllib.parse import quote

from .store_notices import notice_from_row

_TOKENS = re.compile(r'\s+|(".*?")')  # whitespace separates words; a "quoted phrase" is one
_READERS = 2  # threads reading `notices_matching`'s rows ahead into the OS cache (2 halved it cold here)


class ReaderQueries:
    """Search, show, status counts and the notices-since stream."""

    def search(self, query: str | list[str], source: str | None = None, since: str | None = None,
               competition: str | None = None, limit: int = 20, best: int = 0, before: str | None = None) -> list[dict]:
        """Full-text search (FTS5; each phrase quoted so user input is never FTS syntax), newest first.

        Several phrases match any of them (an acronym and its agency names). Newest first walks the
        index from its newest row and stops at `limit`, however common the word. `best` > 0 ranks
        instead (bm25), within the newest `best` matches. `before`: posted before that date."""
        phrases = [query] if isinstance(query, str) else query
        fts = " OR ".join(f"({quote_fts(p)})" for p in phrases)
        where, args = ["notices_fts MATCH :query"], {"query": fts, "limit": limit, "best": best}
        for column, value, op, name in (("source", source, "=", "source"), ("posted_at", since, ">=", "since"),
                                        ("posted_at", before, "<", "before"),
                                        ("competition", competition, "=", "competition")):
            if value:
                where.append(f"n.{column} {op} :{name}")
                args[name] = value
        # rank (bm25) only when ranking: it reads the word's every match for its document count, 25 ms
        # of a newest-first search of "services" (885,839 matches at 1.5M notices) that takes 0.1 ms without
        sql = (f"SELECT n.*{', f.rank AS rank' if best else ''} FROM notices_fts f JOIN notices n ON n.rowid = f.rowid"
               f" WHERE {' AND '.join(where)} ORDER BY f.rowid DESC LIMIT {':best' if best else ':limit'}")
        rows = self.rows(sql, args)
        return sorted(rows, key=lambda r: r["rank"])[:limit] if best else rows

    def versions(self, uid: str) -> list[dict]:
        """Every stored version of a notice, oldest first, with what changed."""
        return self.rows("SELECT version, seen_at, changes, material FROM notice_versions WHERE uid = ?"
                         " ORDER BY version", (uid,))

    def matches(self, uid: str) -> list[dict]:
        return self.rows("SELECT version, watchlist, hits, matched_at FROM matches WHERE uid = ?"
                         " ORDER BY version, watchlist", (uid,))

    def uids_like(self, prefix: str, limit: int = 5) -> list[str]:
        """Stored uids starting with `prefix`, or whose native id or reference (award number or
        PIID: the `ref` every alert prints) is `prefix`; all index lookups: the uid range scan and
        `source:prefix` for each stored source on the primary key (a uid is `source:native_id`; the
        sources are read by skipping along the (source, posted_at) index), reference's index."""
        return [r["uid"] for r in self.rows(UIDS_LIKE, (prefix, prefix + "\U0010ffff", prefix, prefix, limit))]

    def count_since(self, since: str) -> int:
        """How many notices were posted (or, undated, first seen) on or after `since` (index only)."""
        return self.db.execute("SELECT (SELECT count(*) FROM notices WHERE posted_at >= ?)"
                               " + (SELECT count(*) FROM notices WHERE posted_at IS NULL AND first_seen_at >= ?)",
                               (since, since)).fetchone()[0]

    def notices_since(self, since: str, competition=(), sources=(), min_amount: float = 0.0):
        """Current versions (without raw records) of notices posted (or, undated, first seen) on or
        after `since`, newest stored first, streamed; the optional filters are a watchlist's own."""
        where, args = _window(since, competition, sources, min_amount)
        # newest stored first, reading the table in its own order: no index, whose random reads
        # of every row are many times slower on a cold cache than one pass (bench/scale.py)
        yield from _notices(self.db.execute(
            f"SELECT * FROM notices NOT INDEXED WHERE {' AND '.join(where)} ORDER BY rowid DESC", args))

    def new_since(self, since: str) -> dict[str, int]:
        """Notices first seen at or after `since`, per source."""
        return {r["source"]: r["n"] for r in self.rows(
            "SELECT source, count(*) AS n FROM notices INDEXED BY idx_notices_first_seen_at"
            " WHERE first_seen_at >= ? GROUP BY source", (since,))}  # not the (source, …) index: a full walk

    def index_tokens(self, prefix: str) -> list[str]:
        """The full-text index's tokens that start with `prefix` followed by a non-ASCII character
        (a term range of a temporary fts5vocab table: only that part of the vocabulary is read)."""
        self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.notices_vocabulary USING fts5vocab(main, notices_fts, row)")
        low, high = prefix.encode() + b"\xc2", prefix.encode() + b"\xf5"  # UTF-8 lead bytes of U+0080…U+10FFFF
        return [r[0] for r in self.db.execute(
            "SELECT term FROM temp.notices_vocabulary WHERE term >= CAST(? AS TEXT) AND term < CAST(? AS TEXT)",
            (low, high))]

    def notices_matching(self, query: str, since: str, competition=(), sources=(), min_amount: float = 0.0):
        """As `notices_since`, but only those the full-text `query` finds ("" finds none): the index
        gives the rowids newest first and each row is read by its rowid, not the whole table."""
        if not query:
            return
        where, args = _window(since, competition, sources, min_amount, "n.")
        sql = ("SELECT {} FROM notices_fts f JOIN notices n ON n.rowid = f.rowid"
               f" WHERE notices_fts MATCH ? AND {' AND '.join(where)}{{}} ORDER BY f.rowid DESC")
        path = self.db.execute("PRAGMA database_list").fetchone()[2]
        stop = threading.Event()
        for k in range(_READERS if path else 0):  # on a cold cache the rows are random reads: several in flight
            threading.Thread(target=_read_ahead, args=(path, sql.format("n.amount", f" AND f.rowid % {_READERS} = {k}"),
                                                       [query, *args], stop), daemon=True).start()
        try:
            yield from _notices(self.db.execute(sql.format("n.*", ""), [query, *args]))
        finally:
            stop.set()


def _notices(cursor):
    """Notices (without raw records) from a cursor over whole notices rows, one at a time."""
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield notice_from_row(dict(zip(names, row)), "")


def _window(since: str, competition, sources, min_amount: float, table: str = "") -> tuple[list[str], list]:
    """WHERE terms and arguments for notices posted (or, undated, first seen) on or after `since`
    that meet a watchlist's own verdict, source and amount filters."""
    t = table
    where, args = [f"({t}posted_at >= ? OR ({t}posted_at IS NULL AND {t}first_seen_at >= ?))"], [since, since]
    for column, values in (("competition", competition), ("source", sources)):
        if values:
            where.append(f"{t}{column} IN ({', '.join('?' * len(values))})")
            args += list(values)
    if min_amount:
        where.append(f"({t}amount IS NULL OR {t}amount >= ?)")
        args.append(float(min_amount))
    return where, args


def _read_ahead(path: str, sql: str, args: list, stop: threading.Event) -> None:
    """Read rows (their last column: every page of the record) on a read-only connection of its
    own, so the OS has them cached when the reader's cursor gets there; stops when told."""
    try:
        conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, check_same_thread=False)
    except sqlite3.Error:
        return  # read-ahead only: the reader's own query reports any real error
    try:
        for _ in conn.execute(sql, args):
            if stop.is_set():
                break
    except sqlite3.Error:
        pass
    finally:
        conn.close()


def quote_fts(text: str) -> str:
    """Each word of `text` in double quotes, a quoted phrase kept whole and an unbalanced quote
    closed, so FTS5 reads OR, NOT, * and : as words (what sqlite-utils' `quote_fts` does; the
    store reads without importing sqlite-utils)."""
    if text.count('"') % 2:
        text += '"'
    words = [w for w in _TOKENS.split(text) if w and w != '""']
    return " ".join(w if w.startswith('"') else f'"{w}"' for w in words)

UIDS_LIKE = ("WITH RECURSIVE sources(name) AS (SELECT min(source) FROM notices UNION ALL"
             " SELECT (SELECT min(source) FROM notices WHERE source > name) FROM sources WHERE name IS NOT NULL)"
             " SELECT uid FROM notices WHERE uid >= ? AND uid < ?"
             " UNION SELECT uid FROM notices WHERE uid IN (SELECT name || ':' || ? FROM sources WHERE name IS NOT NULL)"
             " UNION SELECT uid FROM notices WHERE reference = ? ORDER BY uid LIMIT ?")  # see uids_like
