"""A generic HTML page served locally: CSS selectors from feeds.toml, links made absolute, a page
whose selectors match nothing is an error (never "no news"), hostile markup stays inert."""

from __future__ import annotations


import pytest
from conftest import fixture_bytes
from generic_source_helpers import HTTP_FAULTS, ConditionalServer, config, db, fault_drill, health
from werkzeug import Response

from bot.config import load
from bot.errors import ConfigError

PAGE = fixture_bytes("page", "synthetic_page_city_sole_source_notices.html")
EMPTY = fixture_bytes("page", "synthetic_page_no_current_notices.html")
PATH = "/purchasing/sole-source-notices"
SELECTORS = """item = "table.notices tbody tr"
title = "td.title"
link = "td.title a[href]"
date = "td.posted"
text = "td.summary"
"""
CLEARVIEW_LINE = "1. SS-2026-118 Clearview AI investigative image search"


def FakePage(server, body: bytes = PAGE, content_type: str = "text/html; charset=utf-8") -> ConditionalServer:
    """The page URL with an ETag; `body` can be swapped between polls."""
    return ConditionalServer(server, PATH, body, content_type)


def page_config(tmp_path, httpserver, extra: str = 'assume = "sole_source"\nagency = "City of Riverton"') -> str:
    return config(tmp_path, f'[sources.riverton]\nkind = "page"\nallow_private = true\nurl = "{httpserver.url_for(PATH)}"\n'
                            f'{SELECTORS}{extra}')


def test_once_alerts_the_intent_page_with_absolute_links(make_app, httpserver, tmp_path, capsys):
    page = FakePage(httpserver)
    assert make_app(text=page_config(tmp_path, httpserver)).once() == 0
    out = capsys.readouterr().out
    assert CLEARVIEW_LINE in out
    assert "Agency:   City of Riverton" in out and "posted 2026-10-01" in out
    assert 'Verdict:  sole source — listed by a page of sole-source notices (assume = "sole_source")' in out
    assert f"Link:     {httpserver.url_for('/purchasing/notices/SS-2026-118.pdf')}" in out
    assert 'vendor "Clearview AI" in title' in out
    assert "Water meter parts" not in out and "license plate" not in out  # nothing watched
    assert page.requests[0].headers["User-Agent"].startswith("procwatch/")


def test_every_item_is_stored_with_its_link_date_and_text(make_app, httpserver, tmp_path):
    FakePage(httpserver)
    make_app(text=page_config(tmp_path, httpserver)).once()
    rows = db(tmp_path).execute("select native_id, title, posted_at, description from notices order by posted_at")
    got = [(r["native_id"], r["posted_at"]) for r in rows]
    assert got == [("https://docs.riverton.example/SS-2026-116.pdf", "2026-09-29"),
                   (httpserver.url_for("/purchasing/notices/SS-2026-117.pdf"), "2026-09-30"),
                   (httpserver.url_for("/purchasing/notices/SS-2026-118.pdf"), "2026-10-01")]
    texts = [r["description"] for r in db(tmp_path).execute("select description from notices")]
    assert any(t.startswith("Annual licences for the Police Department") for t in texts)
    assert not any("analytics" in t for t in texts)


def test_without_assume_only_text_cues_decide(make_app, httpserver, tmp_path, capsys):
    FakePage(httpserver, PAGE.replace(b"Annual licences", b"Sole source award of annual licences"))
    assert make_app(text=page_config(tmp_path, httpserver, extra="")).once() == 0
    out = capsys.readouterr().out
    assert CLEARVIEW_LINE in out and '"Sole source award of annual licences' in out
    verdicts = {r[0] for r in db(tmp_path).execute("select competition from notices where title like '%117%'")}
    assert verdicts == {"unknown"}


def test_page_without_items_is_fine_only_when_it_says_so(make_app, httpserver, tmp_path, capsys):
    FakePage(httpserver, EMPTY)
    text = page_config(tmp_path, httpserver, 'none_text = "no open notices of intent"')
    assert make_app(text=text).once() == 0
    assert health(tmp_path, "riverton")["last_error"] is None
    strict = page_config(tmp_path, httpserver).replace("[sources.riverton]", "[sources.strict]")
    assert make_app(text=strict).once() == 2
    assert "matched nothing" in health(tmp_path, "strict")["last_error"]
    assert 'it reads "Notices of Intent to Award Sole Source Contracts | City of Riverton"' in \
        health(tmp_path, "strict")["last_error"]


def test_windows_1252_page_declared_in_meta_keeps_accents(make_app, httpserver, tmp_path):
    body = PAGE.decode().replace('<meta charset="utf-8">', '<meta charset="windows-1252">') \
        .replace("Water meter parts", "Vidéosurveillance, entretien").encode("cp1252")
    FakePage(httpserver, body, "text/html")
    make_app(text=page_config(tmp_path, httpserver)).once()
    titles = [r[0] for r in db(tmp_path).execute("select title from notices")]
    assert "SS-2026-116 Vidéosurveillance, entretien" in titles


