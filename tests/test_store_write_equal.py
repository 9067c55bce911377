"""The store's write path gives what its plain definitions give, over the recorded FPDS pages (ours,
and ../shared/realworld's when present): NoticeRows.related (a queued modification's thread look-up)
on threads of every kind, source and IDV; a version's changes and materiality, written without
encoding when there are none; the JSON of matches and queued rows, from one encoder made once."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from bot import outbox
from bot.config import SourceConfig
from bot.http import Http
from bot.notice import changed_fields, is_material
from bot.sources.fpds_atom import FpdsAtom, parse_feed
from bot.store import Database
from bot.store_notices import ANY

FIXTURES = Path(__file__).parent / "fixtures" / "fpds_atom"
REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "payloads" / "fpds_atom"
KINDS = ["award", "idv", "modification", "justification"]
RELATED = ("uid", "source", "kind", "title", "vendor_name", "amount", "competition", "codes", "withdrawn")


def _pages(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.xml") if "entity_bomb" not in p.name)


def _notices(pages: list[Path]) -> list:
    source = FpdsAtom(SourceConfig("fpds", "fpds_atom", options=dict(FpdsAtom.OPTIONS)), Http())
    return [n for page in pages for n in source.parse(parse_feed(page.read_bytes()))]


def _stored(tmp_path, pages: list[Path]) -> Database:
    """Every record of the pages stored three times over (kinds, sources and IDV codes rotated, one
    in five withdrawn), a second apart, the copies of a record sharing its reference."""
    notices = _notices(pages)
    idvs = [None, ["IDV-1"], "IDV-1", ["IDV-2", "x"]]
    db = Database(str(tmp_path / "p.db"))
    for i, (copy, notice) in enumerate(itertools.product(range(3), notices)):
        codes = notice.codes | {"idv": idvs[i % 4]} if idvs[i % 4] else {k: v for k, v in notice.codes.items() if k != "idv"}
        stored = notice.replace(source=["fpds", "sca"][i % 2], native_id=f"{notice.native_id}-{copy}",
                                kind=KINDS[i % 4], codes=codes)
        db.save(stored, f"2026-01-10T00:00:{i % 7:02d}+00:00")
        if i % 5 == 0:
            db.mark_withdrawn(stored.uid, "withdrawn", "2026-01-11T00:00:00+00:00")
    return db


def _plain_related(rows: list[dict], reference, uid, kinds, source=None, other_than=None, idv=ANY, newest=False):
    """related's definition: every stored row read, filtered, ordered by first seen then uid."""
    if not reference:
        return None
    found = sorted((r for r in rows if r["reference"] == reference and r["kind"] in kinds and r["uid"] != uid
                    and (source is None or r["source"] == source) and (other_than is None or r["source"] != other_than)
                    and (idv is ANY or json.loads(r["codes"] or "{}").get("idv") == idv)),
                   key=lambda r: (r["first_seen_at"], r["uid"]))
    return {k: found[-1 if newest else 0][k] for k in RELATED} if found else None


def _every_shape(db: Database) -> int:
    """Compare related with its definition for every stored notice and shape of arguments; the
    number of calls that found a row."""
    rows = db.rows("SELECT * FROM notices")
    found = 0
    for row, kinds, source, other_than, newest in itertools.product(
            rows, [("award",), ("award", "idv", "modification")], [None, "fpds"], [None, "sca"], [False, True]):
        for idv in (ANY, None, json.loads(row["codes"]).get("idv")):
            args = (row["reference"], row["uid"], kinds, source, other_than, idv, newest)
            got = db.related(*args)
            assert got == _plain_related(rows, *args), args
            found += got is not None
    return found


def test_related_is_its_definition_over_the_recorded_fpds_pages(tmp_path):
    db = _stored(tmp_path, _pages(FIXTURES))
    assert _every_shape(db) > 500  # many shapes find a row: the copies share their references
    db.close()


@pytest.mark.skipif(not REALWORLD.is_dir(), reason=f"real-world payloads not found at {REALWORLD}")
def test_related_is_its_definition_over_the_real_world_fpds_pages(tmp_path):
    db = _stored(tmp_path, _pages(REALWORLD))
    assert _every_shape(db) > 100
    db.close()


def _versions(tmp_path, pages: list[Path]) -> tuple[list[tuple], list[tuple]]:
    """Each record stored, then stored again with its title, vendor or competition changed (or
    not); the (uid, version, changes, material) rows written, beside their definition's."""
    first = {n.uid: n for n in _notices(pages)}
    edits = [{"title": "Changed"}, {"vendor_name": "Another vendor"}, {"competition": "competed"}, {}]
    second = {uid: n.replace(**edits[i % 4]) for i, (uid, n) in enumerate(first.items())}
    db = Database(str(tmp_path / "v.db"))
    for stamp, notices in (("2026-01-10T00:00:00+00:00", first), ("2026-01-11T00:00:00+00:00", second)):
        with db.transaction():
            for notice in notices.values():
                db.save(notice, stamp)
    rows = db.db.execute("SELECT uid, version, changes, material FROM notice_versions ORDER BY uid, version").fetchall()
    db.close()
    plain = []
    for uid in sorted(first):
        changes = changed_fields(first[uid].content(), second[uid].content())
        plain.append((uid, 1, json.dumps({}, ensure_ascii=False), int(is_material({}))))
        if changes:
            plain.append((uid, 2, json.dumps(changes, ensure_ascii=False), int(is_material(changes))))
    return rows, plain


def test_versions_store_their_changes_and_materiality_as_defined_over_the_recorded_fpds_pages(tmp_path):
    rows, plain = _versions(tmp_path, _pages(FIXTURES))
    assert rows == plain and {r[3] for r in rows} == {0, 1}


@pytest.mark.skipif(not REALWORLD.is_dir(), reason=f"real-world payloads not found at {REALWORLD}")
def test_versions_store_their_changes_and_materiality_as_defined_over_the_real_world_fpds_pages(tmp_path):
    rows, plain = _versions(tmp_path, _pages(REALWORLD))
    assert rows == plain and len(rows) > len({r[0] for r in rows})


def test_matches_and_queued_rows_hold_json_dumps_text_over_the_recorded_fpds_pages(tmp_path):
    """save_match's and enqueue's JSON, from one encoder made once, is json.dumps(…, ensure_ascii=False)."""
    db = Database(str(tmp_path / "o.db"))
    now, expected = "2026-01-10T00:00:00+00:00", []
    with db.transaction():
        for i, notice in enumerate({n.uid: n for n in _notices(_pages(FIXTURES))}.values()):
            saved = db.save(notice, now)
            hits = [{"kind": "keyword", "term": w, "field": "title", "snippet": f"«{notice.title}» — é"}
                    for w in notice.title.split()[:i % 3 + 1]]
            changes = [{}, {"title": [notice.title, "Réécrit"]}, {"amount": [None, str(notice.amount)]}][i % 3]
            db.save_match(saved.uid, saved.version, "wl", hits, now)
            outbox.enqueue(db, "console", "", saved.uid, saved.version, ["wl"], {"wl": hits}, changes, now)
            expected.append((saved.uid, json.dumps(hits, ensure_ascii=False),
                             json.dumps({"wl": hits}, ensure_ascii=False), json.dumps(changes, ensure_ascii=False)))
    stored = db.db.execute("SELECT m.uid, m.hits, o.hits, o.changes FROM matches m JOIN outbox o USING (uid, version)"
                           " ORDER BY o.id").fetchall()
    assert stored == expected and len({row[3] for row in stored}) > 3
    db.close()
