"""Storage (issue 12): the in-place migration of a database built by the previous schema, amounts as
numbers, raw records kept as received (compressed), versions without a second full copy, and a
full-text index written once per page and left alone by unchanged re-polls."""

import json
import sqlite3
from decimal import Decimal

import sqlite_utils

from bot.migrations import migrations
from bot.notice import Notice
from bot.store import Database
from bot.store_search import UIDS_LIKE
from bot.store_raw import pack

OLD_AMOUNTS = {"a": "225000.00", "b": "487500", "c": "99500.0", "d": None, "e": "1200000.5"}


def _old_database(path) -> dict[str, str]:
    """A database as the schema before m004 left it (TEXT amounts, content + raw in every version);
    returns each uid's raw record text."""
    db = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m004_compact_storage")
    raws = {}
    for key, amount in OLD_AMOUNTS.items():
        uid = f"sam:{key}"
        raw = '{"noticeId": "%s",  "title": "Facial recognition licences %s", "z": 1, "a": [1, 2]}' % (key, key)
        raws[uid] = raw
        content = {"title": f"Facial recognition licences {key}", "description": "One source only.",
                   "kind": "award", "agency_path": ["DHS", "CBP"], "vendor_name": "Clearview AI", "vendor_ids": [],
                   "amount": amount, "currency": "USD", "posted_at": "2026-01-0%d" % (ord(key) - 96),
                   "awarded_at": None, "period_start": None, "period_end": None, "reference": f"REF-{key}",
                   "competition": "sole_source", "url": f"https://sam.gov/{key}"}
        db["notices"].insert(content | {
            "uid": uid, "source": "sam", "native_id": key, "agency": "DHS › CBP",
            "agency_path": json.dumps(content["agency_path"]), "vendor_ids": "[]", "codes": "{}",
            "competition_evidence": "[]", "content_hash": f"h{key}", "version": 1,
            "first_seen_at": "2026-01-10T00:00:00+00:00", "last_seen_at": "2026-01-10T00:00:00+00:00",
            "withdrawn": 0})
        db["notice_versions"].insert({"uid": uid, "version": 1, "content_hash": f"h{key}",
                                      "seen_at": "2026-01-10T00:00:00+00:00", "changes": "{}", "material": 0,
                                      "content": json.dumps(content), "raw": raw})
    # sam:a was withdrawn later: its version 2 repeated the whole content and raw record
    db["notice_versions"].insert({"uid": "sam:a", "version": 2, "content_hash": "ha",
                                  "seen_at": "2026-01-11T00:00:00+00:00",
                                  "changes": json.dumps({"withdrawn": ["", "withdrawn by the source"]}),
                                  "material": 1, "content": "{}", "raw": raws["sam:a"]})
    db.execute("UPDATE notices SET version = 2, withdrawn = 1 WHERE uid = 'sam:a'")
    db.conn.commit()
    db.close()
    return raws


def test_migration_in_place_keeps_everything_and_amounts_sort_as_numbers(tmp_path):
    path = str(tmp_path / "old.db")
    raws = _old_database(path)
    db = Database(path)
    for uid, raw in raws.items():
        assert db.notice(uid).raw == raw  # byte for byte as received, not re-serialised
    assert [v["version"] for v in db.versions("sam:a")] == [1, 2]
    assert json.loads(db.versions("sam:a")[1]["changes"]) == {"withdrawn": ["", "withdrawn by the source"]}
    assert db.notice("sam:a").amount == Decimal("225000") and db.notice("sam:d").amount is None
    assert [r["uid"] for r in db.search("facial recognition", limit=10)] == [f"sam:{k}" for k in "edcba"]
    db.close()
    plain = sqlite3.connect(path)
    assert [u for u, in plain.execute("SELECT uid FROM notices WHERE amount IS NOT NULL ORDER BY amount")] == [
        "sam:c", "sam:a", "sam:b", "sam:e"]
    assert [u for u, in plain.execute("SELECT uid FROM notices WHERE amount > 100000 ORDER BY uid")] == [
        "sam:a", "sam:b", "sam:e"]
    assert {t for t, in plain.execute("SELECT DISTINCT typeof(amount) FROM notices")} == {"real", "null"}
    assert plain.execute("SELECT count(*) FROM notice_versions").fetchone()[0] == 6
    # the withdrawal's copy of the raw record is gone; the raw records are stored compressed
    assert [(u, v) for u, v in plain.execute("SELECT uid, version FROM notice_versions JOIN raw_records USING (id)"
                                             " ORDER BY uid")] == [(f"sam:{k}", 1) for k in "abcde"]
    assert {t for t, in plain.execute("SELECT typeof(raw) FROM raw_records")} == {"blob"}
    assert [c[1] for c in plain.execute("PRAGMA table_info(notice_versions)")] == [
        "id", "uid", "version", "content_hash", "seen_at", "changes", "material"]
    assert plain.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    plain.execute("INSERT INTO notices_fts (notices_fts) VALUES ('integrity-check')")  # raises when out of step


