"""The SAM.gov public extract source through a local server: streaming, 304, Range resume, cp1252, merge, faults."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from conftest import NOW, fixture_bytes
from werkzeug import Response

SAMPLE = fixture_bytes("sam_extract", "ContractOpportunitiesFullCSV_sample.csv")
ETAG = '"extract-v1"'
MODIFIED = "Thu, 01 Oct 2026 06:00:00 GMT"
CSV_PATH = "/extract/ContractOpportunitiesFullCSV.csv"


class FakeExtract:
    """A file server with ETag/Last-Modified, 304, byte ranges, and a one-off cut connection."""

    def __init__(self, server, body: bytes = SAMPLE):
        self.body, self.etag, self.cut_after = body, ETAG, None
        self.content_type = "text/csv"
        self.requests: list[dict] = []
        self.sent = 0
        server.expect_request(CSV_PATH).respond_with_handler(self._serve)

    def _serve(self, request):
        headers = dict(request.headers)
        self.requests.append(headers)
        validators = {"ETag": self.etag, "Last-Modified": MODIFIED, "Accept-Ranges": "bytes"}
        if headers.get("If-None-Match") == self.etag:
            return Response(status=304, headers=validators)
        start, status = 0, 200
        if headers.get("Range") and headers.get("If-Range") == self.etag:
            start, status = int(headers["Range"].split("=")[1].rstrip("-")), 206
            if start >= len(self.body):
                return Response(status=416, headers={"Content-Range": f"bytes */{len(self.body)}"})
        body = self.body[start:]
        extra = {"Content-Range": f"bytes {start}-{len(self.body) - 1}/{len(self.body)}"} if status == 206 else {}
        if self.cut_after is not None:  # promise the whole body, send part of it, close
            promised, body, self.cut_after = len(body), body[:self.cut_after], None
            self.sent += len(body)
            return Response(iter([body]), status=status, direct_passthrough=True, content_type=self.content_type,
                            headers=validators | extra | {"Content-Length": str(promised), "Connection": "close"})
        self.sent += len(body)
        return Response(body, status=status, headers=validators | extra, content_type=self.content_type)


@pytest.fixture
def extract(httpserver):
    return FakeExtract(httpserver)


def config(tmp_path, httpserver, api: bool = False, extra: str = "") -> str:
    base = httpserver.url_for("").rstrip("/")
    sam = (f'[sources.sam]\nkind = "sam_opportunities"\nbase_url = "{base}"\napi_key_env = "SAM_API_KEY"\n'
           'fetch_descriptions = false\n') if api else ""
    return f"""
[bot]
database = "{tmp_path / 'state' / 'procwatch.db'}"
first_run_alert_days = 7

{sam}
[sources.sam_extract]
kind = "sam_extract"
base_url = "{base}"
path = "{CSV_PATH}"
download_dir = "{tmp_path / 'state'}"
{extra}

[watchlists.surveillance]
vendors = ["Clearview AI"]
keywords = ["facial recognition"]
agencies = ["CBP", "ICE"]

