"""End to end: `procwatch once` against a local SAM.gov answering in SAM's format."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from urllib.parse import parse_qs

import pytest

from conftest import NOW


def test_once_prints_sole_source_matches_with_amount_authority_and_why(make_app, fake_sam, capsys):
    assert make_app().once() == 0
    out = capsys.readouterr().out
    # The CBP J&A for Clearview AI: amount, agency, vendor, verdict and why it matched.
    assert "Clearview AI Facial Recognition Licenses - Justification and Approval" in out
    assert "$225,000" in out
    assert "HOMELAND SECURITY, DEPARTMENT OF › U.S. CUSTOMS AND BORDER PROTECTION" in out
    assert "CLEARVIEW AI, INC." in out
    assert "sole source" in out and "Justification" in out
    assert 'vendor "Clearview AI" in awardee' in out
    assert "https://sam.gov/workspace/contract/opp/aa000000000000000000000000000001/view" in out
    # The ICE special notice is sole-source only in its (fetched) description, authority quoted.
    assert "Facial Recognition Software Licenses" in out
    assert "FAR 6.302-1" in out


def test_competed_and_negated_notices_with_watched_keywords_are_not_printed(make_app, fake_sam, capsys):
    make_app().once()
    out = capsys.readouterr().out
    assert "Biometric Identification Services" not in out  # "This is not a sole source requirement."
    assert "Facial recognition camera maintenance" not in out  # ordinary solicitation
    assert "Janitorial services" not in out  # sole source, but nothing watched
    assert "MIL-PRF-24282A" not in out


def test_old_notices_are_baseline_only_and_the_digest_says_so(make_app, fake_sam, tmp_path, capsys):
    make_app("lookback_days = 90").once()
    out = capsys.readouterr().out
    assert "Palantir Gotham" not in out  # posted 2026-08-01, more than 7 days before the first run
    assert "1 older notice from sam stored as the first-run baseline" in out
    db = sqlite3.connect(tmp_path / "state" / "procwatch.db")
    assert db.execute("select count(*) from notices").fetchone()[0] == 7  # stored all the same
    assert db.execute("select held_back from baselines where source='sam'").fetchone()[0] == 1


def test_second_run_alerts_nothing_and_fetches_no_description_twice(make_app, fake_sam, capsys):
    make_app().once()
    first = capsys.readouterr().out
    details_first = list(fake_sam.detail_requests)
    assert make_app(clock=lambda: NOW + timedelta(minutes=30)).once() == 0
    second = capsys.readouterr().out
    assert "matched" in first and second == ""
    assert fake_sam.detail_requests == details_first
    # The budget allows every description: the J&A (404 "Description Not Found" accepted), the
    # keyword-titled notices, and the neutral Navy special notice too (its title gives nothing away).
    assert "aa000000000000000000000000000001" in details_first
    assert "aa000000000000000000000000000002" in details_first
    assert "aa000000000000000000000000000006" in details_first
    assert "aa000000000000000000000000000005" not in details_first  # first-run baseline: never read


def test_baseline_notices_cost_no_description_requests(make_app, fake_sam):
    make_app("lookback_days = 90").once()
    assert "aa000000000000000000000000000005" not in fake_sam.detail_requests


def test_old_notice_posted_later_is_alerted_once_on_the_next_run(make_app, fake_sam, sam_rows, capsys):
    make_app().once()
    capsys.readouterr()
    late = dict(sam_rows[0], noticeId="aa0000000000000000000000000000ff", postedDate="2026-10-02",
                title="Cellebrite UFED licences - Justification")
    late["award"] = dict(late["award"], awardee=dict(late["award"]["awardee"], name="CELLEBRITE INC"))
    fake_sam.rows.append(late)
    make_app(clock=lambda: NOW + timedelta(hours=1)).once()
    out = capsys.readouterr().out
    assert "Cellebrite UFED licences" in out
    assert "Clearview AI Facial Recognition Licenses" not in out


def test_material_update_is_alerted_as_an_update_with_what_changed(make_app, fake_sam, capsys):
    make_app().once()
    capsys.readouterr()
    fake_sam.rows[0] = dict(fake_sam.rows[0], award=dict(fake_sam.rows[0]["award"], amount="250000.00"))
    make_app(clock=lambda: NOW + timedelta(hours=1)).once()
    out = capsys.readouterr().out
    assert "[UPDATE] Clearview AI Facial Recognition Licenses" in out
    assert "Amount: $225,000 → $250,000" in out


def test_search_requests_use_the_documented_window_and_types(make_app, fake_sam):
    make_app().once()
    first = fake_sam.searches[0]
    assert first["postedFrom"] == "09/18/2026" and first["postedTo"] == "10/02/2026"  # 14-day lookback
    assert first["limit"] == "1000" and first["api_key"] == "test-key-123"
    # ptype repeated, as the API definition declares it (collectionFormat multi), Sources Sought included
    assert parse_qs(fake_sam.queries[0])["ptype"] == ["u", "s", "p", "r", "a", "k", "o"]
    assert "ptype=u&ptype=s&ptype=p&ptype=r&ptype=a&ptype=k&ptype=o" in fake_sam.queries[0]
    assert "%2C" not in fake_sam.queries[0] and "ptype=u," not in fake_sam.queries[0]
    make_app(clock=lambda: NOW + timedelta(days=1)).once()
    again = fake_sam.searches[-1]
    assert again["postedFrom"] == "09/30/2026" and again["postedTo"] == "10/03/2026"  # 2-day overlap


@pytest.mark.parametrize("amount", [None, "999000.00"])
def test_a_version_that_starts_matching_is_alerted_as_new_not_as_an_update(make_app, fake_sam, capsys, amount):
    """The janitorial J&A did not match; its retitled version does (with or without a material change):
    the reader never saw it, so it arrives as a new notice, not '[UPDATE]' and not silence."""
    make_app().once()
    assert "Janitorial" not in capsys.readouterr().out
    row = dict(fake_sam.rows[6], title="Janitorial and biometric kiosk cleaning, Port of Entry Nogales - Justification")
    if amount:
        row["award"] = dict(row.get("award") or {}, amount=amount)
    fake_sam.rows[6] = row
    make_app(clock=lambda: NOW + timedelta(hours=1)).once()
    out = capsys.readouterr().out
    assert "Janitorial and biometric kiosk cleaning" in out and "[UPDATE]" not in out
    make_app(clock=lambda: NOW + timedelta(hours=2)).once()
    assert "Janitorial" not in capsys.readouterr().out
