"""documents.links reads only JSON objects: its shortcut for other records gives what parsing gives."""

import json

from bot import documents

LISTING = {"resourceLinks": ["https://sam.gov/files/1/download"]}


def test_a_json_object_after_whitespace_is_read():
    for lead in ("", " ", "\n", "\t\r\n "):
        assert documents.links(lead + json.dumps(LISTING)) == LISTING["resourceLinks"]


def test_records_that_are_not_json_objects_list_nothing():
    xml = '<entry><title>"resourceLinks": ["https://sam.gov/files/1/download"]</title></entry>'
    for raw in (xml, "\ufeff" + json.dumps(LISTING), json.dumps([LISTING]), "x" + json.dumps(LISTING), ""):
        assert documents.links(raw) == []
