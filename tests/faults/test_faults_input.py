"""Issue 14 items 6, 8, 9, 10: bounded parsing of hostile pages and feeds (peak RSS measured in a
subprocess), plaintext credentials refused by `check`, feed/page URLs that reach private addresses
refused, every declared dependency used, and overlapping polls said once an hour."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
import tomllib
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import NOW
from generic_source_helpers import config

from bot.commands import status
from bot.config import parse
from bot.errors import ConfigError, SourceError
from bot.http import Http, Response
from bot.http_guard import refusal
from bot.scheduler import Daemon
from bot.sources.feed import Feed
from bot.sources.page import Page

ROOT = Path(__file__).resolve().parents[2]

# -- 6: bounded parsing ---------------------------------------------------------------------------

HOSTILE = """
import resource, sys, time
from bot.config import parse
from bot.http import Response
from bot.sources.page import Page
from bot.errors import SourceError
cfg = parse('[sources.p]\\nkind="page"\\nurl="https://x.example/"\\nitem="i"\\n', "f", {}).sources["p"]
body = b"<html><body>" + b"<i>x</i>" * 2_500_000 + b"</body></html>"  # 20 MB of tiny elements
started = time.monotonic()
try:
    Page(cfg, None).read(Response(200, body, {}, "https://x.example/"))
    error = ""
except SourceError as e:
    error = str(e)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, time.monotonic() - started, error, sep="\\t")