def _notice(key: str, title: str = "Facial recognition licences", amount="225000.00") -> Notice:
    return Notice(source="sam", native_id=key, title=title, kind="award", agency_path=["DHS", "CBP"],
                  vendor_name="Clearview AI", amount=Decimal(amount), currency="USD", posted_at="2026-01-02",
                  competition="sole_source", raw='{"noticeId": "%s"}' % key)


def _segments(db: Database) -> int:
    return db.db.execute("SELECT count(*) FROM notices_fts_data").fetchone()[0]


def test_a_page_is_indexed_once_and_an_unchanged_repoll_does_not_touch_the_index(tmp_path):
    db = Database(str(tmp_path / "new.db"))
    empty = _segments(db)
    with db.transaction():
        db.preload(f"sam:{i}" for i in range(300))
        saved = [db.save(_notice(str(i)), "2026-01-10T00:00:00+00:00") for i in range(300)]
    assert {s.status for s in saved} == {"new"}
    assert _segments(db) - empty <= 3  # one segment (plus structure records), not 300
    assert len(db.search("clearview", limit=500)) == 300
    before = _segments(db)
    with db.transaction():
        db.preload(f"sam:{i}" for i in range(300))
        again = [db.save(_notice(str(i)), "2026-01-11T00:00:00+00:00") for i in range(300)]
    assert {s.status for s in again} == {"same"} and _segments(db) == before
    assert db.rows("SELECT last_seen_at FROM notices WHERE uid = 'sam:7'")[0]["last_seen_at"].startswith("2026-01-11")
    db.db.execute("INSERT INTO notices_fts (notices_fts) VALUES ('integrity-check')")
    db.close()


def test_a_changed_notice_is_reindexed_and_versioned_with_what_changed(tmp_path):
    db = Database(str(tmp_path / "new.db"))
    with db.transaction():
        db.save(_notice("1"), "2026-01-10T00:00:00+00:00")
        # the same uid twice in one page: inserted, then updated before the page's index write
        second = db.save(_notice("1", title="Iris scanners", amount="225000.0"), "2026-01-10T00:00:00+00:00")
    assert second.status == "updated" and second.changes == {
        "title": ["Facial recognition licences", "Iris scanners"]}  # 225000.00 == 225000.0: no amount change
    assert [r["uid"] for r in db.search("iris")] == ["sam:1"] and db.search("facial") == []
    third = db.save(_notice("1", title="Iris scanners", amount="250000"), "2026-01-12T00:00:00+00:00")
    assert third.material and third.changes == {"amount": ["225000.0", "250000"]}
    db.db.execute("INSERT INTO notices_fts (notices_fts) VALUES ('integrity-check')")
    db.close()


def test_show_finds_a_notice_by_uid_prefix_and_native_id_through_indexes(tmp_path):
    db = Database(str(tmp_path / "new.db"))
    db.save(_notice("ABC-1"), "2026-01-10T00:00:00+00:00")
    db.save(_notice("ABD-2"), "2026-01-10T00:00:00+00:00")
    assert db.uids_like("sam:AB") == ["sam:ABC-1", "sam:ABD-2"]
    assert db.uids_like("ABD-2") == ["sam:ABD-2"] and db.uids_like("sam:ABC") == ["sam:ABC-1"]
    db.save(Notice(source="ted", native_id="ABD-2", title="t"), "2026-01-10T00:00:00+00:00")
    db.save(Notice(source="au", native_id="X-9", title="t", reference="ABD-2"), "2026-01-10T00:00:00+00:00")
    assert db.uids_like("ABD-2") == ["au:X-9", "sam:ABD-2", "ted:ABD-2"]  # its native id in every source, its ref
    assert db.uids_like("X-9") == ["au:X-9"] and db.uids_like("nothing") == []
    plan = " ".join(r[-1] for r in db.db.execute("EXPLAIN QUERY PLAN " + UIDS_LIKE, ("a", "b", "a", "a", 5)))
    assert "SCAN notices" not in plan and "sqlite_autoindex_notices_1 (uid=?)" in plan, plan
    db.close()


