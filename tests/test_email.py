"""The email channel against a real SMTP server (aiosmtpd on 127.0.0.1): message shape, safety, failures."""

from __future__ import annotations

import ssl
import subprocess
from decimal import Decimal

import pytest
from conftest import free_port
from test_slack import CLEARVIEW_HITS, notice

from bot.config import ChannelConfig
from bot.digest import Digest, Item
from bot.notify.email import Email


def email_channel(port: int, **options) -> Email:
    opts = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "from": "alerts@example.org",
            "reply_to": "", "unsubscribe": "mailto:unsubscribe@example.org", "timeout": 5.0,
            "subscribers": [{"address": "ana@example.org", "watchlists": ["surveillance"], "deliver": "instant"}]}
    return Email(ChannelConfig("mail", "email", ("surveillance",), "instant", opts | options, {}))


def two_watchlist_item(n=1, **fields) -> Item:
    hits = CLEARVIEW_HITS | {"border": [{"kind": "agency", "term": "CBP", "field": "agency_path", "text": "x"}]}
    return Item(notice(n, **fields), 1, ["border", "surveillance"], hits)


def digest(*items, recipient="ana@example.org") -> Digest:
    return Digest("0f1e2d3c4b5a69788796a5b4c3d2e1f0", "mail", recipient, list(items),
                  created_at="2026-10-02T12:00:00+00:00")


def test_one_multipart_message_with_sections_and_list_headers(smtp_server):
    other = Item(notice(2, title="Palantir Gotham", vendor_name="PALANTIR USG INC",
                        agency_path=["HOMELAND SECURITY, DEPARTMENT OF", "U.S. IMMIGRATION AND CUSTOMS ENFORCEMENT"]),
                 1, ["surveillance"], CLEARVIEW_HITS)
    result = email_channel(smtp_server.port).send(digest(two_watchlist_item(), other))
    assert result.ok and result.message_ref == "<0f1e2d3c4b5a69788796a5b4c3d2e1f0@example.org>"
    [(rcpt, msg)] = smtp_server.sink.messages
    assert rcpt == ["ana@example.org"]
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    # The lead item (the J&A before the larger-but-later award) names the agency, not the office.
    assert msg["Subject"] == ("procwatch: 2 sole-source notices — HOMELAND SECURITY, DEPARTMENT OF › "
                              "U.S. CUSTOMS AND BORDER PROTECTION: CLEARVIEW AI, INC., $225,000 (+1 more)")
    assert msg["Message-ID"] == "<0f1e2d3c4b5a69788796a5b4c3d2e1f0@example.org>"
    assert msg["Date"] == "Fri, 02 Oct 2026 12:00:00 +0000"
    assert msg["List-Unsubscribe"] == "<mailto:unsubscribe@example.org>" and msg["List-Unsubscribe-Post"] is None
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    # Sections per watchlist; the notice hit by two watchlists is listed once, with both reasons.
    assert "-- border: 1 --" in text and "-- surveillance: 1 --" in text
    assert text.count("Clearview AI Facial Recognition Licenses") == 1
    assert 'border: agency "CBP" in agency' in text and 'surveillance: vendor "Clearview AI" in awardee' in text
    assert html.count("Clearview AI Facial Recognition Licenses") == 1
    assert '<a href="https://sam.gov/workspace/contract/opp/aa000000000000000000000000000001/view"' in html
    assert "$225,000" in html and "FAR 6.302-1" in html


def test_subject_leads_with_the_justification_then_the_largest_amount_and_skips_the_office(smtp_server):
    office = ["HOMELAND SECURITY, DEPARTMENT OF", "U.S. CUSTOMS AND BORDER PROTECTION",
              "BORDER ENFORCEMENT CONTRACTING DIVISION"]
    award = Item(notice(2, kind="award", vendor_name="PALANTIR USG INC", amount=Decimal("9000000")), 1,
                 ["surveillance"], CLEARVIEW_HITS)
    small = Item(notice(3, kind="award", vendor_name="ACME", amount=Decimal("10")), 1, ["surveillance"],
                 CLEARVIEW_HITS)
    ja = Item(notice(1, agency_path=office, amount=Decimal("487500")), 1, ["surveillance"], CLEARVIEW_HITS)
    email_channel(smtp_server.port).send(digest(small, award, ja))
    subject = smtp_server.sink.messages[0][1]["Subject"]
    assert subject == ("procwatch: 3 sole-source notices — HOMELAND SECURITY, DEPARTMENT OF › U.S. CUSTOMS AND "
                       "BORDER PROTECTION: CLEARVIEW AI, INC., $487,500 (+2 more)")
    assert "CONTRACTING DIVISION" not in subject


