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
from email.utils import format_datetime

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..digest import Digest, change_lines, clean, money, render_text, top, why
from .base import Channel, Recipient, Result, is_loopback

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
            if (options[key] or key == "from") and not ADDRESS.match(options[key]):
                problems.append((key, f"not an email address: {options[key]!r}"))
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
        where = f"{self.host}:{self.port}"
        try:
            with self._connect() as smtp:
                if self.config.secrets.get("smtp_user"):
                    smtp.login(self.config.secrets["smtp_user"], self.config.secrets.get("smtp_password", ""))
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as e:
            return Result(False, f"SMTP server {where} refused the login ({e.smtp_code}): check the variables "
                                 "named by smtp_user_env and smtp_password_env")
        except smtplib.SMTPRecipientsRefused as e:
            return Result(False, f"SMTP server {where} refused the recipient: {_reason(e.recipients)}")
        except smtplib.SMTPResponseException as e:
            return Result(False, f"SMTP server {where} answered {e.smtp_code}: {_decode(e.smtp_error)}")
        except (smtplib.SMTPException, OSError) as e:  # refused, timeout, TLS verification failure
            return Result(False, f"cannot send through SMTP server {where}: {e}")
        return Result(True, message_ref=message["Message-ID"])

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
        msg["From"] = Address(display_name="procwatch", addr_spec=opts["from"])
        msg["To"] = digest.recipient
        if opts["reply_to"]:
            msg["Reply-To"] = opts["reply_to"]
        sent = datetime.fromisoformat(digest.created_at) if digest.created_at else datetime.now(timezone.utc)
        msg["Date"] = format_datetime(sent)
        msg["Message-ID"] = f"<{digest.id}@{opts['from'].rsplit('@', 1)[1]}>"
        if opts["unsubscribe"]:
            msg["List-Unsubscribe"] = f"<{opts['unsubscribe']}>"
            if opts["unsubscribe"].startswith("https://"):
                msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        context = {"digest": digest, "unsubscribe": opts["unsubscribe"], "clean": clean, "money": money,
                   "why": why, "change_lines": change_lines, "web_url": web_url}
        msg.set_content(_text.get_template("email.txt.j2").render(**context, text=render_text(digest)))
        msg.add_alternative(_html.get_template("email.html.j2").render(**context), subtype="html")
        return msg

    def preview(self, digest: Digest) -> str:
        """The headers and the plain-text part of the message that would be sent."""
        msg = self.message(digest)
        head = "".join(f"{k}: {v}\n" for k, v in msg.items() if k.lower() not in ("content-type", "mime-version"))
        return head + "\n" + msg.get_body(("plain",)).get_content()


def subject(digest: Digest) -> str:
    """`procwatch: 2 sole-source notices — CLEARVIEW AI, INC. · U.S. CUSTOMS AND BORDER PROTECTION`."""
    n = len(digest.items)
    if digest.notes and not n:
        return header(f"procwatch operator alert: {digest.notes[0]}")
    who = " · ".join(p for p in (top(digest.items, "vendor_name"), top(digest.items, "agency")) if p)
    updates = sum(1 for i in digest.items if i.changes)
    count = f"{n} sole-source {'notice' if n == 1 else 'notices'}" + (f" ({updates} updated)" if updates else "")
    return header(f"procwatch: {count}" + (f" — {who}" if who else ""))


def _reason(recipients: dict) -> str:
    return "; ".join(f"{addr} ({code} {_decode(text)})" for addr, (code, text) in recipients.items())


def _decode(text) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
