"""`procwatch backfill` asks every kind's API for exactly the named window, cut to the API's span.

A recording local server answers each kind's endpoint with an empty (or small) page and keeps
every request; the tests compare the date parameters sent with the window asked for.
"""

from __future__ import annotations

import itertools
import json
import re
from io import StringIO
from urllib.parse import parse_qs

import pytest
from generic_source_helpers import config, db
from werkzeug import Response

from bot.cli import _parser
from bot.commands import backfill

EMPTY_FEED = '<feed xmlns="http://www.w3.org/2005/Atom"><title>none</title></feed>'
EMPTY_OCDS = json.dumps({"version": "1.1", "releases": []})


class Recorder:
    """Every request to the local server, as (path, query args, JSON body); answers from `answers`."""

    def __init__(self, server, answers: dict[str, tuple[str, str]]):
        self.requests: list[tuple[str, dict, dict]] = []
        self.answers, self.fail_when = answers, None  # fail_when(path, args, body) → answer 500
        server.expect_request(re.compile(".*")).respond_with_handler(self._answer)

    def _answer(self, request):
        args = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        body = json.loads(request.data) if request.data else {}
        self.requests.append((request.path, args, body))
        if self.fail_when and self.fail_when(request.path, args, body):
            return Response("upstream down", status=500)
        for prefix, (text, content_type) in self.answers.items():
            if request.path.startswith(prefix):
                return Response(text, content_type=content_type)
        return Response("not found", status=404)


def source_config(tmp_path, kind: str, base: str, extra: str = "") -> str:
    key = 'api_key_env = "SAM_API_KEY"\n' if kind.startswith("sam_") else ""
    return config(tmp_path, f'[sources.s]\nkind = "{kind}"\nbase_url = "{base}"\n{key}{extra}')


def run(make_app, text: str, since: str, until: str) -> tuple[int, str]:
    err = StringIO()
    args = _parser().parse_args(["backfill", "s", "--since", since, "--until", until])
    code = backfill.main(args, make_app(text=text), err, monotonic=itertools.count().__next__)
    return code, err.getvalue()


def test_sam_opportunities_three_years_go_out_as_three_windows_of_at_most_a_year(make_app, httpserver, tmp_path):
    rec = Recorder(httpserver, {"/opportunities": ('{"totalRecords": 0, "opportunitiesData": []}', "application/json")})
    code, err = run(make_app, source_config(tmp_path, "sam_opportunities", httpserver.url_for("").rstrip("/")),
                    "2024-01-01", "2026-06-30")
    assert code == 0
    assert [(a["postedFrom"], a["postedTo"]) for _, a, _ in rec.requests] == [
        ("01/01/2024", "12/30/2024"), ("12/31/2024", "12/30/2025"), ("12/31/2025", "06/30/2026")]
    assert "window 1/3: 2024-01-01..2024-12-30" in err and "window 3/3: 2025-12-31..2026-06-30" in err
    assert "backfilled 2024-01-01 to 2026-06-30" in err


def test_progress_counts_the_eta_within_each_window(make_app, httpserver, tmp_path):
    rows = [{"noticeId": f"n{i}", "title": f"J&A {i}", "type": "Justification", "postedDate": "2024-06-01"}
            for i in (1, 2)]
    Recorder(httpserver, {"/opportunities": (json.dumps({"totalRecords": 4, "opportunitiesData": rows}),
                                             "application/json")})
    text = source_config(tmp_path, "sam_opportunities", httpserver.url_for("").rstrip("/"), "limit = 2")
    code, err = run(make_app, text, "2024-01-01", "2025-06-30")
    assert code == 0, err
    lines = [line.strip() for line in err.splitlines()]
    assert lines[:6] == ["window 1/2: 2024-01-01..2024-12-30", lines[1], lines[2],
                         "window 2/2: 2024-12-31..2025-06-30", lines[4], lines[5]]
    assert "about 4 in this window" in lines[1] and "about 4 in this window" in lines[4]
    assert "ETA" not in lines[2] and "ETA" not in lines[5]


