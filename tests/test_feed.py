"""A generic RSS/Atom feed served locally: fetched by our Http, parsed by feedparser from bytes,
text cues or `assume = "sole_source"` decide, hostile entries stay inert, faults lose nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import NOW, fixture_bytes
from generic_source_helpers import (
    ConditionalServer,
    HTTP_FAULTS,
    config,
    cursor,
    db,
    fault_drill,
    health,
    silent_port,
)
from werkzeug import Response

from bot.config import load
from bot.errors import ConfigError

RSS = fixture_bytes("feed", "synthetic_feed_rss20_city_procurement_notices.xml")
ATOM = fixture_bytes("feed", "synthetic_feed_atom_intent_only.xml")
PATH = "/police/procurement/feed.xml"
CLEARVIEW_LINE = "1. Notice of Intent to Award a Sole Source Contract: Clearview AI facial recognition licences"


def FakeFeed(server, body: bytes = RSS, content_type: str = "application/rss+xml") -> ConditionalServer:
    """The feed URL with an ETag; `body` can be swapped between polls."""
    return ConditionalServer(server, PATH, body, content_type)


def feed_config(tmp_path, httpserver, extra: str = "") -> str:
    return config(tmp_path, f'[sources.riverton]\nkind = "feed"\nallow_private = true\nurl = "{httpserver.url_for(PATH)}"\n{extra}')


def test_once_alerts_entries_whose_text_says_sole_source(make_app, httpserver, tmp_path, capsys):
    FakeFeed(httpserver)
    assert make_app(text=feed_config(tmp_path, httpserver)).once() == 0
    out = capsys.readouterr().out
    assert CLEARVIEW_LINE in out
    assert "Agency:   City of Riverton Police Department – Procurement Notices" in out  # the feed's title
    assert 'Verdict:  sole source — "Notice of Intent to Award a Sole Source Contract' in out
    assert "posted 2026-10-01T13:30:00+00:00" in out  # -0400 in the feed, stored in UTC
    assert f"Link:     {httpserver.url_for('/police/procurement/notices/2026-041')}" in out  # made absolute
    assert "Cellebrite UFED licence renewal" in out and '"The department will renew its licences' in out
    assert "Facial recognition policy consultant" not in out  # "This is not a sole source procurement."
    assert "Janitorial services" not in out  # sole source, nothing watched


def test_entries_are_stored_with_native_ids_and_verdicts(make_app, httpserver, tmp_path):
    FakeFeed(httpserver)
    make_app(text=feed_config(tmp_path, httpserver, 'agency = "Riverton Police"')).once()
    rows = {r["native_id"]: r for r in db(tmp_path).execute("select * from notices")}
    assert {k: r["competition"] for k, r in rows.items()} == {
        "riverton-pd-notice-2026-041": "sole_source",
        "https://www.riverton.example/police/procurement/notices/2026-040": "sole_source",
        "riverton-pd-rfp-2026-14": "unknown", "riverton-pd-notice-2026-039": "sole_source"}
    assert rows["riverton-pd-notice-2026-041"]["agency_path"] == '["Riverton Police"]'  # the option wins
    assert "<p>" not in rows["riverton-pd-notice-2026-041"]["description"]


def test_assume_sole_source_alerts_an_intent_only_feed_without_cue_words(make_app, httpserver, tmp_path, capsys):
    FakeFeed(httpserver, ATOM, "application/atom+xml")
    assert make_app(text=feed_config(tmp_path, httpserver)).once() == 0
    assert capsys.readouterr().out == ""  # no cue words: unknown, not alerted
    text = feed_config(tmp_path, httpserver, 'assume = "sole_source"').replace("riverton", "harbor")
    assert make_app(text=text).once() == 0
    out = capsys.readouterr().out
    assert "1. Facial recognition software maintenance (renewal)" in out  # HTML title as text
    assert 'listed by a feed of sole-source notices (assume = "sole_source")' in out
    assert "Type:     intent" in out
    assert "Link:     https://procurement.county.example/intent/0917" in out  # xml:base honoured
    assert "Jail kiosk" not in out  # sole source too, but nothing watched


def test_requests_carry_our_user_agent_and_an_unchanged_feed_costs_a_304(make_app, httpserver, tmp_path, capsys):
    feed = FakeFeed(httpserver)
    text = feed_config(tmp_path, httpserver)
    make_app(text=text).once()
    capsys.readouterr()
    first = feed.requests[0].headers
    assert first["User-Agent"].startswith("procwatch/") and "tests@example.org" in first["User-Agent"]
    assert "application/rss+xml" in first["Accept"]
    assert cursor(tmp_path, "riverton")["etag"]
    assert make_app(text=text, clock=lambda: NOW + timedelta(hours=1)).once() == 0
    assert feed.requests[1].headers["If-None-Match"] == cursor(tmp_path, "riverton")["etag"]
    assert capsys.readouterr().out == "" and health(tmp_path, "riverton")["consecutive_failures"] == 0


def test_new_entry_on_a_later_poll_is_alerted_alone(make_app, httpserver, tmp_path, capsys):
    feed = FakeFeed(httpserver)
    text = feed_config(tmp_path, httpserver)
    make_app(text=text).once()
    capsys.readouterr()
    feed.body = RSS.replace(b"<item>", b"""<item><title>Sole source: Palantir Gotham licences</title>
      <link>/police/procurement/notices/2026-042</link><guid isPermaLink="false">riverton-pd-notice-2026-042</guid>
      <pubDate>Fri, 02 Oct 2026 09:00:00 -0400</pubDate><description>Facial recognition add-on.</description></item><item>""", 1)
    make_app(text=text, clock=lambda: NOW + timedelta(hours=1)).once()
    out = capsys.readouterr().out
    assert "Sole source: Palantir Gotham licences" in out and "Clearview" not in out


def test_hostile_entry_is_stored_and_printed_inert(make_app, httpserver, tmp_path, capsys):
    huge = "A" * 1_000_000
    body = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Evil &lt;b&gt;feed&lt;/b&gt;</title>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt;Sole source award to Clearview AI \x1b[31mred\x07 \u202egnp.exe {huge}</title>
<link>javascript:alert(1)</link><guid>h1</guid>
<description>&lt;img src=x onerror=alert(2)&gt;&lt;script&gt;steal()&lt;/script&gt;Clearview AI, sole source.</description></item>
</channel></rss>""".encode()
    FakeFeed(httpserver, body)
    assert make_app(text=feed_config(tmp_path, httpserver)).once() == 0
    out = capsys.readouterr().out
    row = db(tmp_path).execute("select title, description, url from notices").fetchone()
    assert row["title"].startswith("Sole source award to Clearview AI") and len(row["title"]) <= 300
    assert row["title"].endswith("…")
    for bad in ("<script", "alert(", "steal(", "onerror", "\x1b", "\x07", "\u202e"):
        assert bad not in row["title"] + row["description"] and bad not in out
    assert row["url"] == httpserver.url_for(PATH)  # the javascript: link is dropped for the feed's URL
    assert "Sole source award to Clearview AI" in out