@pytest.mark.parametrize("sender, name", [("procwatch alerts <alerts@example.org>", "procwatch alerts"),
                                          ('"Watchdog, Inc." <alerts@example.org>', "Watchdog, Inc."),
                                          ("alerts@example.org", "procwatch")])
def test_from_accepts_a_display_name_and_uses_it(smtp_server, sender, name):
    assert email_channel(smtp_server.port, **{"from": sender}).send(digest(two_watchlist_item())).ok
    msg = smtp_server.sink.messages[0][1]
    assert msg["From"].addresses[0].display_name == name
    assert msg["From"].addresses[0].addr_spec == "alerts@example.org"
    assert msg["Message-ID"] == "<0f1e2d3c4b5a69788796a5b4c3d2e1f0@example.org>"


def test_https_unsubscribe_adds_one_click_post(smtp_server):
    email_channel(smtp_server.port, unsubscribe="https://example.org/u/abc").send(digest(two_watchlist_item()))
    msg = smtp_server.sink.messages[0][1]
    assert msg["List-Unsubscribe"] == "<https://example.org/u/abc>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_hostile_notice_text_never_reaches_headers_or_html(smtp_server):
    evil = two_watchlist_item(title="Free\r\nBcc: victim@example.net\r\n\r\n<script>alert(1)</script>",
                              vendor_name="ACME\nX-Injected: yes <b>", url="javascript:alert(1)")
    assert email_channel(smtp_server.port).send(digest(evil)).ok
    [(rcpt, msg)] = smtp_server.sink.messages
    assert rcpt == ["ana@example.org"]
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert msg["Subject"] == "procwatch: 1 sole-source notice — HOMELAND SECURITY, DEPARTMENT OF › " \
                             "U.S. CUSTOMS AND BORDER PROTECTION: ACME X-Injected: yes <b>, $225,000"
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html and "ACME" in html and "&lt;b&gt;" in html


def test_smtp_down_is_a_failure_naming_the_server(smtp_server):
    port = free_port()  # nothing listens here
    result = email_channel(port).send(digest(two_watchlist_item()))
    assert not result.ok
    assert result.error.startswith(f"cannot send through SMTP server 127.0.0.1:{port}:")
    assert "refused" in result.error.lower()


def test_login_uses_credentials_from_the_environment_only(tmp_path):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    from conftest import SmtpSink

    def check(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"bot", b"s3cret")
        return AuthResult(success=ok, handled=False)

    sink, port = SmtpSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, authenticator=check, auth_require_tls=False)
    controller.start()
    try:
        channel = email_channel(port)
        channel.config = ChannelConfig("mail", "email", (), "instant", channel.config.options,
                                       {"smtp_user": "bot", "smtp_password": "wrong"})
        bad = channel.send(digest(two_watchlist_item()))
        channel.config = ChannelConfig("mail", "email", (), "instant", channel.config.options,
                                       {"smtp_user": "bot", "smtp_password": "s3cret"})
        good = channel.send(digest(two_watchlist_item()))
    finally:
        controller.stop()
    assert bad.error.startswith(f"SMTP server 127.0.0.1:{port} refused the login (535)") and "wrong" not in bad.error
    assert good.ok and len(sink.messages) == 1


@pytest.fixture
def tls_server(tmp_path):
    """aiosmtpd requiring STARTTLS with a self-signed certificate for 127.0.0.1."""
    from aiosmtpd.controller import Controller
    from conftest import SmtpSink
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink, port = SmtpSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
    controller.start()
    controller.sink, controller.cert = sink, cert
    yield controller
    controller.stop()


def test_starttls_verifies_the_certificate(tls_server):
    untrusted = email_channel(tls_server.port, smtp_security="starttls")
    result = untrusted.send(digest(two_watchlist_item()))
    assert not result.ok and "CERTIFICATE_VERIFY_FAILED" in result.error
    assert tls_server.sink.messages == []
    trusting = Email(untrusted.config, tls_context=ssl.create_default_context(cafile=str(tls_server.cert)))
    assert trusting.send(digest(two_watchlist_item())).ok
    assert len(tls_server.sink.messages) == 1


