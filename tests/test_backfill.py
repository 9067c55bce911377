"""`procwatch backfill`: a past window in the source's own paging, resumable, silent unless --alert."""

from __future__ import annotations

import itertools
from io import StringIO
from urllib.parse import parse_qs

import pytest
from conftest import FakeSam
from werkzeug import Response

from bot.cli import _parser
from bot.commands import backfill

WINDOW = ["--since", "2026-08-01", "--until", "2026-10-02"]


@pytest.fixture
def sam(httpserver, sam_rows):
    """The fake SAM.gov, with a switch that makes the page at offset 4 fail with a 500."""
    fake = FakeSam(httpserver, sam_rows)
    httpserver.clear_all_handlers()
    fake.broken = False

    def search(request):
        offset = parse_qs(request.query_string.decode()).get("offset", ["0"])[0]
        if fake.broken and offset == "4":
            return Response("upstream down", status=500)
        return fake._search(request)

    httpserver.expect_request("/opportunities/v2/search").respond_with_handler(search)
    httpserver.expect_request("/prod/opportunities/v1/noticedesc").respond_with_handler(fake._detail)
    return fake


def run(app, *extra) -> tuple[int, str]:
    err = StringIO()
    args = _parser().parse_args(["backfill", "sam", *WINDOW, *extra])
    code = backfill.main(args, app, err, monotonic=itertools.count().__next__)
    return code, err.getvalue()


def counts(app) -> dict:
    db = app.database()
    try:
        return {t: db.count(t) for t in ("notices", "outbox")} | {
            "cursors": {r["source"] for r in db.rows("SELECT source FROM cursors")}}
    finally:
        db.close()


def test_backfill_stores_the_window_page_by_page_without_alerting(make_app, sam, capsys):
    app = make_app("limit = 2")
    code, err = run(app)
    assert code == 0
    assert counts(app) == {"notices": 7, "outbox": 0, "cursors": {"sam:backfill"}}  # daemon cursor untouched
    assert [(s["postedFrom"], s["postedTo"], s["offset"]) for s in sam.searches] == [
        ("08/01/2026", "10/02/2026", str(o)) for o in (0, 2, 4, 6)]
    progress = [line for line in err.splitlines() if "items/s" in line]
    assert progress[0].strip().startswith("2 items, 1 pages,") and "about 7 in this window, ETA" in progress[0]
    assert progress[-1].strip().startswith("7 items, 4 pages")
    assert "backfilled 2026-08-01 to 2026-10-02: 7 notices read, 7 new" in err and "--alert to deliver" in err
    assert capsys.readouterr().out == ""  # nothing delivered
    assert run(app)[1].startswith("sam: 2026-08-01 to 2026-10-02 was already backfilled")


def test_interrupted_backfill_resumes_at_the_next_page(make_app, sam):
    app = make_app("limit = 2")
    sam.broken = True
    code, err = run(app)
    assert code == 2 and "HTTP 500" in err and "run the same command again to resume" in err
    assert counts(app)["notices"] == 4
    sam.broken, sam.searches[:] = False, []
    code, err = run(app)
    assert code == 0 and "resuming the backfill" in err
    assert [s["offset"] for s in sam.searches] == ["4", "6"]
    assert counts(app)["notices"] == 7


def test_alert_delivers_matches_from_the_window(make_app, sam, capsys):
    app = make_app()
    assert run(app, "--alert")[0] == 0
    out = capsys.readouterr().out
    assert "Palantir Gotham" in out  # posted 2026-08-01: a backfill has no first-run baseline
    assert counts(app)["outbox"] == 2  # Clearview and Palantir (no descriptions served here)


def test_unknown_source_and_bad_dates_are_clear_errors(make_app, sam, capsys):
    app = make_app()
    with pytest.raises(Exception) as e:
        backfill.main(_parser().parse_args(["backfill", "nope", "--since", "2026-01-01"]), app, StringIO())
    assert "no source named 'nope'" in str(e.value)
    with pytest.raises(SystemExit):
        _parser().parse_args(["backfill", "sam", "--since", "2026-13-01"])
    assert "bad date '2026-13-01': write YYYY-MM-DD" in capsys.readouterr().err