[channels.console]
kind = "console"
watchlists = ["surveillance"]
"""


def db(tmp_path):
    return sqlite3.connect(tmp_path / "state" / "procwatch.db")


def stored(tmp_path) -> dict[str, tuple]:
    rows = db(tmp_path).execute("select uid, competition, version from notices").fetchall()
    return {uid: (competition, version) for uid, competition, version in rows}


def test_extract_rows_become_notices_with_their_descriptions(make_app, extract, tmp_path, httpserver, capsys):
    assert make_app(text=config(tmp_path, httpserver)).once() == 0
    notices = stored(tmp_path)
    # Rows posted in the 14-day lookback: six synthetic ones; the Palantir J&A (August) and the ten
    # live rows of February are older.
    assert sorted(notices) == [f"sam:aa00000000000000000000000000000{i}" for i in (1, 2, 3, 4, 6, 7)]
    assert notices["sam:aa000000000000000000000000000002"][0] == "sole_source"  # from its description
    out = capsys.readouterr().out
    assert "Facial Recognition Software Licenses" in out and "Clearview AI Facial Recognition Licenses" in out
    text = db(tmp_path).execute("select description from notices where uid like '%02'").fetchone()[0]
    assert "ICE’s “facial recognition” need" in text and "requirements — ICE" in text  # Windows-1252
    cursor = json.loads(db(tmp_path).execute("select cursor from cursors").fetchone()[0])
    assert cursor == {"etag": ETAG, "last_modified": MODIFIED, "newest": "2026-10-01T13:15:00+00:00"}
    assert not list((tmp_path / "state").glob("sam_extract.csv*"))  # read and removed


def test_unchanged_file_is_not_downloaded_again(make_app, extract, tmp_path, httpserver):
    make_app(text=config(tmp_path, httpserver)).once()
    sent = extract.sent
    assert make_app(text=config(tmp_path, httpserver), clock=lambda: NOW + timedelta(hours=6)).once() == 0
    assert extract.requests[-1]["If-None-Match"] == ETAG
    assert extract.requests[-1]["If-Modified-Since"] == MODIFIED
    assert extract.sent == sent  # 304: no byte of the body twice


def test_a_new_file_yields_only_rows_posted_since_the_last(make_app, extract, tmp_path, httpserver, capsys):
    make_app(text=config(tmp_path, httpserver)).once()
    capsys.readouterr()
    lines = SAMPLE.decode("cp1252").split("\r\n")
    new = lines[1].replace("aa000000000000000000000000000001", "aa0000000000000000000000000000f1") \
        .replace("2026-10-01 09:15:00.123-04", "2026-10-02 08:00:00.000-04")
    extract.body, extract.etag = "\r\n".join(lines[:-1] + [new, ""]).encode("cp1252"), '"extract-v2"'
    make_app(text=config(tmp_path, httpserver), clock=lambda: NOW + timedelta(days=1)).once()
    assert "sam:aa0000000000000000000000000000f1" in stored(tmp_path)
    versions = db(tmp_path).execute("select count(*) from notice_versions").fetchone()[0]
    assert versions == 7  # re-read rows within the overlap day are unchanged: no new versions
    out = capsys.readouterr().out
    assert "1 sole-source notice matched" in out and "aa0000000000000000000000000000f1" in out


def test_cut_download_resumes_with_range(make_app, extract, tmp_path, httpserver, caplog):
    extract.cut_after = 4000
    assert make_app(text=config(tmp_path, httpserver)).once() == 2
    assert "cut off" in caplog.text or "stopped at" in caplog.text
    part = tmp_path / "state" / "sam_extract.csv.part"
    assert part.stat().st_size == 4000 and db(tmp_path).execute("select count(*) from cursors").fetchone()[0] == 0
    assert make_app(text=config(tmp_path, httpserver), clock=lambda: NOW + timedelta(minutes=5)).once() == 0
    assert extract.requests[-1]["Range"] == "bytes=4000-" and extract.requests[-1]["If-Range"] == ETAG
    assert extract.sent == len(SAMPLE)  # the first 4000 bytes were not fetched twice
    assert len(stored(tmp_path)) == 6 and not part.exists()


def test_a_changed_file_restarts_instead_of_splicing(make_app, extract, tmp_path, httpserver):
    extract.cut_after = 4000
    make_app(text=config(tmp_path, httpserver)).once()
    extract.etag = '"extract-v2"'  # If-Range no longer matches: the server sends the whole new file
    assert make_app(text=config(tmp_path, httpserver), clock=lambda: NOW + timedelta(minutes=5)).once() == 0
    assert len(stored(tmp_path)) == 6


def test_html_page_with_200_is_an_error_and_nothing_is_kept(make_app, httpserver, tmp_path, caplog):
    fake = FakeExtract(httpserver, b"<!DOCTYPE html><html><body>Maintenance</body></html>")
    fake.content_type = "text/html"
    assert make_app(text=config(tmp_path, httpserver)).once() == 2
    assert "got an HTML page" in caplog.text
    assert not list((tmp_path / "state").glob("sam_extract.csv*"))
    assert db(tmp_path).execute("select count(*) from cursors").fetchone()[0] == 0


def test_a_file_without_the_extract_columns_is_an_error(make_app, httpserver, tmp_path, caplog):
    FakeExtract(httpserver, b"id,name\r\n1,x\r\n")
    assert make_app(text=config(tmp_path, httpserver)).once() == 2
    assert "is not the Contract Opportunities extract (no noticeid, title, posteddate, type, description" in caplog.text


def test_a_file_cut_mid_row_is_an_error_and_nothing_of_it_is_stored(make_app, httpserver, tmp_path, caplog):
    # The server sends a short file with a matching Content-Length: the extract always ends with a
    # line break, so a file that stops mid-row is refused before any row of it is stored.
    cut = SAMPLE[:SAMPLE.index(b"aa000000000000000000000000000004") + 60]
    fake = FakeExtract(httpserver, cut)
    assert make_app(text=config(tmp_path, httpserver)).once() == 2
    assert "truncated" in caplog.text and stored(tmp_path) == {}
    fake.body, fake.etag = SAMPLE, '"extract-v2"'
    assert make_app(text=config(tmp_path, httpserver), clock=lambda: NOW + timedelta(hours=6)).once() == 0
    assert len(stored(tmp_path)) == 6


def test_api_notice_and_extract_row_are_one_notice_whose_description_the_extract_fills(
        make_app, fake_sam, extract, tmp_path, httpserver, capsys):
    app = make_app(text=config(tmp_path, httpserver, api=True))
    app.poll("sam")  # the API, descriptions off: the ICE intent notice is stored without its text
    from_api = stored(tmp_path)
    assert from_api["sam:aa000000000000000000000000000002"] == ("unknown", 1)
    app.poll("sam_extract")  # the extract: same uid, now with its description
    notices = stored(tmp_path)
    assert notices["sam:aa000000000000000000000000000002"] == ("sole_source", 2)
    assert set(notices) == set(from_api)  # one row per notice, whichever source saw it
    later = make_app(text=config(tmp_path, httpserver, api=True), clock=lambda: NOW + timedelta(minutes=30))
    later.poll("sam")  # the API sees it again: the stored description is kept, no new version
    assert stored(tmp_path)["sam:aa000000000000000000000000000002"] == ("sole_source", 2)
    assert fake_sam.detail_requests == []


def test_a_read_stopped_mid_file_resumes_at_its_row_without_downloading_again(extract, httpserver, tmp_path):
    from bot.config import SourceConfig
    from bot.http import Http
    from bot.sources.sam_extract import SamExtract

    options = SamExtract.OPTIONS | {"path": CSV_PATH, "download_dir": str(tmp_path), "batch": 2}
    cfg = SourceConfig("sam_extract", "sam_extract", base_url=httpserver.url_for("").rstrip("/"), options=options)
    pages = SamExtract(cfg, Http()).fetch(None, NOW)
    first, cursor = next(pages)
    pages.close()  # the poll stops after one committed page (a crash, a SIGTERM)
    assert [r["noticeid"][-1] for r in first] == ["1", "2"] and cursor["reading"]["row"] == 2
    rest = list(SamExtract(cfg, Http()).fetch(cursor, NOW))
    assert len(extract.requests) == 1  # the file on disk is read on, not fetched again
    assert [r["noticeid"][-1] for page, _ in rest for r in page] == ["3", "4", "6", "7"]
    assert rest[-1][1] == {"etag": ETAG, "last_modified": MODIFIED, "newest": "2026-10-01T13:15:00+00:00"}


def test_the_file_streams_to_disk_past_the_in_memory_cap_and_a_bom_is_ignored(extract, httpserver, tmp_path):
    from bot.app import App
    from bot.config import load
    from bot.http import Http

    extract.body = b"\xef\xbb\xbf" + SAMPLE  # a UTF-8 byte-order mark, as some exports start
    path = tmp_path / "feeds.toml"
    path.write_text(config(tmp_path, httpserver))
    app = App(load(str(path)), Http(max_bytes=2_000, sleep=lambda s: None), clock=lambda: NOW)
    assert len(SAMPLE) > 4 * 2_000 and app.once() == 0  # JSON answers are capped at 2 kB; the file is not
    assert len(stored(tmp_path)) == 6


def test_a_partial_file_the_server_cannot_continue_is_discarded(make_app, extract, tmp_path, httpserver, caplog):
    state = tmp_path / "state"
    state.mkdir()
    url = httpserver.url_for("").rstrip("/") + CSV_PATH
    (state / "sam_extract.csv.part").write_bytes(b"x" * (len(SAMPLE) + 10))  # longer than the file now is
    (state / "sam_extract.csv.part.json").write_text(json.dumps({"url": url, "etag": ETAG, "last_modified": ""}))
    assert make_app(text=config(tmp_path, httpserver)).once() == 2
    assert "refused to resume the partial download" in caplog.text
    assert not list(state.glob("sam_extract.csv.part*"))
    assert make_app(text=config(tmp_path, httpserver), clock=lambda: NOW + timedelta(minutes=5)).once() == 0
    assert len(stored(tmp_path)) == 6


def test_the_shipped_feeds_toml_catches_a_j_and_a_and_an_intent_with_no_key(extract, httpserver, tmp_path,
                                                                               monkeypatch, capsys):
    from pathlib import Path

    from bot.app import App
    from bot.config import load
    from bot.http import Http

    monkeypatch.delenv("SAM_API_KEY", raising=False)
    shipped = (Path(__file__).resolve().parent.parent / "feeds.toml").read_text()
    local = (f'[sources.sam_extract]\nbase_url = "{httpserver.url_for("").rstrip("/")}"\npath = "{CSV_PATH}"\n'
             f'download_dir = "{tmp_path}"')
    text = shipped.replace('database = "state/procwatch.db"', f'database = "{tmp_path / "procwatch.db"}"') \
        .replace("[sources.sam_extract]", local, 1) \
        .replace("[sources.usaspending]\n", "[sources.usaspending]\nenabled = false  # no test leaves 127.0.0.1\n", 1)
    assert "enabled = false" in text
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    assert App(load(str(path)), Http(sleep=lambda s: None), clock=lambda: NOW).once() == 0
    out = capsys.readouterr().out
    assert "Clearview AI Facial Recognition Licenses - Justification and Approval" in out  # the J&A
    assert "Facial Recognition Software Licenses" in out  # ICE's notice of intent, from its description