def test_raw_records_get_a_per_source_dictionary_once_there_are_enough(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.store_raw.DICTIONARY_SAMPLES", 200)
    db = Database(str(tmp_path / "new.db"))

    def raw(i: int) -> str:
        return json.dumps({"noticeId": f"N{i:05d}", "title": f"Licences batch {i * 7919 % 1000}",
                           "pointOfContact": [{"fullName": "Contracting Officer", "email": "co@example.gov",
                                               "type": "primary"}], "officeAddress": {"city": "Washington",
                           "state": "DC", "zipcode": f"20{i % 1000:03d}"}, "active": "Yes", "type": "Award Notice"})

    for first in range(0, 600, 100):
        with db.transaction():
            for i in range(first, first + 100):
                db.save(Notice(source="sam", native_id=str(i), title=f"t{i}", raw=raw(i)), "2026-01-10T00:00:00+00:00")
    sizes = db.rows("SELECT r.dictionary, avg(length(r.raw)) AS size FROM raw_records r GROUP BY r.dictionary"
                    " ORDER BY r.dictionary")
    assert [s["dictionary"] for s in sizes] == [None, 1]  # the first 200 without, the rest with the one trained
    assert sizes[1]["size"] < sizes[0]["size"] / 2
    assert db.notice("sam:3").raw == raw(3) and db.notice("sam:555").raw == raw(555)
    db.close()


def test_search_is_newest_first_and_best_ranks_the_newest_k(tmp_path):
    db = Database(str(tmp_path / "new.db"))
    with db.transaction():
        db.save(_notice("old", title="Facial recognition facial recognition facial recognition"), "2026-01-10")
        for i in range(5):
            db.save(_notice(f"n{i}", title=f"Licences {i} with facial recognition"), "2026-01-11")
    assert [r["uid"] for r in db.search("facial", limit=3)] == ["sam:n4", "sam:n3", "sam:n2"]
    assert db.search("facial", limit=1, best=10)[0]["uid"] == "sam:old"  # the best match wins when ranked
    assert "sam:old" not in [r["uid"] for r in db.search("facial", limit=5, best=5)]  # not among the newest 5
    db.close()


def test_flags_of_a_notice_stored_in_the_same_transaction_are_cleared_and_unfiled(tmp_path):
    """A notice first stored in this transaction skips the flag clean-up only while it has no flag rows."""
    db = Database(str(tmp_path / "p.db"))
    now = "2026-01-10T00:00:00+00:00"
    with db.transaction():
        for key in "12":
            db.save(Notice(source="sam", native_id=key, title="t", reference="R1"), now)
        db.save_flags("sam:1", [("one_bid", "one bid", None)], now)
        assert [f["flag"] for f in db.flags("sam:1")] == ["one_bid"]
        db.save_flags("sam:1", [], now)
        db.index_vendor("sam:2", ["uei:x"], "DHS", "2026-01-01", "R1")
        assert db.count("flag_vendors") == 1
        db.index_vendor("sam:2", [], "DHS", "2026-01-01", "R1")
    assert db.flags("sam:1") == [] and db.count("flag_vendors") == 0


def test_a_notice_filed_in_its_first_transaction_still_has_no_flags_to_clear_and_is_refiled_whole(tmp_path):
    """Filing a notice stored in this transaction under its vendor leaves save_flags nothing to clear
    (no UPDATE until it has flag rows); filing it again replaces its rows."""
    db = Database(str(tmp_path / "p.db"))
    now, statements = "2026-01-10T00:00:00+00:00", []
    with db.transaction():
        db.save(Notice(source="sam", native_id="1", title="t", reference="R1"), now)
        db.db.set_trace_callback(statements.append)
        db.index_vendor("sam:1", ["uei:x", "name:x"], "DHS", "2026-01-01", "R1")
        db.save_flags("sam:1", [], now)
        db.index_vendor("sam:1", ["uei:y"], "DHS", "2026-01-02", "R1")
        db.save_flags("sam:1", [("one_bid", "one bid", None)], now)
        db.save_flags("sam:1", [], now)
        db.db.set_trace_callback(None)
    assert [s.split()[0] for s in statements if " flags " in s] == ["INSERT", "UPDATE"]
    assert [s.split()[0] for s in statements if "flag_vendors" in s] == ["INSERT", "INSERT", "DELETE", "INSERT"]
    assert db.db.execute("SELECT * FROM flag_vendors").fetchall() == [("sam:1", "uei:y", "DHS", "2026-01-02", "R1")]
    assert db.flags("sam:1") == []
    db.close()


def test_a_modification_finds_its_award_through_the_thread_index_not_every_notice_of_its_source(tmp_path):
    db = Database(str(tmp_path / "p.db"))
    for i in range(30):
        db.save(Notice(source="fpds", native_id=f"a{i}", kind="award", reference=f"P{i}"), "2026-01-10T00:00:00+00:00")
    statements: list[str] = []
    db.db.set_trace_callback(statements.append)
    found = db.related("P3", "fpds:m3", ("award", "idv", "modification"), source="fpds", idv=None, newest=True)
    db.db.set_trace_callback(None)
    assert found["uid"] == "fpds:a3"
    plan = " ".join(r[-1] for r in db.db.execute("EXPLAIN QUERY PLAN " + statements[-1]))
    assert "idx_notices_reference_kind_first_seen_at" in plan, plan


def _m010_database(path) -> None:
    """A database as m010 left it: versions keyed by their rowid, which was also their raw record's id
    (sam:a: v1 with a raw record, v2 a withdrawal without one; sam:b: v1 pruned, v2 kept)."""
    db = sqlite_utils.Database(sqlite3.connect(path))
    migrations.apply(db, stop_before="m011_fewer_trees")
    for key, version in (("a", 2), ("b", 2), ("c", 1)):
        db["notices"].insert({"uid": f"sam:{key}", "source": "sam", "native_id": key, "title": f"Licences {key}",
                              "version": version, "content_hash": f"h{key}", "withdrawn": int(key == "a"),
                              "reference": f"R-{key}", "posted_at": "2026-01-02"})
    rows = [("a", 1, '{"v": "a1"}'), ("a", 2, None), ("b", 1, None), ("b", 2, '{"v": "b2"}'), ("c", 1, '{"v": "c1"}')]
    for i, (key, version, raw) in enumerate(rows, start=1):
        db.execute("INSERT INTO notice_versions (id, uid, version, content_hash, seen_at, changes, material)"
                   " VALUES (?, ?, ?, ?, ?, '{}', 0)", (i, f"sam:{key}", version, f"h{key}", f"2026-01-1{i}"))
        if raw:
            db.execute("INSERT INTO raw_records (id, raw) VALUES (?, ?)", (i, pack(raw)))
    db["matches"].insert({"uid": "sam:c", "version": 1, "watchlist": "surveillance", "hits": "[]", "matched_at": "d"})
    db["flags"].insert({"uid": "sam:c", "flag": "one_bid", "detail": "one bid", "raised_at": "d"})
    db["flag_vendors"].insert({"uid": "sam:c", "vendor": "uei:X", "agency": "DHS", "day": "2026-01-02", "reference": "R-c"})
    db["evidence_links"].insert({"uid": "sam:c", "version": 1, "sha256": "ab" * 32})
    db.conn.commit()
    db.close()


def test_m011_keeps_every_version_and_raw_record_in_one_tree_without_the_native_id_index(tmp_path):
    path = str(tmp_path / "m010.db")
    _m010_database(path)
    db = Database(path)
    assert [(v["version"], v["raw"]) for v in db.evidence_versions("sam:a")] == [(1, '{"v": "a1"}'), (2, '{"v": "a1"}')]
    assert [(v["version"], v["raw"]) for v in db.evidence_versions("sam:b")] == [(1, None), (2, '{"v": "b2"}')]
    assert db.notice("sam:c").raw == '{"v": "c1"}' and db.uids_like("b") == ["sam:b"]
    # a new raw record takes a fresh id: no version that had none (a withdrawal, a pruned one) points at it
    db.save(Notice(source="sam", native_id="d", title="Licences d", raw='{"v": "d1"}'), "2026-01-20")
    db.save(Notice(source="sam", native_id="c", title="Licences c2", raw='{"v": "c2"}'), "2026-01-20")
    assert [(v["version"], v["raw"]) for v in db.evidence_versions("sam:c")] == [(1, '{"v": "c1"}'), (2, '{"v": "c2"}')]
    assert [(v["version"], v["raw"]) for v in db.evidence_versions("sam:b")] == [(1, None), (2, '{"v": "b2"}')]
    assert db.notice("sam:d").raw == '{"v": "d1"}'
    db.close()
    plain = sqlite3.connect(path)
    names = {n for n, in plain.execute("SELECT name FROM sqlite_master")}
    assert "idx_notices_native_id" not in names and "sqlite_autoindex_notice_versions_1" not in names
    for table in ("notice_versions", "matches", "flags", "flag_vendors", "evidence_links"):
        assert "WITHOUT ROWID" in plain.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        assert f"sqlite_autoindex_{table}_1" not in names
    assert {"idx_flags_flag_cleared_at", "idx_flag_vendors_threads"} <= names
    assert "idx_flag_vendors_vendor_agency_day" not in names
    assert plain.execute("SELECT uid, watchlist FROM matches").fetchall() == [("sam:c", "surveillance")]
    assert plain.execute("SELECT uid, flag, detail FROM flags").fetchall() == [("sam:c", "one_bid", "one bid")]
    assert plain.execute("SELECT vendor, reference FROM flag_vendors").fetchall() == [("uei:X", "R-c")]
    assert plain.execute("SELECT uid, version FROM evidence_links").fetchall() == [("sam:c", 1)]
    assert plain.execute("SELECT count(*) FROM notice_versions WHERE id IS NOT NULL AND id NOT IN"
                         " (SELECT id FROM raw_records)").fetchone()[0] == 0
    assert plain.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


class _Interrupted(sqlite_utils.Database):
    """A connection that fails as m011 drops the old versions table (as a kill would, mid-upgrade)."""

    def execute(self, sql, *args, **kwargs):
        if sql.startswith("DROP TABLE notice_versions"):
            raise KeyboardInterrupt
        return super().execute(sql, *args, **kwargs)


def test_an_interrupted_m011_is_rolled_back_and_runs_again(tmp_path):
    path = str(tmp_path / "m010.db")
    _m010_database(path)
    interrupted = _Interrupted(sqlite3.connect(path))
    try:
        migrations.apply(interrupted)
    except KeyboardInterrupt:
        pass
    interrupted.close()
    plain = sqlite3.connect(path)
    names = {n for n, in plain.execute("SELECT name FROM sqlite_master")}
    assert {"idx_notices_native_id", "sqlite_autoindex_notice_versions_1"} <= names and "notice_versions_new" not in names
    assert plain.execute("SELECT count(*) FROM notice_versions").fetchone()[0] == 5
    plain.close()
    db = Database(path)
    assert [v["raw"] for v in db.evidence_versions("sam:a")] == ['{"v": "a1"}', '{"v": "a1"}']
    assert [m.name for m in migrations.pending(db.db)] == []
    db.close()


def test_a_pruned_raw_record_id_taken_again_is_never_read_as_the_pruned_notice_s(tmp_path):
    db = Database(str(tmp_path / "p.db"))
    db.save(Notice(source="sam", native_id="kept", title="t", raw='{"v": "kept"}'), "2026-01-10")
    db.save(Notice(source="sam", native_id="old", title="t", raw='{"v": "old"}'), "2026-01-10")
    db.save_match("sam:kept", 1, "surveillance", [], "2026-01-10")  # matched: its raw record stays
    assert [dropped for _, _, dropped in db.prune_raw("2026-02-01")] == [1]
    db.save(Notice(source="sam", native_id="new", title="t", raw='{"v": "new"}'), "2026-02-02")
    assert db.rows("SELECT max(id) AS id FROM raw_records")[0]["id"] == 2  # the freed id, taken again
    assert [v["raw"] for v in db.evidence_versions("sam:old")] == [None] and db.notice("sam:old").raw == ""
    assert db.notice("sam:new").raw == '{"v": "new"}' and db.notice("sam:kept").raw == '{"v": "kept"}'
    db.close()
