"""A new modification looks its award up only when it is queued (a match, not baseline): what the
look-up decides (an update of the award, material or not) is read by nothing else, so a page's
unmatched modifications are stored as before without the query."""

from __future__ import annotations

import json
from pathlib import Path

from bot import pipeline
from bot.config import SourceConfig
from bot.config_types import Watchlist
from bot.http import Http
from bot.match import Matcher
from bot.pipeline import THREAD_FIELDS, Route, RunResult, ingest_page
from bot.sources.fpds_atom import FpdsAtom, parse_feed
from bot.store import Database, same_amount

PAGE = Path(__file__).parent / "fixtures" / "fpds_atom" / "dherincx92_fpds_full_response_gsa4740_10entries_sole_source_UT.xml"
STAMP = "2026-10-02T12:00:00+00:00"


def _ingest(tmp_path, monkeypatch, cutoff: str | None) -> tuple[Database, list[str], list]:
    """The recorded page (one award, its two modifications, seven other modifications) through
    ingest_page with a watchlist of the award's vendor; the uids looked up and the notices parsed."""
    looked_up, real = [], pipeline._as_thread_update
    monkeypatch.setattr(pipeline, "_as_thread_update", lambda db, n, s: looked_up.append(n.uid) or real(db, n, s))
    source = FpdsAtom(SourceConfig("fpds", "fpds_atom", options=dict(FpdsAtom.OPTIONS)), Http())
    parse = source.parse  # the second modification doubles the amount: a material update
    source.parse = lambda page: [n.replace(amount=n.amount * 2) if n.uid.endswith(":PA02") else n for n in parse(page)]
    matcher = Matcher([Watchlist(name="signs", vendors=("Creative Sign Service",), competition=("competed",))])
    db = Database(str(tmp_path / "p.db"))
    payload = parse_feed(PAGE.read_bytes())
    ingest_page(db, source, matcher, [Route("console", "", frozenset({"signs"}))], payload, ("fpds", {"start": 10}),
                cutoff, STAMP, RunResult("fpds"))
    return db, looked_up, source.parse(payload)


def _update(before, after) -> dict:
    """The thread update's definition (DESIGN §4): what changed of vendor, amount and competition."""
    old, new = before.content(), after.content()
    old["amount"] = same_amount(float(old["amount"]) if old["amount"] else None, new["amount"])
    return {f: [old[f], new[f]] for f in THREAD_FIELDS if old[f] != new[f]}


def test_only_the_queued_modifications_look_their_award_up_and_thread_under_it(tmp_path, monkeypatch):
    db, looked_up, notices = _ingest(tmp_path, monkeypatch, None)
    matched = [uid for uid, in db.db.execute("SELECT uid FROM matches JOIN notices USING (uid) ORDER BY notices.rowid")]
    award, *mods = [n for n in notices if n.uid in matched]
    assert [m.uid for m in mods] == looked_up and len(notices) - len(matched) == 7
    queued = {uid: (is_update, json.loads(changes))
              for uid, is_update, changes in db.db.execute("SELECT uid, is_update, changes FROM outbox")}
    expected = {award.uid: (0, {})}
    for before, after in zip([award] + mods, mods):
        if _update(before, after):  # material: queued as an update of the thread
            expected[after.uid] = (1, _update(before, after))
    assert queued == expected and len(expected) > 1
    db.close()


def test_a_baseline_modification_is_stored_without_a_look_up(tmp_path, monkeypatch):
    db, looked_up, notices = _ingest(tmp_path, monkeypatch, "2026-01-01")
    assert looked_up == [] and db.count("outbox") == 0
    assert db.count("notices") == len(notices) and db.count("matches") == 3
    db.close()
