"""Unsubscribe that works (issue 16 item 2): per-subscriber signed links in List-Unsubscribe (RFC 2369,
RFC 8058 one-click), `procwatch serve`'s pages (GET changes nothing, POST unsubscribes), the database
overriding feeds.toml, `procwatch subscribers`, and mailto: links without public_url."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from conftest import NOW, free_port
from test_delivery import CLEARVIEW, mails, setup, states  # noqa: F401 (setup is a fixture)

from bot.cli import main
from bot.config import load
from bot.web import create_app

ROOT = Path(__file__).resolve().parents[1]
SECRET = "s3cret-for-tests-only-0123456789abcdef"
PUBLIC = "https://procwatch.example.org/alerts"


@pytest.fixture
def served(setup, monkeypatch):  # noqa: F811
    """The delivery test config with [bot] public_url/secret_env and no fixed `unsubscribe` URL."""
    monkeypatch.setenv("PROCWATCH_SECRET", SECRET)
    text = setup.config.read_text().replace('unsubscribe = "https://example.org/unsubscribe/abc"\n', "")
    text = text.replace('contact = "tests@example.org"',
                        f'contact = "tests@example.org"\npublic_url = "{PUBLIC}"\nsecret_env = "PROCWATCH_SECRET"')
    setup.config.write_text(text)
    return setup


@pytest.fixture
def cli(monkeypatch, capsys, setup):  # noqa: F811
    def run(*args, at=timedelta(0)):
        monkeypatch.setattr("bot.clock.utc_now", lambda: NOW + at)
        capsys.readouterr()
        return main(["--config", str(setup.config), *args]), capsys.readouterr().out
    return run


def link_of(message) -> str:
    return message["List-Unsubscribe"].strip("<>")


def path_of(link: str) -> str:
    """The path procwatch serve sees: the reverse proxy maps public_url to its root."""
    return link.removeprefix(PUBLIC)


def amend(setup) -> None:  # noqa: F811
    """The Clearview J&A's amount changes: a material update for everyone who got it."""
    rows = setup.sam.rows
    rows[0] = dict(rows[0], award=dict(rows[0]["award"], amount="250000.00"))


def test_each_subscriber_gets_their_own_signed_one_click_link(served, cli):
    assert cli("once")[0] == 0
    [ana], [ben] = mails(served.smtp, "ana@example.org"), mails(served.smtp, "ben@example.org")
    assert link_of(ana).startswith(PUBLIC + "/unsubscribe/") and link_of(ben).startswith(PUBLIC + "/unsubscribe/")
    assert link_of(ana) != link_of(ben)
    assert ana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link_of(ana) in ana.get_body(("plain",)).get_content()
    assert f'href="{link_of(ana)}"' in ana.get_body(("html",)).get_content()