"""


def test_a_20_mb_hostile_page_is_refused_under_300_mb_peak():
    run = subprocess.run([sys.executable, "-c", HOSTILE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    peak_mb, seconds, error = run.stdout.strip().split("\t")
    assert int(peak_mb) <= 300, f"peak RSS {peak_mb} MB"  # it was 4.2 GiB
    assert float(seconds) < 30
    assert "refused: more than 150000 elements, attributes and texts" in error and "raise max_nodes" in error


def page(selectors: str = 'item = "tr"\n'):
    return Page(parse('[sources.p]\nkind="page"\nurl="https://x.example/"\n' + selectors, "f", {}).sources["p"], None)


@pytest.mark.parametrize("body", [
    b"<html><body><table><tr><td a0=1" + b"".join(b" a%d=1" % i for i in range(1, 40_000)) + b">x</td></tr></table></body></html>",
    b"<html><body>" + b"<!--x-->" * 200_000 + b"<table><tr><td><a href='/x'>t</a></td></tr></table></body></html>",
    b"<html><body><table><tr><td><a href='/x'>" + b"&amp;" * 200_000 + b"</a></td></tr></table></body></html>",
], ids=["attribute bomb", "comment flood", "entity flood"])
def test_other_hostile_shapes_hit_a_cap_with_a_clear_error(body):
    with pytest.raises(SourceError, match="refused: (a tag longer than 256 KB|more than 150000)"):
        page().read(Response(200, body, {}, "https://x.example/"))


def test_a_normal_page_under_the_caps_reads_in_full():
    rows = b"".join(b"<tr><td><a href='/n/%d'>notice %d</a></td></tr>" % (i, i) for i in range(2000))
    notices = page().read(Response(200, b"<html><body><table>" + rows + b"</table></body></html>", {},
                                   "https://x.example/"))
    assert len(notices) == 2000


def test_a_feed_with_more_markup_than_any_feed_is_refused_before_parsing():
    feed = Feed(parse('[sources.f]\nkind="feed"\nurl="https://x.example/f"\n', "f", {}).sources["f"], None)
    body = b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>" + b"<i>x</i>" * 300_000 + \
        b"</channel></rss>"
    with pytest.raises(SourceError, match=r"tags, over the cap of 200000"):
        feed.read(Response(200, body, {}, "https://x.example/f"))


def test_html_descriptions_past_the_caps_are_stripped_without_a_tree():
    from bot.sources.fields import html_to_text
    assert html_to_text("<p>a &amp; <b>b</b></p>") == "a & b"
    assert html_to_text("<i>x</i>" * 200_000) == " ".join(["x"] * 200_000)


# -- 8: plaintext credentials ---------------------------------------------------------------------

EMAIL = ('[channels.mail]\nkind = "email"\nsmtp_host = "{host}"\nsmtp_security = "none"\nfrom = "bot@example.org"\n'
         'smtp_user_env = "SMTP_USER"\nsmtp_password_env = "SMTP_PASSWORD"\nsubscribers = [{{ address = "a@example.org" }}]\n')
SLACK = '[channels.chat]\nkind = "slack"\nchannel = "C1"\nbase_url = "{url}"\ntoken_env = "SLACK_TOKEN"\n'
ENV = {"SMTP_USER": "bot", "SMTP_PASSWORD": "hunter2-long", "SLACK_TOKEN": "xoxb-1234"}


@pytest.mark.parametrize("table,message", [
    (EMAIL.format(host="smtp.example.org"), 'smtp_security: "none" would send the SMTP login in clear to smtp.example.org'),
    (SLACK.format(url="http://slack.example.org/api/"), "base_url: http:// would send the Slack token in clear"),
])
def test_check_refuses_credentials_in_clear_to_another_machine(table, message):
    with pytest.raises(ConfigError) as e:
        parse(table, "feeds.toml", ENV)
    assert message in str(e.value) and "allow_plaintext = true" in str(e.value)
    parse(table.replace('kind = ', 'allow_plaintext = true\nkind = ', 1), "feeds.toml", ENV)  # said explicitly: fine


@pytest.mark.parametrize("table", [EMAIL.format(host="127.0.0.1"), EMAIL.format(host="localhost"),
                                   SLACK.format(url="http://127.0.0.1:9000/api/"),
                                   EMAIL.format(host="smtp.example.org").replace('"none"', '"starttls"')])
def test_loopback_and_tls_endpoints_pass(table):
    parse(table, "feeds.toml", ENV)


# -- 9: private addresses for feed and page ----------------------------------------------------

@pytest.mark.parametrize("address,refused", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("192.168.0.5", True), ("169.254.169.254", True), ("::1", True),
    ("::ffff:127.0.0.1", True), ("fe80::1", True), ("0.0.0.0", True), ("8.8.8.8", False), ("2606:4700::1", False)])
def test_private_loopback_and_link_local_answers_are_refused(address, refused):
    assert bool(refusal(address)) is refused


def test_a_feed_whose_name_resolves_to_loopback_is_refused_before_any_request(tmp_path, httpserver, make_app, caplog):
    httpserver.expect_request("/feed.xml").respond_with_data("<rss></rss>")
    url = httpserver.url_for("/feed.xml")  # http://localhost:PORT: the name is fine, the DNS answer is not
    app = make_app(text=config(tmp_path, f'[sources.f]\nkind = "feed"\nurl = "{url}"'))
    assert app.once() == 2
    assert httpserver.log == []
    assert re.search(r"refused http://localhost:\d+/feed.xml: it resolves to (127.0.0.1|::1), a loopback address "
                     r"\(.*set allow_private = true", caplog.text)


def test_the_check_holds_after_a_redirect(httpserver):
    httpserver.expect_request("/pub").respond_with_data("", status=302, headers={"Location": "/internal"})
    http = Http(timeout=2).for_source("f", allow_private=False)
    with pytest.raises(SourceError, match="a loopback address"):
        http.request("GET", httpserver.url_for("/pub"))
    assert httpserver.log == []  # not even the first hop was sent to the loopback address


def test_api_kinds_keep_their_configured_base_url_and_allow_private_is_only_for_feed_and_page():
    with pytest.raises(ConfigError, match="allow_private: unknown key"):
        parse('[sources.s]\nkind = "sam_opportunities"\nallow_private = true\n', "feeds.toml", {})


# -- 10: dependencies used; overlapping polls said once an hour ---------------------------------

def test_every_declared_dependency_is_imported_by_the_bot():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    modules = {"beautifulsoup4": "bs4", "sqlite-utils": "sqlite_utils", "slack-sdk": "slack_sdk",
               "pyahocorasick": "ahocorasick", "python-docx": "docx"}
    code = "\n".join(p.read_text() for p in (ROOT / "bot").rglob("*.py"))
    for requirement in declared:
        name = re.split(r"[<>=!~\[ ]", requirement)[0]
        module = modules.get(name, name.replace("-", "_"))
        assert re.search(rf"^\s*(import|from) {module}\b", code, re.M), f"{name} is declared but never imported"


def test_overlapping_polls_are_said_once_an_hour_per_source_and_shown_in_status(make_app, caplog):
    clock = SimpleNamespace(now=NOW)
    daemon = Daemon(make_app(clock=lambda: clock.now))
    event = SimpleNamespace(job_id="source:sam")
    with caplog.at_level(logging.WARNING):
        for minutes in range(0, 120, 2):  # one skipped run every 2 minutes for 2 hours
            clock.now = NOW + timedelta(minutes=minutes)
            daemon._overlapped(event)
            logging.getLogger("apscheduler.scheduler").warning(
                'Execution of job "poll" skipped: maximum number of running instances reached (1)')
    lines = [r for r in caplog.records if "overlap" in r.getMessage() or "maximum number" in r.getMessage()]
    assert len(lines) == 2 and all("sam: polls overlap" in r.getMessage() for r in lines)
    out = io.StringIO()
    status.main(SimpleNamespace(json=False, check=False), daemon.app.config, out, now=clock.now)
    assert "polls overlap: 60 skipped while the previous poll ran (last 2026-10-02 13:58)" in out.getvalue()
    facts = io.StringIO()
    status.main(SimpleNamespace(json=True, check=False), daemon.app.config, facts, now=clock.now)
    assert json.loads(facts.getvalue())["sources"][0]["overlaps"] == 60


def test_an_fpds_page_with_more_markup_than_any_page_is_refused_before_lxml_builds_it():
    from bot.sources.fpds_atom import parse_feed
    body = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>' + b"<i>x</i>" * 300_000 + b"</feed>"
    with pytest.raises(SourceError, match="refused XML from FPDS: over 200000 tags"):
        parse_feed(body)
