"""A digest item's "follow-up of": the oldest J&A or intent notice that another source stored under
the same reference, read through one small index however many notices share that reference."""

from __future__ import annotations

from bot import digest
from bot.notice import Notice
from bot.store import Database


def _save(db: Database, source: str, native: str, kind: str, stamp: str, reference: str = "REF-1") -> Notice:
    notice = Notice(source, native, title=f"{source} {kind} {native}", kind=kind, reference=reference, raw="{}")
    db.save(notice, stamp)
    return notice


def test_the_oldest_j_and_a_of_another_source_is_the_follow_up(tmp_path):
    db = Database(str(tmp_path / "pw.db"))
    for n in range(50):  # this source's own J&As and tenders under the reference are never its follow-up
        _save(db, "sca", f"own{n}", "justification" if n % 2 else "tender", f"2026-01-01T00:{n:02d}:00+00:00")
    _save(db, "sam", "late", "justification", "2026-01-03T00:00:00+00:00")
    _save(db, "ted", "first", "intent", "2026-01-02T00:00:00+00:00")
    _save(db, "usaspending", "award-elsewhere", "award", "2026-01-01T00:00:00+00:00")  # not a J&A: no follow-up
    award = _save(db, "sca", "award", "award", "2026-01-04T00:00:00+00:00")
    assert digest._follow_up(db, award) == "ted intent first (ted:first)"
    db.close()


def test_no_follow_up_without_a_reference_or_another_sources_j_and_a(tmp_path):
    db = Database(str(tmp_path / "pw.db"))
    _save(db, "sca", "ja", "justification", "2026-01-01T00:00:00+00:00")
    assert digest._follow_up(db, _save(db, "sca", "award", "award", "2026-01-02T00:00:00+00:00")) == ""
    assert digest._follow_up(db, _save(db, "sam", "x", "award", "2026-01-02T00:00:00+00:00", reference="")) == ""
    db.close()


def test_the_follow_up_query_reads_the_partial_index_in_two_ranges(tmp_path):
    db = Database(str(tmp_path / "pw.db"))
    plan = " ".join(r["detail"] for r in db.rows("EXPLAIN QUERY PLAN " + digest.FOLLOW_UP, ("R", "sam", "u")))
    assert "idx_notices_follow_up (reference=? AND source<?)" in plan
    assert "idx_notices_follow_up (reference=? AND source>?)" in plan
    db.close()
