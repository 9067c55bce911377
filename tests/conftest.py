"""Shared test helpers: a fake SAM.gov on pytest-httpserver, config files, a fixed clock."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from werkzeug import Response

from bot.app import App
from bot.config import load
from bot.http import Http

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 10, 2, 12, 0, tzinfo=timezone.utc)


def fixture_bytes(*parts: str) -> bytes:
    return FIXTURES.joinpath(*parts).read_bytes()


def fixture_json(*parts: str):
    return json.loads(fixture_bytes(*parts))


class FakeSam:
    """SAM.gov's search and noticedesc endpoints answering from fixture data, recording requests."""

    def __init__(self, server, rows: list[dict]):
        self.server, self.rows = server, rows
        self.descriptions: dict[str, tuple[int, str, str]] = {}
        self.searches: list[dict] = []
        self.detail_requests: list[str] = []
        server.expect_request("/opportunities/v2/search").respond_with_handler(self._search)
        server.expect_request("/prod/opportunities/v1/noticedesc").respond_with_handler(self._detail)

    def _search(self, request):
        args = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        self.searches.append(args)
        offset, limit = int(args.get("offset", 0)), int(args.get("limit", 1))
        start, end = (_iso(args[k]) for k in ("postedFrom", "postedTo"))
        rows = [r for r in self.rows if start <= r["postedDate"][:10] <= end]
        page = rows[offset:offset + limit]
        body = {"totalRecords": len(rows), "limit": limit, "offset": offset, "opportunitiesData": page}
        return Response(json.dumps(body), content_type="application/json")

    def _detail(self, request):
        notice_id = parse_qs(request.query_string.decode())["noticeid"][0]
        self.detail_requests.append(notice_id)
        status, body, ctype = self.descriptions.get(notice_id, (404, '{"message":"Description Not Found"}',
                                                                  "application/json"))
        return Response(body, status=status, content_type=ctype)


def _iso(us_date: str) -> str:
    month, day, year = us_date.split("/")
    return f"{year}-{month}-{day}"


@pytest.fixture
def sam_rows():
    page = fixture_json("sam_opportunities", "synthetic_sam_opportunities_justification_ptype_u_window.json")
    return page["opportunitiesData"]


@pytest.fixture
def fake_sam(httpserver, sam_rows):
    sam = FakeSam(httpserver, sam_rows)
    sam.descriptions["aa000000000000000000000000000002"] = (
        200, fixture_bytes("sam_opportunities", "synthetic_noticedesc_json_intent_ice_clearview.json").decode(),
        "application/json")
    sam.descriptions["aa000000000000000000000000000003"] = (
        200, fixture_bytes("sam_opportunities", "synthetic_noticedesc_html_not_sole_source.html").decode(),
        "text/html")
    return sam


CONFIG = """
[bot]
database = "{db}"
first_run_alert_days = 7
contact = "tests@example.org"

[sources.sam]
kind = "sam_opportunities"
every = "30m"
base_url = "{base}"
api_key_env = "SAM_API_KEY"
{source_extra}

[watchlists.surveillance]
vendors = ["Clearview AI", "Palantir", "Cellebrite"]
keywords = ["facial recognition", "biometric"]
agencies = ["CBP", "ICE"]

[channels.console]
kind = "console"
watchlists = ["surveillance"]
"""


@pytest.fixture
def make_app(tmp_path, httpserver, monkeypatch):
    """Build an App on a config pointing at the local server; `clock` fixed unless given."""
    monkeypatch.setenv("SAM_API_KEY", "test-key-123")

    def make(source_extra: str = "", clock=lambda: NOW, text: str | None = None, timeout: float = 2) -> App:
        path = tmp_path / "feeds.toml"
        base = httpserver.url_for("").rstrip("/")
        path.write_text(text or CONFIG.format(db=tmp_path / "state" / "procwatch.db", base=base,
                                              source_extra=source_extra))
        return App(load(str(path)), Http(contact="tests@example.org", timeout=timeout, sleep=lambda s: None),
                   clock=clock)

    return make