def test_contract_awards_ask_by_date_signed_for_awards_and_deletions(make_app, httpserver, tmp_path):
    empty = json.dumps({"awardResponse": {"totalRecords": "0", "limit": "100", "offset": "0"},
                        "message": "No Data found..."})
    rec = Recorder(httpserver, {"/contract-awards": (empty, "application/json")})
    code, err = run(make_app, source_config(tmp_path, "sam_contract_awards", httpserver.url_for("").rstrip("/")),
                    "2025-01-01", "2026-02-15")
    assert code == 0, err
    sent = [(a.get("dateSigned"), a.get("deletedStatus"), "lastModifiedDate" in a) for _, a, _ in rec.requests]
    assert sent == [("[01/01/2025,01/01/2026]", None, False), ("[01/01/2025,01/01/2026]", "yes", False),
                    ("[01/02/2026,02/15/2026]", None, False), ("[01/02/2026,02/15/2026]", "yes", False)]
    assert "backfilled 2025-01-01 to 2026-02-15" in err


def test_usaspending_asks_time_period_by_action_date_from_its_first_day(make_app, httpserver, tmp_path):
    rec = Recorder(httpserver, {"/api/v2/search": ('{"results": [], "page_metadata": {"hasNext": false}}',
                                                   "application/json")})
    code, err = run(make_app, source_config(tmp_path, "usaspending", httpserver.url_for("").rstrip("/")),
                    "2007-01-01", "2008-12-31")
    assert code == 0, err
    periods = [b["filters"]["time_period"] for _, _, b in rec.requests]
    assert periods == [[{"start_date": "2007-10-01", "end_date": "2008-09-30", "date_type": "action_date"}],
                       [{"start_date": "2008-10-01", "end_date": "2008-12-31", "date_type": "action_date"}]]
    assert "backfilled 2007-10-01 to 2008-12-31" in err  # the window actually read, not the one asked


def test_fpds_asks_signed_date_ranges(make_app, httpserver, tmp_path):
    rec = Recorder(httpserver, {"/ezsearch": (EMPTY_FEED, "application/atom+xml")})
    code, err = run(make_app, source_config(tmp_path, "fpds_atom", httpserver.url_for("").rstrip("/")),
                    "2019-06-01", "2020-07-01")
    assert code == 0, err
    assert [a["q"] for _, a, _ in rec.requests] == ["SIGNED_DATE:[2019/06/01,2020/05/31]",
                                                    "SIGNED_DATE:[2020/06/01,2020/07/01]"]


def test_ted_asks_each_publication_day_of_the_window_once(make_app, httpserver, tmp_path):
    rec = Recorder(httpserver, {"/v3/notices": ('{"notices": [], "totalNoticeCount": 0}', "application/json")})
    code, err = run(make_app, source_config(tmp_path, "ted", httpserver.url_for("").rstrip("/")),
                    "2025-01-30", "2025-03-03")
    assert code == 0, err
    days = [b["query"].split("publication-date >= ")[1][:8] for _, _, b in rec.requests]
    assert days[0] == "20250130" and days[-1] == "20250303" and len(days) == len(set(days)) == 33
    assert all(f"publication-date <= {d}" in b["query"] for d, (_, _, b) in zip(days, rec.requests))
    assert "window 1/2: 2025-01-30..2025-03-01" in err and "window 2/2: 2025-03-02..2025-03-03" in err


def test_an_interrupted_backfill_resumes_in_its_window_after_the_last_day_stored(make_app, httpserver, tmp_path):
    rec = Recorder(httpserver, {"/v3/notices": ('{"notices": []}', "application/json")})
    rec.fail_when = lambda path, args, body: "20250203" in body["query"]
    text = source_config(tmp_path, "ted", httpserver.url_for("").rstrip("/"))
    code, err = run(make_app, text, "2025-01-01", "2025-02-05")
    assert code == 2 and "run the same command again to resume" in err
    rec.fail_when, rec.requests[:] = None, []
    code, err = run(make_app, text, "2025-01-01", "2025-02-05")
    assert code == 0 and "resuming the backfill" in err and "window 1/2" not in err
    assert [b["query"].split(">= ")[1][:8] for _, _, b in rec.requests] == ["20250203", "20250204", "20250205"]
    assert "backfilled 2025-01-01 to 2025-02-05" in err


