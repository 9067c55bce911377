"""Notice.replace: a copy with some fields changed, the original untouched."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from bot.notice import Notice


def _notice() -> Notice:
    return Notice(source="sam", native_id="abc", title="Facial recognition licences", amount=Decimal("225000"),
                  agency_path=["DHS", "CBP"], codes={"reason_not_competed": ["ONE"]})


def test_a_replaced_notice_equals_what_dataclasses_replace_gives():
    notice = _notice()
    for changes in ({}, {"competition": "sole_source", "competition_evidence": ["only one source"]},
                    {"native_id": "def", "title": "other"}, {"amount": None}):
        assert notice.replace(**changes) == dataclasses.replace(notice, **changes)
    assert notice.replace(native_id="def").uid == "sam:def"


def test_a_copy_with_a_new_id_or_source_has_its_own_uid_once_the_original_was_asked():
    notice = _notice()
    assert notice.uid == "sam:abc"  # made and kept on the original
    assert notice.replace(native_id="def").uid == "sam:def"
    assert notice.replace(source="ted").uid == "ted:abc"
    assert notice.replace(title="other").uid == "sam:abc"
    assert notice.uid == "sam:abc" and notice == dataclasses.replace(notice)


def test_the_original_is_unchanged_and_the_copy_is_its_own_object():
    notice = _notice()
    copy = notice.replace(kind="intent")
    assert (notice.kind, copy.kind) == ("other", "intent") and copy is not notice
    assert copy.codes is notice.codes  # shared, as dataclasses.replace shares them


def test_an_unknown_field_is_an_error():
    with pytest.raises(TypeError, match="no field colour"):
        _notice().replace(colour="red")
