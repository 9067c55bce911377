"""`Notice.raw` is the decoded record written back as JSON: the same record, whatever writes it."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from bot.errors import SourceError
from bot.http import Response, parse_json
from bot.sources.fields import record_text

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("record", [
    {"title": "Gesichtserkennung für die Straße", "amount": 225000.0, "n": 3, "none": None, "ok": True},
    {"id": 12345678901234567890123},  # beyond 64 bits: written by json, as it was read
    {"amount": "1e9999"},  # an overflowing number kept as text by http.parse_json
    {"nested": [{"a": [1, 2.5, {"b": "c"}]}], "empty": {}, "list": []},
    {1: "a non-string key", None: "another"},
])
def test_a_record_reads_back_as_it_was(record):
    assert json.loads(record_text(record)) == json.loads(json.dumps(record, ensure_ascii=False))
    assert "\\u" not in record_text(record)  # non-ASCII text stays readable in `show --raw`


def test_values_json_cannot_write_become_their_text_as_before():
    record = {"amount": Decimal("225000.00"), "day": date(2026, 9, 30),
              "at": datetime(2026, 9, 30, 12, 0, tzinfo=timezone.utc)}
    assert json.loads(record_text(record)) == {"amount": "225000.00", "day": "2026-09-30",
                                               "at": "2026-09-30 12:00:00+00:00"}


def test_keys_keep_the_order_the_source_sent_them():
    assert list(json.loads(record_text({"z": 1, "a": 2, "m": 3}))) == ["z", "a", "m"]


def test_every_recorded_json_record_reads_back_as_it_was():
    checked = 0
    for path in sorted(FIXTURES.rglob("*.json")):
        try:
            page = parse_json(Response(200, path.read_bytes(), {}, "u"))  # as a source decodes it
        except SourceError:
            continue
        assert json.loads(record_text(page)) == page, path.name
        checked += 1
    assert checked > 25
