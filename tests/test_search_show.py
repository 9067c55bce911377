"""`procwatch search` (FTS5, user text taken literally) and `procwatch show` (versions, evidence, matches, delivery)."""

from __future__ import annotations

import json
from datetime import timedelta

from conftest import NOW

from bot.cli import main

CLEARVIEW = "sam:aa000000000000000000000000000001"


def run(app, *args) -> int:
    return main(["--config", app.config.path, *args])


def test_search_finds_by_vendor_and_title_words(make_app, fake_sam, capsys):
    app = make_app()
    app.once()
    capsys.readouterr()
    assert run(app, "search", "clearview") == 0
    out = capsys.readouterr().out
    assert CLEARVIEW in out and "Clearview AI Facial Recognition Licenses" in out and "$225,000" in out
    assert run(app, "search", "janitorial", "--json") == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["uid"] for r in rows] == ["sam:aa000000000000000000000000000007"]


def test_search_filters_and_fts_syntax_in_user_text(make_app, fake_sam, capsys):
    app = make_app()
    app.once()
    capsys.readouterr()
    assert run(app, "search", '"facial (recognition', "--competition", "sole_source") == 0
    out = capsys.readouterr().out
    assert "Clearview AI Facial Recognition" in out and "camera maintenance" not in out
    assert run(app, "search", "facial recognition", "--competition", "unknown") == 0
    assert "camera maintenance" in capsys.readouterr().out.lower()
    assert run(app, "search", "clearview", "--since", "2026-10-02") == 1  # posted 2026-10-01
    assert "0 notices found" in capsys.readouterr().out
    assert run(app, "search", "clearview", "--source", "other") == 1


def test_show_prints_versions_evidence_matches_and_delivery(make_app, fake_sam, capsys):
    make_app().once()
    fake_sam.rows[0] = dict(fake_sam.rows[0], award=dict(fake_sam.rows[0]["award"], amount="250000.00"))
    app = make_app(clock=lambda: NOW + timedelta(hours=1))
    app.once()
    capsys.readouterr()
    assert run(app, "show", "aa000000000000000000000000000001") == 0  # native id is enough
    out = capsys.readouterr().out
    assert out.startswith(CLEARVIEW)
    assert "verdict:  sole source" in out and "Justification" in out
    assert "v1 seen 2026-10-02T12:00:00+00:00: first seen" in out
    assert "v2 seen 2026-10-02T13:00:00+00:00 (material update): Amount: $225,000 → $250,000" in out
    assert 'v1 surveillance: vendor "Clearview AI" in title, vendor "Clearview AI" in awardee' in out
    assert "v1 console: sent 2026-10-02T12:00:00+00:00" in out and "v2 console: sent 2026-10-02T13:00:00+00:00" in out


def test_show_unknown_or_ambiguous_uid_is_a_clear_error(make_app, fake_sam, capsys):
    app = make_app()
    app.once()
    assert run(app, "show", "sam:nope") == 1
    assert run(app, "show", "sam:aa") == 1
    err = capsys.readouterr().err
    assert "no stored notice 'sam:nope'" in err and "names 5 notices" in err


def test_show_lists_the_cues_the_verdict_discounted_and_why(make_app, fake_sam, capsys):
    app = make_app()
    app.once()
    capsys.readouterr()
    assert run(app, "show", "aa000000000000000000000000000003") == 0
    out = capsys.readouterr().out
    assert "verdict:  unknown" in out
    assert ('  discounted (cues that are not statements about this procurement):\n'
            '            - negated: "This is not a sole source requirement."') in out
    assert run(app, "show", "aa000000000000000000000000000003", "--json") == 0
    assert json.loads(capsys.readouterr().out)["discounted"] == ['negated: "This is not a sole source requirement."']


def test_show_cuts_a_long_list_of_discounted_cues(make_app, fake_sam, capsys):
    clauses = " ".join(f"52.219-{n} Notice of HUBZone Set-Aside or Sole-Source Award (OCT 2022)." for n in range(3, 15))
    fake_sam.descriptions["aa000000000000000000000000000003"] = (200, f"<p>{clauses}</p>", "text/html")
    app = make_app()
    app.once()
    capsys.readouterr()
    assert run(app, "show", "aa000000000000000000000000000003") == 0
    out = capsys.readouterr().out
    assert out.count("- FAR/DFARS clause title: ") == 10
    assert "… and 2 more (all of them with --json)" in out
    assert run(app, "show", "aa000000000000000000000000000003", "--json") == 0
    assert len(json.loads(capsys.readouterr().out)["discounted"]) == 12


def test_several_words_are_one_query_and_an_acronym_finds_its_agency(make_app, fake_sam, capsys):
    app = make_app("lookback_days = 90")
    app.once()
    capsys.readouterr()
    assert run(app, "search", "facial", "recognition", "--competition", "sole_source") == 0
    assert "Clearview AI Facial Recognition" in capsys.readouterr().out
    assert run(app, "search", "ICE", "--json") == 0  # the agency is spelled out in the record
    uids = [json.loads(line)["uid"] for line in capsys.readouterr().out.splitlines()]
    assert "sam:aa000000000000000000000000000002" in uids


def test_dates_are_iso_and_until_includes_its_day(make_app, fake_sam, capsys):
    app = make_app("lookback_days = 90")
    app.once()
    capsys.readouterr()
    assert run(app, "search", "janitorial", "--until", "2026-09-30") == 0  # posted 2026-09-30
    assert run(app, "search", "janitorial", "--until", "2026-09-29") == 1
    for bad in ("2026-13-45", "yesterday"):
        try:
            run(app, "search", "janitorial", "--since", bad)
        except SystemExit as e:
            assert e.code == 2
        assert f"bad date '{bad}': write YYYY-MM-DD" in capsys.readouterr().err


def test_unknown_source_and_empty_queries_are_clear_errors(make_app, fake_sam, capsys):
    app = make_app()
    app.once()
    capsys.readouterr()
    assert run(app, "search", "janitorial", "--source", "nosuch") == 1
    assert "no source named 'nosuch' (known: sam)" in capsys.readouterr().err
    for query in ('"', "  ", "()"):
        assert run(app, "search", query) == 1
        err = capsys.readouterr().err
        assert "nothing to search for" in err and "internal error" not in err


def test_show_takes_the_ref_an_alert_prints_and_json_has_the_normalised_fields(make_app, fake_sam, capsys):
    app = make_app()
    app.once()
    capsys.readouterr()
    assert run(app, "show", "70B0OA26P00000117") == 0  # the award number (PIID): the "ref …" every alert prints
    assert CLEARVIEW in capsys.readouterr().out
    assert run(app, "show", "70B0OA26P00000117", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["amount"] == 225000.0 and shown["currency"] == "USD"
    assert "CUSTOMS AND BORDER PROTECTION" in shown["agency"] and shown["vendor_name"]
    assert shown["notice"]["noticeId"] == CLEARVIEW.split(":")[1]  # the raw record beside them


def test_show_names_who_receives_each_matched_watchlist(make_app, fake_sam, capsys):
    app = make_app()
    app.once()
    capsys.readouterr()
    assert run(app, "show", CLEARVIEW) == 0
    assert "surveillance goes to: console" in capsys.readouterr().out
