"""What every channel provides: its config keys, its recipients, and `send(digest)`.

`send` never raises for a delivery failure: it returns a Result saying sent, failed (with the
reason) or retry after N seconds, and the outbox keeps the rows until they are delivered.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar

from ..config_types import ChannelConfig
from ..digest import Digest, render_text


@dataclass(frozen=True)
class Result:
    ok: bool
    error: str = ""
    retry_after: float | None = None
    message_ref: str = ""
    threads: dict[str, str] = field(default_factory=dict)  # uid → message that alerted it (Slack ts)


def probe_digest(channel: str, recipient: str) -> Digest:
    """The message `procwatch test` sends: no notice, one line saying where it came from."""
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return Digest(f"test-{uuid.uuid4().hex}", channel, recipient, [], created_at=stamp,
                  notes=[f"test message for channel {channel}, sent by `procwatch test` at {stamp[:16]}Z"])


@dataclass(frozen=True)
class Recipient:
    """Who one digest goes to, which watchlists they follow, and when they get it."""

    id: str
    watchlists: tuple[str, ...]
    deliver: str


class Channel:
    """Base class: subclasses set the class attributes and implement `send`."""

    kind: ClassVar[str]
    OPTIONS: ClassVar[dict[str, Any]] = {}
    SECRETS: ClassVar[tuple[str, ...]] = ()
    SECRETS_REQUIRED: ClassVar[bool] = False  # True: without them the channel falls back to the console

    def __init__(self, config: ChannelConfig):
        self.config = config
        self.name = config.name

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        """(key, problem) pairs for option values that have the right type but a bad value."""
        return []

    @classmethod
    def plaintext(cls, options: dict, secrets: dict) -> list[tuple[str, str]]:
        """(key, problem) pairs where credentials or digests would cross the network unencrypted."""
        return []

    def recipients(self) -> list[Recipient]:
        """One recipient (the channel itself) unless the channel has subscribers."""
        return [Recipient("", self.config.watchlists, self.config.deliver)]

    def send(self, digest: Digest) -> Result:
        raise NotImplementedError

    def test(self, to: str | None = None) -> list[tuple[bool, str]]:
        """Send a test message; (ok, what happened) per step, for `procwatch test CHANNEL`."""
        result = self.send(probe_digest(self.name, to or ""))
        return [(result.ok, "test message delivered" if result.ok else result.error)]

    def preview(self, digest: Digest) -> str:
        """What `send` would deliver, as text (for `procwatch digest --dry-run`)."""
        return render_text(digest)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (plaintext to them never leaves the machine)."""
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
