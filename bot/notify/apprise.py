"""The Apprise channel: digests delivered through the Apprise library to any URL it supports
(Microsoft Teams, Telegram, Matrix, Mattermost, Discord, ntfy, plain JSON/form webhooks …).

The URLs hold tokens, so they come only from the environment (`urls_env`, several separated by
spaces or commas). The digest is sent as plain text (Apprise converts it for each service), cut
into parts of at most `max_chars` characters, at most one part a second. Notice text cannot ping
anyone: `@everyone`, `@here`, `@channel`, `@all` and `<@…>`/`<!…>` mentions are neutralised.
Apprise cannot look a message up afterwards, so a digest whose confirmation was lost is sent
again (at least once, like email); a failed part makes the outbox retry the whole digest.
"""

from __future__ import annotations

import logging
import re
import time

from ..digest import Digest, headline, plural, render_text
from .base import Channel, Result

log = logging.getLogger("procwatch")
MENTION = re.compile(r"@(?=(everyone|here|channel|all|room)\b)|<(?=[@!#])", re.I)
ZWSP = "\u200b"  # breaks a mention without changing what a reader sees
EXTRA = "the apprise channel needs the Apprise library: pip install 'procwatch[apprise]'"


def _library():
    """The apprise module, imported only by a configured apprise channel (it is an optional extra)."""
    import apprise
    return apprise


def inert(text: str) -> str:
    """Mentions made harmless: `@everyone` → `@\u200beveryone`, `<!channel>` → `<\u200b!channel>`."""
    return MENTION.sub(lambda m: m.group(0) + ZWSP, text)


class Apprise(Channel):
    kind = "apprise"
    OPTIONS = {"max_chars": 4000, "pace": 1.0, "timeout": 30.0}
    SECRETS = ("urls",)
    SECRETS_REQUIRED = True

    def __init__(self, config, sleep=time.sleep, clock=time.monotonic):
        super().__init__(config)
        self.sleep, self.clock = sleep, clock
        self._last: float | None = None

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = []
        try:
            _library()
        except ImportError:
            problems.append(("kind", EXTRA))
        if not 500 <= options["max_chars"] <= 100_000:
            problems.append(("max_chars", "must be between 500 and 100000 characters"))
        if not 0 <= options["pace"] <= 60:
            problems.append(("pace", "must be between 0 and 60 seconds"))
        if not options["timeout"] > 0:
            problems.append(("timeout", "must be more than 0 seconds"))
        return problems

    def _client(self):
        """An Apprise object for the configured URLs (an unsupported one is an error naming its scheme)."""
        client = _library().Apprise()
        timeout = float(self.config.options["timeout"])
        for url in re.split(r"[\s,]+", self.config.secrets.get("urls", "").strip()):
            if url and not client.add(url + ("&" if "?" in url else "?") + f"rto={timeout:g}&cto={timeout:g}"):
                raise ValueError(f"Apprise does not support the URL scheme {url.split(':', 1)[0]!r}")
        if not len(client):
            raise ValueError("no Apprise URL: set the variable named by urls_env")
        return client

    def send(self, digest: Digest) -> Result:
        """Every part through every URL; a failure (with Apprise's own reason) is retried by the outbox."""
        try:
            client = self._client()
        except ImportError:
            return Result(False, EXTRA)
        except ValueError as e:
            return Result(False, str(e))
        apprise = _library()
        parts = split(inert(render_text(digest)), int(self.config.options["max_chars"]))
        title = inert(title_of(digest))
        for n, body in enumerate(parts, 1):
            self._pace()
            with apprise.LogCapture(level=logging.WARNING) as captured:
                ok = client.notify(body=body, title=title + (f" ({n}/{len(parts)})" if len(parts) > 1 else ""),
                                   body_format=apprise.NotifyFormat.TEXT)
            if not ok:
                reason = " ".join(captured.getvalue().split())[-300:] or "no reason given"
                return Result(False, f"Apprise could not deliver part {n} of {len(parts)}: {reason}")
        return Result(True, message_ref=f"{len(parts)} part{'s' if len(parts) > 1 else ''}")

    def _pace(self) -> None:
        pace = float(self.config.options["pace"])
        if self._last is not None and (wait := self._last + pace - self.clock()) > 0:
            self.sleep(wait)
        self._last = self.clock()


def title_of(digest: Digest) -> str:
    """`procwatch: 2 sole-source notices — HOMELAND SECURITY › CBP: CLEARVIEW AI, INC., $225,000 (+1 more)`."""
    if not digest.items:
        return "procwatch operator alert" if digest.notes else "procwatch"
    lead = headline(digest.items)
    return f"procwatch: {plural(len(digest.items), 'sole-source notice')}" + (f" — {lead}" if lead else "")


def split(text: str, limit: int) -> list[str]:
    """Cut at item boundaries (blank lines) into parts of at most `limit` characters; an overlong
    paragraph is cut hard."""
    parts, current = [], ""
    for block in re.split(r"(?<=\n)\n", text):
        while len(block) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(block[:limit])
            block = block[limit:]
        if current and len(current) + len(block) > limit:
            parts.append(current)
            current = ""
        current += block
    return [p.strip("\n") for p in parts + [current] if p.strip()]