def test_update_subject_and_changed_line(smtp_server):
    update = Item(notice(1, amount=Decimal("250000.00")), 2, ["surveillance"], CLEARVIEW_HITS,
                  {"amount": ["225000.00", "250000.00"]})
    email_channel(smtp_server.port).send(digest(update))
    msg = smtp_server.sink.messages[0][1]
    assert msg["Subject"].startswith("procwatch: 1 sole-source notice (1 updated)")
    assert "Changed:  Amount: $225,000 → $250,000" in msg.get_body(("plain",)).get_content()
    assert "Amount: $225,000 → $250,000" in msg.get_body(("html",)).get_content()


MAIL = """[watchlists.w]
keywords = ["x"]

[channels.mail]
kind = "email"
smtp_host = "smtp.example.org"
from = "alerts@example.org"
"""


@pytest.mark.parametrize("extra, problem", [
    ('subscribers = [{ address = "not an address" }]', "channels.mail.subscribers.address: not an email address"),
    ('subscribers = [{ address = "a@example.org", watchlists = ["nope"] }]',
     "channels.mail.subscribers.watchlists: no watchlist named 'nope'"),
    ('subscribers = [{ address = "a@example.org", deliver = "daily 7am" }]',
     "channels.mail.subscribers.deliver: bad schedule 'daily 7am'"),
    ('subscribers = [{ address = "a@example.org", name = "A" }]', "channels.mail.subscribers.name: unknown key"),
    ('subscribers = ["a@example.org"]', "channels.mail.subscribers: must be a non-empty list of tables"),
    ('smtp_security = "tls"\nsubscribers = [{ address = "a@example.org" }]',
     "channels.mail.smtp_security: unknown 'tls'"),
    ('smtp_password = "hunter2"\nsubscribers = [{ address = "a@example.org" }]',
     "channels.mail.smtp_password: unknown key (secrets come from environment variables: use smtp_password_env)"),
    ("", "channels.mail.subscribers: must be a non-empty list of tables"),
    ('subscribers = [{ address = "a@example.org" }]\nreply_to = "a@example.org, b@example.org"',
     "channels.mail.reply_to: not an email address"),
])
def test_email_config_problems_are_reported_with_their_key(extra, problem):
    from bot.config import parse
    from bot.errors import ConfigError
    with pytest.raises(ConfigError) as e:
        parse(MAIL + extra + "\n", "f.toml", {})
    assert any(problem in line for line in e.value.problems), e.value.problems
    assert not any("hunter2" in line for line in e.value.problems)


def test_subscribers_inherit_the_channel_defaults_and_override_them():
    from bot.config import parse
    text = MAIL + 'deliver = "daily 07:00"\nsubscribers = [{ address = "a@example.org" },' \
                  ' { address = "b@example.org", deliver = "weekly mon 08:00", watchlists = [] }]\n'
    channel = Email(parse(text, "f.toml", {}).channels["mail"])
    assert [(r.id, r.watchlists, r.deliver) for r in channel.recipients()] == [
        ("a@example.org", ("w",), "daily 07:00"), ("b@example.org", (), "weekly mon 08:00")]


def test_test_reports_connect_tls_login_and_the_message_step_by_step(tls_server):
    """`procwatch test` on email: each step named; a bad certificate or login is the failing step."""
    untrusted = email_channel(tls_server.port, smtp_security="starttls")
    [(ok, line)] = untrusted.test()
    assert not ok and line.startswith(f"cannot send through SMTP server 127.0.0.1:{tls_server.port}:")
    assert "CERTIFICATE_VERIFY_FAILED" in line
    trusting = Email(ChannelConfig("mail", "email", (), "instant", untrusted.config.options,
                                   {"smtp_user": "bot", "smtp_password": "s3cret"}),
                     tls_context=ssl.create_default_context(cafile=str(tls_server.cert)))
    steps = trusting.test("ops@example.org")
    assert steps[0] == (True, f"connected to 127.0.0.1:{tls_server.port} with STARTTLS, certificate verified")
    assert steps[-1] == (False, f"SMTP server 127.0.0.1:{tls_server.port} refused the login (535): check the "
                                "variables named by smtp_user_env and smtp_password_env")  # no account here
    assert tls_server.sink.messages == []
    trusting.config = ChannelConfig("mail", "email", (), "instant", untrusted.config.options, {})
    assert trusting.test("ops@example.org")[-1] == (True, "test message accepted for ops@example.org")
    [(rcpt, msg)] = tls_server.sink.messages
    assert rcpt == ["ops@example.org"] and "test message for channel mail" in msg.get_body(("plain",)).get_content()
