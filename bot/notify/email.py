"""The email channel: one multipart (text + HTML) digest per subscriber per period, over SMTP.

TLS is verified (`ssl.create_default_context()`), every connection has a timeout, and credentials
come only from the environment (platform notes §2). Notice text is HTML-escaped in the HTML part and
never reaches a header with a line break in it. The Message-ID is derived from the digest id, so a
digest resent after a lost confirmation carries the same Message-ID as the first attempt.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as email_policy
from email.utils import format_datetime

from jinja2 import Environment, PackageLoader, StrictUndefined

from .. import subscriptions
from ..digest import (Digest, change_lines, clean, headline, money, render_text, source_label, summary, tag,
                      why)
from .base import Channel, Recipient, Result, is_loopback, probe_digest

SECURITY = {"starttls": 587, "ssl": 465, "none": 25}
ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")

_html = Environment(loader=PackageLoader("bot", "templates"), undefined=StrictUndefined, autoescape=True,
                    trim_blocks=True, lstrip_blocks=True)
_text = Environment(loader=PackageLoader("bot", "templates"), undefined=StrictUndefined,
                    trim_blocks=True, lstrip_blocks=True)


def header(text, limit: int = 200) -> str:
    """Untrusted text made safe for a header: control characters and line breaks become spaces."""
    flat = " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", str(text or "")).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def web_url(url) -> str:
    """The URL when it is http(s), else '' (only web links go in an href)."""
    url = clean(url).strip()
    return url if url.lower().startswith(("http://", "https://")) and not re.search(r"\s", url) else ""


class Email(Channel):
    kind = "email"
    OPTIONS = {"smtp_host": "", "smtp_port": 0, "smtp_security": "starttls", "from": "", "reply_to": "",
               "unsubscribe": "", "subscribers": [], "timeout": 30.0}
    SECRETS = ("smtp_user", "smtp_password")

    def __init__(self, config, tls_context: ssl.SSLContext | None = None):
        super().__init__(config)
        opts = config.options
        self.host, self.security = opts["smtp_host"], opts["smtp_security"]
        self.port = opts["smtp_port"] or SECURITY.get(self.security, 25)
        self.tls_context = tls_context or ssl.create_default_context()

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = []
        if not options["smtp_host"]:
            problems.append(("smtp_host", "missing: the SMTP relay to send through, e.g. smtp.example.org"))
        if options["smtp_security"] not in SECURITY:
            problems.append(("smtp_security", f"unknown {options['smtp_security']!r} (one of: starttls, ssl, none)"))
        if not 0 <= options["smtp_port"] < 65536:
            problems.append(("smtp_port", "must be a port number"))
        for key in ("from", "reply_to"):
            if (options[key] or key == "from") and not mailbox(options[key]):
                problems.append((key, f"not an email address: {options[key]!r} "
                                      '(write alerts@example.org or "procwatch alerts <alerts@example.org>")'))
        unsub = options["unsubscribe"]
        if unsub and not re.match(r"^(mailto:[^\s<>]+|https://[^\s<>]+)$", unsub):
            problems.append(("unsubscribe", "must be mailto:ADDRESS or an https:// URL"))
        if not options["timeout"] > 0:
            problems.append(("timeout", "must be more than 0 seconds"))
        return problems

    @classmethod
    def plaintext(cls, options: dict, secrets: dict) -> list[tuple[str, str]]:
        """SMTP AUTH over an unencrypted connection to another machine sends the password in clear."""
        if options["smtp_security"] == "none" and secrets and not is_loopback(options["smtp_host"]):
            return [("smtp_security", f'"none" would send the SMTP login in clear to {options["smtp_host"]}')]
        return []

    def recipients(self) -> list[Recipient]:
        """One recipient per subscriber, with their own watchlists and schedule."""
        return [Recipient(s["address"], tuple(s["watchlists"]), s["deliver"])
                for s in self.config.options["subscribers"]]

    def send(self, digest: Digest) -> Result:
        """Hand the message to the relay; a refusal or an unreachable relay is a failure to retry."""
        message = self.message(digest)
        try:
            with self._connect() as smtp:
                self._login(smtp)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as e:  # refused, timeout, TLS verification failure
            return Result(False, self._error(e))
        mid = message["Message-ID"]
        return Result(True, message_ref=mid, threads={i.notice.uid: mid for i in digest.items})

    def test(self, to: str | None = None) -> list[tuple[bool, str]]:
        """Connect, TLS, login and a test message (to `to`, else the sender), each step reported."""
        steps: list[tuple[bool, str]] = []
        where, to = f"{self.host}:{self.port}", to or mailbox(self.config.options["from"])[1]
        try:
            with self._connect() as smtp:
                tls = {"ssl": "implicit TLS", "starttls": "STARTTLS"}.get(self.security)
                steps.append((True, f"connected to {where}" + (f" with {tls}, certificate verified" if tls else
                                                               " without TLS (smtp_security = \"none\")")))
                if self._login(smtp):
                    steps.append((True, f"login accepted for {self.config.secrets['smtp_user']}"))
                smtp.send_message(self.message(probe_digest(self.name, to)))
                steps.append((True, f"test message accepted for {to}"))
        except (smtplib.SMTPException, OSError) as e:
            steps.append((False, self._error(e)))
        return steps

    def _login(self, smtp: smtplib.SMTP) -> bool:
        """Log in when smtp_user is set; whether it was."""
        if not self.config.secrets.get("smtp_user"):
            return False
        smtp.login(self.config.secrets["smtp_user"], self.config.secrets.get("smtp_password", ""))
        return True

    def _error(self, e: Exception) -> str:
        """One clear line for an SMTP failure; credentials never appear in it."""
        where = f"SMTP server {self.host}:{self.port}"
        if isinstance(e, smtplib.SMTPAuthenticationError):
            return (f"{where} refused the login ({e.smtp_code}): check the variables named by smtp_user_env "
                    "and smtp_password_env")
        if isinstance(e, smtplib.SMTPRecipientsRefused):
            return f"{where} refused the recipient: {_reason(e.recipients)}"
        if isinstance(e, smtplib.SMTPResponseException):
            return f"{where} answered {e.smtp_code}: {_decode(e.smtp_error)}"
        return f"cannot send through {where}: {e}"

    def _connect(self) -> smtplib.SMTP:
        timeout = float(self.config.options["timeout"])
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=self.tls_context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=self.tls_context)
            except BaseException:
                smtp.close()
                raise
        return smtp

    def message(self, digest: Digest) -> EmailMessage:
        """The multipart/alternative message for one digest: headers, text part, HTML part."""
        opts = self.config.options
        msg = EmailMessage()
        msg["Subject"] = subject(digest)
        name, sender = mailbox(opts["from"])
        msg["From"] = Address(display_name=name or "procwatch", addr_spec=sender)
        msg["To"] = digest.recipient
        if opts["reply_to"]:
            msg["Reply-To"] = opts["reply_to"]
        sent = datetime.fromisoformat(digest.created_at) if digest.created_at else datetime.now(timezone.utc)
        msg["Date"] = format_datetime(sent)
        msg["Message-ID"] = message_id(digest.id, sender)
        replies_to = list(dict.fromkeys(i.thread for i in digest.items if i.thread.startswith("<")))
        if replies_to:  # an update threads under the mail that first alerted its notice
            msg["In-Reply-To"] = replies_to[0]
            msg["References"] = " ".join(replies_to)
        unsubscribe = self.unsubscribe_link(digest.recipient)
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        if unsubscribe.startswith(("https://", "http://")):  # RFC 8058 one-click
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        context = {"digest": digest, "unsubscribe": unsubscribe, "clean": clean, "money": money,
                   "why": why, "change_lines": change_lines, "web_url": web_url, "tag": tag, "summary": summary,
                   "source_label": source_label}
        msg.set_content(_text.get_template("email.txt.j2").render(**context, text=render_text(digest)))
        msg.add_alternative(_html.get_template("email.html.j2").render(**context), subtype="html")
        return msg

    def unsubscribe_link(self, address: str) -> str:
        """`unsubscribe` when the operator set one; else this subscriber's signed link to `procwatch serve`
        ([bot] public_url); else a mailto: to the sender with a subject naming the subscriber."""
        opts = self.config.options
        if opts["unsubscribe"]:
            return opts["unsubscribe"]
        if opts.get("public_url") and self.config.secrets.get("link_secret"):
            return subscriptions.link(opts["public_url"], self.config.secrets["link_secret"], self.name, address)
        return subscriptions.mailto(mailbox(opts["from"])[1], self.name, address)

    def preview(self, digest: Digest) -> str:
        """The headers and the plain-text part of the message that would be sent."""
        msg = self.message(digest)
        head = "".join(f"{k}: {v}\n" for k, v in msg.items() if k.lower() not in ("content-type", "mime-version"))
        return head + "\n" + msg.get_body(("plain",)).get_content()


def mailbox(value: str) -> tuple[str, str] | None:
    """(display name, address) of `alerts@example.org` or `procwatch alerts <alerts@example.org>`; None if bad."""
    if not value or re.search(r"[\r\n]", value):
        return None
    parsed = email_policy.header_factory("From", value)
    if parsed.defects or len(parsed.addresses) != 1 or not ADDRESS.match(parsed.addresses[0].addr_spec):
        return None
    return parsed.addresses[0].display_name, parsed.addresses[0].addr_spec


def message_id(digest_id: str, sender: str) -> str:
    """The deterministic Message-ID of a digest: a resend carries the same one."""
    return f"<{digest_id}@{sender.rsplit('@', 1)[1]}>"


def subject(digest: Digest) -> str:
    """`procwatch: 2 sole-source notices — HOMELAND SECURITY › U.S. CUSTOMS AND BORDER PROTECTION:
    CLEARVIEW AI, INC., $225,000 (+1 more)`: the lead item's agency (not its office), vendor and amount."""
    n = len(digest.items)
    if digest.notes and not n:
        return header(f"procwatch operator alert: {digest.notes[0]}")
    updates = sum(1 for i in digest.items if i.changes)
    count = f"{n} sole-source {'notice' if n == 1 else 'notices'}" + (f" ({updates} updated)" if updates else "")
    lead_line = headline(digest.items)
    return header(f"procwatch: {count}" + (f" — {lead_line}" if lead_line else ""), 300)


def _reason(recipients: dict) -> str:
    return "; ".join(f"{addr} ({code} {_decode(text)})" for addr, (code, text) in recipients.items())


def _decode(text) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
