"""`search` quotes the user's words for FTS5 itself (the store reads without sqlite-utils): the same
quoting sqlite-utils' `quote_fts` gave, so the same words find the same notices."""

import sqlite3

import sqlite_utils

from bot.store_search import quote_fts

QUERIES = ["facial recognition", '"facial (recognition', 'body-worn "cameras', 'NOT OR AND', "ICE*", "a:b c^d",
           '""', '"" x', '  spaced   out  ', 'he said "only one source" twice', 'ab"cd ef"', "Überwachung",
           '"unbalanced', '"a" "b" "', "near(a b)", "-dash +plus"]


def test_words_are_quoted_as_sqlite_utils_quoted_them():
    db = sqlite_utils.Database(memory=True)
    for query in QUERIES:
        assert quote_fts(query) == db.quote_fts(query), query


def test_quoted_words_are_never_fts_syntax():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5 (body)")
    conn.execute("INSERT INTO t (body) VALUES ('not or and near facial recognition body worn cameras')")
    for query in QUERIES:
        conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", (quote_fts(query) or '""',)).fetchone()  # no error
    assert conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", (quote_fts("NOT OR AND"),)).fetchone()[0] == 1
