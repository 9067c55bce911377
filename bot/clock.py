"""The wall clock, in one place so every command reads the same time and tests can set it."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    """Now, timezone-aware UTC (tests patch `bot.clock.utc_now`)."""
    return datetime.now(timezone.utc)
