"""What a delivery reads: a digest's items come from one query on `notices` (no raw record, which
no channel shows), and the outbox's queue of unsent rows is read and updated through small partial
indexes, not the year of sent history (issue 12: delivery after a poll at 1.5M notices, cold)."""

from __future__ import annotations

import re
from decimal import Decimal

from bot import digest, outbox
from bot.notice import Notice
from bot.store import Database

STAMP = "2026-10-02T12:00:00+00:00"


def _queue(db: Database, *notices: Notice) -> None:
    with db.transaction():
        for n in notices:
            saved = db.save(n, STAMP)
            outbox.enqueue(db, "team", "", n.uid, saved.version, ["surveillance"], {"surveillance": []}, {}, STAMP)


def _notice(n: int, **fields) -> Notice:
    return Notice("sam", f"n{n}", title=f"Award {n}", kind="award", amount=Decimal("225000"), currency="USD",
                  raw='{"record": %d}' % n, **fields)


def _traced(db: Database) -> list[str]:
    seen: list[str] = []
    db.db.set_trace_callback(seen.append)
    return seen


def test_a_digest_reads_its_notices_in_one_query_without_their_raw_records(tmp_path):
    db = Database(str(tmp_path / "pw.db"))
    _queue(db, _notice(1), _notice(2), _notice(3))
    with db.transaction():
        db.mark_withdrawn("sam:n2", "withdrawn by the source (test)", STAMP)
    digest_id, rows = outbox.claim(db, "team", "", STAMP)
    seen = _traced(db)
    built = digest.build(db, digest_id, "team", "", rows, {}, STAMP)
    db.db.set_trace_callback(None)
    assert [(i.notice.uid, i.notice.title, i.notice.amount, i.withdrawn) for i in built.items] == [
        ("sam:n1", "Award 1", Decimal("225000"), False), ("sam:n2", "Award 2", Decimal("225000"), True),
        ("sam:n3", "Award 3", Decimal("225000"), False)]
    assert [s for s in seen if "FROM notices WHERE uid" in s] == [s for s in seen if "FROM notices WHERE uid IN" in s]
    assert len([s for s in seen if "FROM notices WHERE uid IN" in s]) == 1
    assert not [s for s in seen if "raw_records" in s or "notice_versions" in s or "raw_dictionaries" in s]
    text = digest.render_text(built)
    assert "1. Award 1" in text and "WITHDRAWN" in text
    db.close()


def test_a_queued_notice_no_longer_stored_is_left_out_of_the_digest(tmp_path):
    db = Database(str(tmp_path / "pw.db"))
    _queue(db, _notice(1), _notice(2))
    with db.transaction():
        db.db.execute("DELETE FROM notices WHERE uid = 'sam:n1'")
    digest_id, rows = outbox.claim(db, "team", "", STAMP)
    assert [i.notice.uid for i in digest.build(db, digest_id, "team", "", rows, {}, STAMP).items] == ["sam:n2"]
    db.close()


def _plan(db: Database, sql: str, params=()) -> str:
    return " | ".join(r[3] for r in db.db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())


def test_every_queue_query_reads_the_unsent_rows_index_not_the_sent_history(tmp_path):
    db = Database(str(tmp_path / "pw.db"))
    _queue(db, _notice(1), _notice(2))
    seen = _traced(db)
    outbox.recover(db, STAMP)
    digest_id, rows = outbox.claim(db, "team", "", STAMP)
    outbox.mark_failed(db, digest_id, "503", STAMP)
    digest_id, rows = outbox.claim(db, "team", "", "2026-10-02T13:00:00+00:00")
    outbox.mark_sent(db, digest_id, STAMP)
    outbox.bury(db, digest_id, "gone")
    outbox.backlog(db), outbox.channel_health(db, ["team"]), outbox.dead_letters(db), db.dead_letters()
    outbox.queued(db, "team", ""), outbox.rows(db), outbox.rows(db, "dead"), outbox.requeue(db, None, "team")
    db.db.set_trace_callback(None)
    assert "SCAN outbox USING COVERING INDEX idx_outbox_count" in _plan(db, "SELECT count(*) AS n FROM outbox")
    queue = [sql for sql in seen if "outbox" in sql and not sql.startswith("INSERT") and not re.search(r" WHERE id (IN \(|= )", sql)
             and sql != "SELECT count(*) AS n FROM outbox"]  # by rowid; the total count (its smallest index)
    assert len(queue) >= 14
    for sql in queue:
        assert "INDEX idx_outbox_unsent" in _plan(db, sql), (sql, _plan(db, sql))
    db.close()


def test_m012_moves_the_queue_to_partial_indexes_in_place(tmp_path):
    """A database from before m012: its queue indexes are replaced, its rows and counts kept."""
    path = str(tmp_path / "pw.db")
    db = Database(path)
    _queue(db, _notice(1), _notice(2), _notice(3))
    digest_id, _ = outbox.claim(db, "team", "", STAMP)
    outbox.mark_sent(db, digest_id, STAMP)
    _queue(db, _notice(4))
    db.db.execute("DROP INDEX idx_outbox_unsent")
    db.db.execute("DROP INDEX idx_outbox_unsent_digest")
    db.db.execute("DROP INDEX idx_outbox_count")
    db.db.execute("CREATE INDEX idx_outbox_state_next_attempt_at ON outbox (state, next_attempt_at)")
    db.db.execute("CREATE INDEX idx_outbox_digest_id ON outbox (digest_id)")
    db.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm012_outbox_queue_indexes'")
    db.db.commit()
    db.close()
    db = Database(path)
    indexes = {r["name"]: r["sql"] for r in db.rows("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'outbox'"
                                                   " AND type = 'index' AND sql IS NOT NULL")}
    assert "idx_outbox_state_next_attempt_at" not in indexes and "idx_outbox_digest_id" not in indexes
    assert indexes["idx_outbox_unsent"].endswith("WHERE state != 'sent'")
    assert indexes["idx_outbox_unsent_digest"].endswith("WHERE state != 'sent'")
    assert "idx_outbox_count" in indexes
    assert outbox.backlog(db) == {"sent": 3, "pending": 1}
    assert db.rows("SELECT count(*) AS n FROM outbox INDEXED BY idx_outbox_unsent WHERE state != 'sent'")[0]["n"] == 1
    digest_id, rows = outbox.claim(db, "team", "", STAMP)
    assert [r["uid"] for r in rows] == ["sam:n4"]
    outbox.mark_sent(db, digest_id, STAMP)
    assert outbox.backlog(db) == {"sent": 4}
    db.close()