def test_feed_larger_than_the_cap_is_refused(make_app, httpserver, tmp_path, caplog):
    FakeFeed(httpserver)
    app = make_app(text=feed_config(tmp_path, httpserver))
    app.http.max_bytes = 1000
    assert app.once() == 2
    assert "exceeds 1000 bytes" in health(tmp_path, "riverton")["last_error"]


def test_stray_ampersand_is_read_leniently(make_app, httpserver, tmp_path, capsys):
    FakeFeed(httpserver, RSS.replace(b"Janitorial services,", b"Janitorial & custodial services,"))
    assert make_app(text=feed_config(tmp_path, httpserver)).once() == 0
    assert CLEARVIEW_LINE in capsys.readouterr().out
    assert db(tmp_path).execute("select count(*) from notices").fetchone()[0] == 4


FAULTS = HTTP_FAULTS | {
    "truncated": (lambda: Response(RSS[:RSS.index(b"</item>") + 40], content_type="application/rss+xml"),
                  "truncated or not XML"),
    "json instead of a feed": (lambda: Response('{"items": []}', content_type="application/json"),
                               "truncated or not XML"),
    "xml that is not a feed": (lambda: Response("<?xml version='1.0'?><error><code>42</code></error>",
                                                content_type="application/xml"), "truncated or not XML"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_recorded_cursor_kept_and_recovery_alerts_once(fault, make_app, httpserver, tmp_path,
                                                                capsys, caplog):
    respond, message = FAULTS[fault]
    httpserver.expect_oneshot_request(PATH).respond_with_handler(lambda r: respond())
    fault_drill(make_app, feed_config(tmp_path, httpserver), "riverton", tmp_path, capsys, caplog, message,
                lambda: FakeFeed(httpserver), CLEARVIEW_LINE)


def test_timeout_is_one_clear_line(make_app, tmp_path, caplog):
    with silent_port() as port:
        text = config(tmp_path, f'[sources.riverton]\nkind = "feed"\nallow_private = true\nurl = "http://127.0.0.1:{port}/feed.xml"')
        assert make_app(text=text, timeout=0.2).once() == 2
    assert f"timed out after 0.2s waiting for http://127.0.0.1:{port}/feed.xml" in caplog.text
    assert health(tmp_path, "riverton")["consecutive_failures"] == 1


@pytest.mark.parametrize("extra, problem", [
    ("", "sources.f.url: required: the full http(s) address"),
    ('url = "feed.xml"', "sources.f.url: required: the full http(s) address"),
    ('url = "https://x.example/f"\nassume = "competed"', 'sources.f.assume: must be "sole_source"'),
])
def test_bad_options_are_reported(extra, problem, tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(config(tmp_path, f'[sources.f]\nkind = "feed"\nallow_private = true\n{extra}'))
    with pytest.raises(ConfigError) as e:
        load(str(path))
    assert problem in str(e.value)


def test_entries_without_id_or_link_keep_a_stable_identity(make_app, httpserver, tmp_path, capsys):
    body = RSS.replace(b"<link>/police/procurement/notices/2026-041</link>", b"") \
        .replace(b'<guid isPermaLink="false">riverton-pd-notice-2026-041</guid>', b"")
    feed = FakeFeed(httpserver, body)
    text = feed_config(tmp_path, httpserver)
    make_app(text=text).once()
    assert CLEARVIEW_LINE in capsys.readouterr().out
    feed.body = body + b"\n"  # same entries, new ETag: fetched and parsed again
    make_app(text=text, clock=lambda: NOW + timedelta(hours=1)).once()
    assert [r.headers.get("If-None-Match") for r in feed.requests][1] is not None
    assert capsys.readouterr().out == ""
    assert db(tmp_path).execute("select max(last_seen_at) from notices").fetchone()[0].startswith("2026-10-02T13")
    ids = [r[0] for r in db(tmp_path).execute("select native_id from notices")]
    assert len(ids) == 4 and any(i.startswith("sha1:") for i in ids)
