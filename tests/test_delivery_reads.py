"""What a delivery reads: a digest's items come from one query on `notices` (no raw record, which
no channel shows), and the outbox's queue of unsent rows is read and updated through small partial
indexes, not the year of sent history (issue 12: delivery after a poll at 1.5M notices, cold)."""

from __future__ import annotations

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
    db.db.conn.set_trace_callback(seen.append)
    return seen


def test_a_digest_reads_its_notices_in_one_query_without_their_raw_records(tmp_path):
    db = Database(str(tmp_path / "pw.db"))
    _queue(db, _notice(1), _notice(2), _notice(3))
    with db.transaction():
        db.mark_withdrawn("sam:n2", "withdrawn by the source (test)", STAMP)
    digest_id, rows = outbox.claim(db, "team", "", STAMP)
    seen = _traced(db)
    built = digest.build(db, digest_id, "team", "", rows, {}, STAMP)
    db.db.conn.set_trace_callback(None)
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
