"""The reader's queries: full-text search, a notice's versions and matches, id look-ups, counts
and the stream `watch test` reads.

A mixin of `store.Database`.
"""

from __future__ import annotations

from .store_notices import notice_from_row


class ReaderQueries:
    """Search, show, status counts and the notices-since stream."""

    def search(self, query: str | list[str], source: str | None = None, since: str | None = None,
               competition: str | None = None, limit: int = 20, best: int = 0, before: str | None = None) -> list[dict]:
        """Full-text search (FTS5; each phrase quoted so user input is never FTS syntax), newest first.

        Several phrases match any of them (an acronym and its agency names). Newest first walks the
        index from its newest row and stops at `limit`, however common the word. `best` > 0 ranks
        instead (bm25), within the newest `best` matches. `before`: posted before that date."""
        phrases = [query] if isinstance(query, str) else query
        fts = " OR ".join(f"({self.db.quote_fts(p)})" for p in phrases)
        where, args = ["notices_fts MATCH :query"], {"query": fts, "limit": limit, "best": best}
        for column, value, op, name in (("source", source, "=", "source"), ("posted_at", since, ">=", "since"),
                                        ("posted_at", before, "<", "before"),
                                        ("competition", competition, "=", "competition")):
            if value:
                where.append(f"n.{column} {op} :{name}")
                args[name] = value
        sql = ("SELECT n.*, f.rank AS rank FROM notices_fts f JOIN notices n ON n.rowid = f.rowid"
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
        where, args = ["(posted_at >= ? OR (posted_at IS NULL AND first_seen_at >= ?))"], [since, since]
        for column, values in (("competition", competition), ("source", sources)):
            if values:
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
                args += list(values)
        if min_amount:
            where.append("(amount IS NULL OR amount >= ?)")
            args.append(float(min_amount))
        # newest stored first, reading the table in its own order: no index, whose random reads
        # of every row are many times slower on a cold cache than one pass (bench/scale.py)
        cursor = self.db.execute(f"SELECT * FROM notices NOT INDEXED WHERE {' AND '.join(where)} ORDER BY rowid DESC",
                                 args)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield notice_from_row(dict(zip(names, row)), "")

    def new_since(self, since: str) -> dict[str, int]:
        """Notices first seen at or after `since`, per source."""
        return {r["source"]: r["n"] for r in self.rows(
            "SELECT source, count(*) AS n FROM notices INDEXED BY idx_notices_first_seen_at"
            " WHERE first_seen_at >= ? GROUP BY source", (since,))}  # not the (source, …) index: a full walk


UIDS_LIKE = ("WITH RECURSIVE sources(name) AS (SELECT min(source) FROM notices UNION ALL"
             " SELECT (SELECT min(source) FROM notices WHERE source > name) FROM sources WHERE name IS NOT NULL)"
             " SELECT uid FROM notices WHERE uid >= ? AND uid < ?"
             " UNION SELECT uid FROM notices WHERE uid IN (SELECT name || ':' || ? FROM sources WHERE name IS NOT NULL)"
             " UNION SELECT uid FROM notices WHERE reference = ? ORDER BY uid LIMIT ?")  # see uids_like
