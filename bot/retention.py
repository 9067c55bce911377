"""Retention: what `[bot] keep_unmatched_raw_days` and `keep_history_days` let go, applied once a
day by the daemon and on demand by `procwatch db prune`. Matched notices and their history are
kept forever; every notice row (its fields, versions and what changed) is kept whatever its age."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from .config import BotConfig
from .store import Database


def cutoff(now: datetime, days: int) -> str | None:
    """The timestamp before which history older than `days` goes; None when kept forever (0)."""
    return (now - timedelta(days=days)).isoformat(timespec="seconds") if days else None


def prune(db: Database, bot: BotConfig, now: datetime, progress=None, full_vacuum: bool = False) -> dict:
    """Apply the policy; `progress(done, total)` is told as raw records are dropped. Returns a summary."""
    before = file_size(bot.database)
    summary = {"raw records": 0}
    if raw_before := cutoff(now, bot.keep_unmatched_raw_days):
        for done, total, dropped in db.prune_raw(raw_before):
            summary["raw records"] += dropped
            if progress:
                progress(done, total)
    if history_before := cutoff(now, bot.keep_history_days):
        summary |= db.prune_history(history_before)
    summary["space"] = db.shrink(full_vacuum)
    summary["bytes before"], summary["bytes after"] = before, file_size(bot.database)
    return summary


def file_size(path: str) -> int:
    """The database's bytes on disk, with its write-ahead log."""
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def describe(summary: dict) -> str:
    """One line for the log and the terminal."""
    dropped = ", ".join(f"{n:,} {what}" for what, n in summary.items() if isinstance(n, int)
                        and not what.startswith("bytes"))
    mib = lambda n: f"{n / 2**20:,.1f} MiB"  # noqa: E731
    return (f"pruned {dropped}; {summary['space']}; {mib(summary['bytes before'])} → "
            f"{mib(summary['bytes after'])}")
