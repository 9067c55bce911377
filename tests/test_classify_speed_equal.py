"""The reader's shortcuts give what the plain reading gives (issue 12: faster, same output)."""

from __future__ import annotations

import json
from pathlib import Path

from bot import statements

CORPUS = Path(__file__).parent / "fixtures" / "classify" / "corpus.jsonl"
RECORDS = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _fields(reading: statements.Reading) -> tuple:
    return reading.quotes, reading.cues, reading.cue_text, reading.discounted


def test_a_kept_reading_is_the_fresh_one_and_a_changed_copy_changes_no_later_reading():
    statements.tables.cache_clear()
    for r in RECORDS:
        fresh = _fields(statements._read(r["title"], r["text"], False))
        first = statements.read(r["title"], r["text"])
        assert _fields(first) == fresh
        first.quotes.append('"changed by the caller"')
        first.discounted.append("changed by the caller")
        assert _fields(statements.read(r["title"], r["text"])) == fresh
    assert sum(bool(statements.read(r["title"], r["text"]).quotes) for r in RECORDS) >= 50


def test_the_readings_kept_are_bounded_and_a_long_text_is_not_kept():
    statements.tables.cache_clear()
    for n in range(statements.READINGS_KEPT + 10):
        statements.read(f"Sole source notice {n}", "")
    long = "This is a sole source award to Acme Corp. " * (statements.KEPT_CHARS // 40)
    assert statements.read("", long).decided
    kept = statements.tables().readings
    assert len(kept) == statements.READINGS_KEPT and ("", long, False) not in kept
    statements.tables.cache_clear()