def test_get_changes_nothing_post_one_click_unsubscribes_and_the_database_wins(served, cli):
    cli("once")
    [ana] = mails(served.smtp, "ana@example.org")
    client = create_app(load(str(served.config))).test_client()
    page = client.get(path_of(link_of(ana)))
    assert page.status_code == 200 and b"ana@example.org" in page.data and b'method="post"' in page.data
    assert page.headers["Referrer-Policy"] == "no-referrer" and "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert "subscribed" in cli("subscribers", "mail")[1] and "UNSUBSCRIBED" not in cli("subscribers")[1]
    answer = client.post(path_of(link_of(ana)), data="List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and b"You are unsubscribed" in answer.data
    code, out = cli("subscribers", "mail")
    assert code == 0 and "ana@example.org" in out and "UNSUBSCRIBED 2026" in out and "(one-click)" in out
    assert [line for line in out.splitlines() if "ben@example.org" in line][0].split()[2] == "subscribed"
    assert b"Already unsubscribed" in client.get(path_of(link_of(ana))).data
    assert "mail → ana@example.org: unsubscribed since 2026" in cli("digest", "mail", "--dry-run")[1]
    amend(served)
    cli("once", at=timedelta(hours=1))
    assert len(mails(served.smtp, "ana@example.org")) == 1  # feeds.toml still lists her; the database wins
    assert len(served.slack.posts) == 2  # Slack still got the update
    cli("once", at=timedelta(days=1))
    assert len(mails(served.smtp, "ben@example.org")) == 2  # Ben is unaffected
    code, out = cli("subscribers", "mail", "--resubscribe", "ana@example.org")
    assert code == 0 and "subscribed to mail again" in out
    assert cli("subscribers", "mail", "--resubscribe", "ana@example.org")[0] == 1  # nothing to undo
    rows = served.sam.rows
    rows[0] = dict(rows[0], award=dict(rows[0]["award"], amount="260000.00"))
    cli("once", at=timedelta(days=1, hours=1))
    assert len(mails(served.smtp, "ana@example.org")) == 2


@pytest.mark.parametrize("tamper", ["signature", "other address", "truncated", "garbage"])
def test_a_tampered_link_is_refused_and_changes_nothing(served, cli, tamper):
    cli("once")
    ana, ben = link_of(mails(served.smtp, "ana@example.org")[0]), link_of(mails(served.smtp, "ben@example.org")[0])
    payload, signature = path_of(ana).rsplit("/", 1)[1].split(".")
    bad = {"signature": f"{payload}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
           "other address": f"{path_of(ben).rsplit('/', 1)[1].split('.')[0]}.{signature}",
           "truncated": f"{payload}.{signature[:20]}", "garbage": "not-a-token"}[tamper]
    client = create_app(load(str(served.config))).test_client()
    for method in (client.get, client.post):
        answer = method(f"/unsubscribe/{bad}")
        assert answer.status_code == 400 and b"not valid" in answer.data
    assert "UNSUBSCRIBED" not in cli("subscribers")[1]


def test_without_public_url_the_link_is_a_mailto_naming_the_subscriber(setup, cli):  # noqa: F811
    setup.config.write_text(setup.config.read_text().replace('unsubscribe = "https://example.org/unsubscribe/abc"\n', ""))
    cli("once")
    [ana] = mails(setup.smtp, "ana@example.org")
    assert ana["List-Unsubscribe"] == "<mailto:alerts@example.org?subject=unsubscribe%20ana%40example.org%20from%20mail>"
    assert ana["List-Unsubscribe-Post"] is None
    assert unquote(link_of(ana)) in unquote(ana.get_body(("html",)).get_content())
    code, out = cli("subscribers", "mail", "--unsubscribe", "ana@example.org")  # the operator acts on the mail
    assert code == 0 and "UNSUBSCRIBED" in cli("subscribers", "mail")[1] and "(by the operator)" in cli("subscribers")[1]
    code, out = cli("serve")
    assert code == 1


def test_public_url_needs_a_secret(setup, cli, capsys, caplog, monkeypatch):  # noqa: F811
    monkeypatch.delenv("PROCWATCH_SECRET", raising=False)
    text = setup.config.read_text().replace('unsubscribe = "https://example.org/unsubscribe/abc"\n', "")
    setup.config.write_text(text.replace('contact = "tests@example.org"', 'contact = "tests@example.org"\n'
                                         'public_url = "https://x.example.org"\nsecret_env = "PROCWATCH_SECRET"'))
    assert main(["--config", str(setup.config), "check"]) == 0  # a missing secret is a warning, as elsewhere
    assert "bot.secret_env: PROCWATCH_SECRET is not set; unsubscribe links are mailto:" in caplog.text
    cli("once")
    assert mails(setup.smtp, "ana@example.org")[0]["List-Unsubscribe"].startswith("<mailto:alerts@example.org?")
    assert cli("serve")[0] == 1
    setup.config.write_text(text.replace('contact = "tests@example.org"', 'contact = "tests@example.org"\n'
                                         'public_url = "https://x.example.org"'))
    assert main(["--config", str(setup.config), "check"]) == 1
    assert "bot.public_url: needs secret_env" in capsys.readouterr().err


def wait_for_port(port: int, proc) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode())
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("procwatch serve did not start")


def test_procwatch_serve_answers_health_and_unsubscribes_over_http(served, cli):
    cli("once")
    [ana] = mails(served.smtp, "ana@example.org")
    port = free_port()
    env = dict(os.environ, PROCWATCH_SECRET=SECRET)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(served.config), "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/healthz", timeout=5).json() == {"ok": True}
        url = base + path_of(link_of(ana))
        page = requests.get(url, timeout=5)
        assert page.status_code == 200 and "Unsubscribe</button>" in page.text
        assert "UNSUBSCRIBED" not in cli("subscribers")[1]
        done = requests.post(url, data={"confirm": "yes"}, timeout=5)
        assert done.status_code == 200 and "will receive no more" in done.text
        assert "(web page)" in cli("subscribers")[1]
    finally:
        proc.terminate()
        proc.wait(10)


def chromium():
    """A headless Chromium driven by Selenium, or a skip saying what is missing."""
    import shutil
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    browser, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("headless Chromium test: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver))


def test_in_a_browser_open_the_link_click_and_see_the_confirmation(served, cli):
    browser = chromium()
    cli("once")
    [ana] = mails(served.smtp, "ana@example.org")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(served.config), "serve", "--port", str(port)],
                            cwd=ROOT, env=dict(os.environ, PROCWATCH_SECRET=SECRET), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
        browser.get(f"http://127.0.0.1:{port}" + path_of(link_of(ana)))
        assert browser.title == "Unsubscribe from procwatch alerts?" and "ana@example.org" in browser.page_source
        assert "UNSUBSCRIBED" not in cli("subscribers")[1]  # a scanner opening the link changes nothing
        browser.find_element("css selector", "button[type=submit]").click()
        from selenium.webdriver.support.ui import WebDriverWait
        WebDriverWait(browser, 20).until(lambda b: b.title == "You are unsubscribed")  # the POST's answer page
        assert "will receive no more" in browser.find_element("tag name", "main").text
        assert "(web page)" in cli("subscribers")[1]
    finally:
        browser.quit()
        proc.terminate()
        proc.wait(10)