def test_hostile_rows_are_stored_and_printed_inert(make_app, httpserver, tmp_path, capsys):
    evil = ('<tr><td class="posted">2026-10-01</td><td class="title"><a href="javascript:alert(1)" '
            'onclick="steal()">Clearview AI <script>alert(1)</script><img src=x onerror="alert(2)">'
            f'renewal \x1b[2J\x07\u202egnp.exe {"A" * 1_000_000}</a></td><td class="summary">'
            '<iframe src="https://evil.example"></iframe>ok</td></tr>')
    FakePage(httpserver, PAGE.replace(b'<tr class="notice">', evil.encode() + b'<tr class="notice">', 1))
    assert make_app(text=page_config(tmp_path, httpserver)).once() == 0
    out = capsys.readouterr().out
    row = db(tmp_path).execute("select title, url from notices where title like 'Clearview AI renewal%'").fetchone()
    assert len(row["title"]) <= 300 and row["title"].endswith("…")
    assert row["url"] == httpserver.url_for(PATH)  # javascript: dropped, the page itself is the link
    for bad in ("<script", "alert(", "steal(", "onerror", "evil.example", "\x1b", "\x07", "\u202e"):
        assert bad not in row["title"] and bad not in out
    assert "Clearview AI renewal" in out


REDESIGNED = PAGE.replace(b'class="notices"', b'class="listing"')
FAULTS = HTTP_FAULTS | {
    "redesigned page": (lambda: Response(REDESIGNED, content_type="text/html"),
                        "item selector 'table.notices tbody tr' matched nothing"),
    "truncated": (lambda: Response(PAGE[:PAGE.index(b"SS-2026-117")], content_type="text/html"), "truncated"),
    "items without title or link": (lambda: Response(PAGE.replace(b'class="title"', b'class="name"')
                                                     .replace(b"<a href", b"<span data-href"),
                                                     content_type="text/html"), "have no title or link"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_recorded_cursor_kept_and_recovery_alerts_once(fault, make_app, httpserver, tmp_path,
                                                                capsys, caplog):
    respond, message = FAULTS[fault]
    httpserver.expect_oneshot_request(PATH).respond_with_handler(lambda r: respond())
    fault_drill(make_app, page_config(tmp_path, httpserver), "riverton", tmp_path, capsys, caplog, message,
                lambda: FakePage(httpserver), CLEARVIEW_LINE)


@pytest.mark.parametrize("extra, problem", [
    ('url = "https://x.example/p"', "sources.p.item: required: the CSS selector of one notice"),
    ('url = "https://x.example/p"\nitem = "table["', "sources.p.item: bad CSS selector 'table['"),
    ('url = "https://x.example/p"\nitem = "tr"\ndate = "td:nth(2)"', "sources.p.date: bad CSS selector"),
    ('item = "tr"', "sources.p.url: required"),
])
def test_bad_options_are_reported(extra, problem, tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(config(tmp_path, f'[sources.p]\nkind = "page"\nallow_private = true\n{extra}'))
    with pytest.raises(ConfigError) as e:
        load(str(path))
    assert problem in str(e.value)


def test_dates_in_common_forms_and_a_given_format():
    from bot.sources.page import page_date
    assert page_date("October 1, 2026") == page_date("Oct 1, 2026") == page_date("1 October 2026") == "2026-10-01"
    assert page_date("2026-10-01T09:30:00-04:00") == "2026-10-01T09:30:00-04:00"
    assert page_date("01/10/2026", "%d/%m/%Y") == "2026-10-01"
    assert page_date("01/10/2026") is None  # day/month order unknown without date_format
    assert page_date("sometime soon") is None


def test_readme_examples_for_canadabuys_feed_and_page_are_valid(tmp_path):
    import re
    from pathlib import Path
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme[readme.index('#### `kind = "canadabuys"`'):readme.index('#### `kind = "ted"`')]
    blocks = re.findall(r"```toml\n(.*?)```", section, re.DOTALL)
    path = tmp_path / "feeds.toml"
    path.write_text(f'[bot]\ndatabase = "{tmp_path / "db"}"\n' + "\n".join(blocks))
    sources = load(str(path), env={}).sources
    assert {s.kind for s in sources.values()} == {"canadabuys", "feed", "page"}
    assert all(s.enabled for s in sources.values())


def test_an_item_listed_twice_is_one_notice(make_app, httpserver, tmp_path, capsys):
    row = PAGE[PAGE.index(b'<tr class="notice">'):PAGE.index(b"</tr>") + 5]
    again = row.replace(b"Annual licences", b"Repeated in the sidebar: annual licences")
    FakePage(httpserver, PAGE.replace(b"</tbody>", again + b"</tbody>"))
    make_app(text=page_config(tmp_path, httpserver)).once()
    assert capsys.readouterr().out.count("SS-2026-118 Clearview AI") == 1
    rows = db(tmp_path).execute("select version, description from notices where title like 'SS-2026-118%'").fetchall()
    assert len(rows) == 1 and rows[0]["version"] == 1  # the first listing wins; no flip-flopping versions
    assert rows[0]["description"].startswith("Annual licences")
