"""Unsubscriptions (RFC 2369 / RFC 8058): signed per-subscriber links, and the database rows that
override feeds.toml's subscriber lists in delivery.

A link carries the channel and the address, signed with HMAC-SHA256 under `[bot] secret_env`'s
secret: one per subscriber and channel, not guessable, and any change to it fails verification.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

from .store import Database

SIGNATURE_CHARS = 43  # the whole SHA-256 MAC, base64url without padding


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: bytes) -> str:
    return _b64(hmac.new(secret.encode(), b"procwatch-unsubscribe\0" + payload, hashlib.sha256).digest())


def token(secret: str, channel: str, address: str) -> str:
    """`PAYLOAD.SIGNATURE` naming one subscriber of one channel."""
    payload = f"{channel}\0{address}".encode()
    return f"{_b64(payload)}.{_mac(secret, payload)}"


def verify(secret: str, value: str) -> tuple[str, str] | None:
    """(channel, address) of a genuine token; None for anything forged, altered or malformed."""
    payload_part, _, signature = (value or "").partition(".")
    try:
        payload = _unb64(payload_part)
    except ValueError:
        return None
    if not secret or len(signature) != SIGNATURE_CHARS or not hmac.compare_digest(signature, _mac(secret, payload)):
        return None
    channel, sep, address = payload.decode("utf-8", "replace").partition("\0")
    return (channel, address) if sep else None


def link(public_url: str, secret: str, channel: str, address: str) -> str:
    """The https link a subscriber follows (and RFC 8058 one-click POSTs) to unsubscribe."""
    return f"{public_url.rstrip('/')}/unsubscribe/{token(secret, channel, address)}"


def mailto(sender: str, channel: str, address: str) -> str:
    """Without public_url: a mail to the sender whose subject says who wants to leave which list."""
    return f"mailto:{sender}?subject={quote(f'unsubscribe {address} from {channel}')}"


# -- the database ------------------------------------------------------------------------------

def unsubscribe(db: Database, channel: str, address: str, how: str, now: str) -> bool:
    """Record that `address` left `channel`; its queued alerts are cancelled. False if it already had."""
    with db.transaction():
        added = db.db.execute("INSERT INTO unsubscriptions (channel, recipient, unsubscribed_at, how)"
                              " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", (channel, address, now, how)).rowcount
        db.db.execute("UPDATE outbox SET state = 'unsubscribed' WHERE channel = ? AND recipient = ?"
                      " AND state = 'pending'", (channel, address))
    return added == 1


def resubscribe(db: Database, channel: str, address: str) -> bool:
    """Undo an unsubscription (feeds.toml's list applies again); False when there was none."""
    with db.transaction():
        return db.db.execute("DELETE FROM unsubscriptions WHERE channel = ? AND recipient = ?",
                             (channel, address)).rowcount == 1


def unsubscribed(db: Database, channel: str | None = None) -> dict[tuple[str, str], dict]:
    """(channel, address) → {unsubscribed_at, how} for every unsubscription (of one channel)."""
    rows = db.rows("SELECT * FROM unsubscriptions" + (" WHERE channel = ?" if channel else ""),
                   (channel,) if channel else ())
    return {(r["channel"], r["recipient"]): r for r in rows}