@pytest.mark.parametrize("kind, prefix, extra, expected", [
    ("uk_find_a_tender", "/api/1.0/ocdsReleasePackages", "",
     [("2025-01-01T00:00:00", "2025-01-01T06:00:00"), ("2025-01-01T06:00:00", "2025-01-01T12:00:00"),
      ("2025-01-01T12:00:00", "2025-01-01T18:00:00"), ("2025-01-01T18:00:00", "2025-01-02T00:00:00")]),
    ("uk_contracts_finder", "/Published", "",
     [("2025-01-01T00:00:00", "2025-01-02T00:00:00")]),
    ("ocds", "/api/releases", 'from_param = "since"\nto_param = "until"\n',
     [("2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z")]),
])
def test_ocds_kinds_ask_for_the_days_of_the_window(kind, prefix, extra, expected, make_app, httpserver, tmp_path):
    rec = Recorder(httpserver, {prefix: (EMPTY_OCDS, "application/json")})
    base = httpserver.url_for(prefix if kind == "ocds" else "").rstrip("/")
    code, err = run(make_app, source_config(tmp_path, kind, base, extra), "2025-01-01", "2025-01-01")
    assert code == 0, err
    keys = {"uk_find_a_tender": ("updatedFrom", "updatedTo"), "uk_contracts_finder": ("publishedFrom", "publishedTo"),
            "ocds": ("since", "until")}[kind]
    assert [(a[keys[0]], a[keys[1]]) for _, a, _ in rec.requests] == expected


def test_austender_asks_find_by_dates_for_each_day(make_app, httpserver, tmp_path):
    rec = Recorder(httpserver, {"/ocds": (EMPTY_OCDS, "application/json")})
    code, err = run(make_app, source_config(tmp_path, "austender", httpserver.url_for("").rstrip("/")),
                    "2012-12-30", "2013-01-02")
    assert code == 0, err
    assert [p for p, _, _ in rec.requests] == [
        f"/ocds/findByDates/contractPublished/2013-01-0{d}T00:00:00Z/2013-01-0{d + 1}T00:00:00Z" for d in (1, 2)]
    assert "backfilled 2013-01-01 to 2013-01-02" in err


CSV = ("referenceNumber-numeroReference,publicationDate-datePublication,title-titre-eng\n"
       "cb-1,2025-03-30,Before the window\ncb-2,2025-03-31,In the window, March\n"
       "cb-3,2025-04-01,In the window, April\ncb-4,2025-04-03,After the window\n")


def test_canadabuys_reads_each_fiscal_years_files_and_keeps_the_windows_rows(make_app, httpserver, tmp_path):
    rec = Recorder(httpserver, {"/opendata/pub/": (CSV, "text/csv")})
    code, err = run(make_app, source_config(tmp_path, "canadabuys", httpserver.url_for("").rstrip("/")),
                    "2025-03-31", "2025-04-02")
    assert code == 0, err
    assert [p for p, _, _ in rec.requests] == [
        "/opendata/pub/2024-2025-TenderNotice-AvisAppelOffres.csv", "/opendata/pub/2024-2025-awardNotice-avisAttribution.csv",
        "/opendata/pub/2025-2026-TenderNotice-AvisAppelOffres.csv", "/opendata/pub/2025-2026-awardNotice-avisAttribution.csv"]
    assert "window 1/2: 2025-03-31..2025-03-31" in err and "window 2/2: 2025-04-01..2025-04-02" in err
    stored = [r[0] for r in db(tmp_path).execute("select native_id from notices order by native_id")]
    assert stored == ["cb-2", "cb-3"]


@pytest.mark.parametrize("kind", ["feed", "page", "ocds"])
def test_kinds_without_a_date_filter_say_so_and_exit_2(kind, make_app, httpserver, tmp_path):
    rec = Recorder(httpserver, {})
    url = httpserver.url_for("/list")
    extra = {"feed": f'url = "{url}"', "page": f'url = "{url}"\nitem = "tr"', "ocds": ""}[kind]
    text = config(tmp_path, f'[sources.s]\nkind = "{kind}"\n' + (f'base_url = "{url}"\n' if kind == "ocds" else "")
                  + extra)
    code, err = run(make_app, text, "2025-01-01", "2025-02-01")
    assert code == 2 and f"a {kind} source cannot backfill" in err
    assert rec.requests == []
