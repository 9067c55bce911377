"""documents.links reads only JSON objects: its shortcut for other records gives what parsing gives."""

import json
import re
from pathlib import Path

from bot import documents

FIXTURES = Path(__file__).parent / "fixtures"
LISTING = {"resourceLinks": ["https://sam.gov/files/1/download"]}


def test_a_json_object_after_whitespace_is_read():
    for lead in ("", " ", "\n", "\t\r\n "):
        assert documents.links(lead + json.dumps(LISTING)) == LISTING["resourceLinks"]


def test_records_that_are_not_json_objects_list_nothing():
    xml = '<entry><title>"resourceLinks": ["https://sam.gov/files/1/download"]</title></entry>'
    for raw in (xml, "\ufeff" + json.dumps(LISTING), json.dumps([LISTING]), "x" + json.dumps(LISTING), ""):
        assert documents.links(raw) == []


LISTED = re.compile(r'"(?:resourceLinks|documents)"\s*:\s*\[\s*[^\]\s]')  # the one-regex test lists_documents replaced


def _records() -> list[str]:
    """Every recorded JSON record the sources list documents in (SAM.gov, OCDS releases), as text."""
    found = []
    for path in sorted(FIXTURES.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        for key in ("opportunitiesData", "releases", "results", "awardSummary", "notices"):
            if isinstance(data, dict) and isinstance(data.get(key), list):
                found += [json.dumps(r, ensure_ascii=False) for r in data[key]]
    return found


def test_the_list_check_answers_as_the_regex_did_on_every_recorded_record():
    records = _records()
    assert len(records) > 100 and any(LISTED.search(r) for r in records) and not all(LISTED.search(r) for r in records)
    assert [documents.lists_documents(r) for r in records] == [bool(LISTED.search(r)) for r in records]


def test_the_list_check_answers_as_the_regex_did_on_edge_cases():
    keys = ['"documents"', '"resourceLinks"', '"Documents"', 'documents', '"documents" ', '"resourceLinks"x']
    tails = [': []', ':[ ]', ' : [ "u" ]', ':\n[\n{', ': [ ]]', ': null', ':[', ': ["', '', ':  [\t]', ': [x']
    cases = [k + t for k in keys for t in tails]
    cases += [a + ", " + b for a in cases[:20] for b in cases[::7]]  # a first key that fails, a later one that lists
    assert any(LISTED.search(c) for c in cases) and not all(LISTED.search(c) for c in cases)
    for case in cases:
        assert documents.lists_documents(case) == bool(LISTED.search(case)), case
