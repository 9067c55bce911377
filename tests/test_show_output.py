"""`show` reads the notice's text again to list the cues it discounted. The reader's ~600 cue and
label patterns are compiled on their first search (bot/cue_patterns.py `Deferred`), so `show`
compiles only those the notice's text can reach: what it prints must be what compiling them all
up front printed, on the real notice texts of tests/fixtures/classify/corpus.jsonl."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot import cue_patterns, statements
from bot.classify import classify
from bot.cli import main
from bot.notice import Notice
from bot.store import Database

CORPUS = Path(__file__).parent / "fixtures" / "classify" / "corpus.jsonl"
RECORDS = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def compiled_up_front(monkeypatch):
    """The reader as it was: every pattern compiled when its tables are built."""
    def compiled(source):
        return re.compile(source() if callable(source) else source)

    def switch(on: bool) -> None:
        if on:
            monkeypatch.setattr(cue_patterns, "Deferred", compiled)
            monkeypatch.setattr(statements, "Deferred", compiled)
        else:
            monkeypatch.undo()
        statements.tables.cache_clear()
    yield switch
    statements.tables.cache_clear()


def _notices() -> list[Notice]:
    return [classify(Notice("corpus", r["id"], title=r["title"], description=r["text"], kind="award",
                            posted_at="2026-10-01")) for r in RECORDS]


def _shown(config: str, uids: list[str], capsys) -> dict[str, str]:
    """Each notice's `show` output, as printed and as --json."""
    out = {}
    for uid in uids:
        for extra in ((), ("--json",)):
            assert main(["--config", config, "show", uid, *extra]) == 0
            out[uid + " ".join(extra)] = capsys.readouterr().out
    return out


def test_show_prints_what_compiling_every_pattern_up_front_printed(tmp_path, capsys, compiled_up_front):
    config = tmp_path / "feeds.toml"
    config.write_text(f'[bot]\ndatabase = "{tmp_path / "procwatch.db"}"\n')
    db = Database(str(tmp_path / "procwatch.db"))
    with db.transaction():
        for notice in _notices():
            db.save(notice, "2026-10-02T12:00:00+00:00")
    db.close()
    uids = [f"corpus:{r['id']}" for r in RECORDS]
    statements.tables.cache_clear()
    lazily = _shown(str(config), uids, capsys)
    compiled_up_front(True)
    before = _shown(str(config), uids, capsys)
    assert lazily == before
    assert sum("discounted (cues" in text for text in lazily.values()) >= 5  # the comparison covers discounts (11 today)


def test_reading_a_notice_compiles_only_the_patterns_its_text_can_reach():
    statements.tables.cache_clear()
    statements.read(RECORDS[0]["title"], RECORDS[0]["text"])
    t = statements.tables()
    patterns = [p for s in (t.cues, t.title_cues) for p, *_ in s.branches]
    patterns += [p for rows in t.labels.values() for _, p, _ in rows]
    compiled = [p for p in patterns if _compiled(p)]
    assert len(patterns) > 500 and len(compiled) < len(patterns) // 10


def _compiled(pattern) -> bool:
    """Whether a `Deferred` was searched with (its slots filled), without compiling it by asking."""
    try:
        object.__getattribute__(pattern, "finditer")
    except AttributeError:
        return False
    return True


def test_readings_of_the_corpus_are_unchanged_by_compiling_on_first_use(compiled_up_front):
    lazily = [statements.read(r["title"], r["text"]) for r in RECORDS]
    compiled_up_front(True)
    assert [statements.read(r["title"], r["text"]) for r in RECORDS] == lazily
    assert sum(bool(r.discounted) for r in lazily) >= 5 and sum(r.decided for r in lazily) >= 50
