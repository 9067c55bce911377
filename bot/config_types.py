"""The configuration's frozen dataclasses and its value helpers (durations, secrets).

Sources, channels and the feeds.toml checker import these from here, not from `bot.config`, so
loading the configuration (config → config_check → a kind's module) never imports itself back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class BotConfig:
    database: str = "state/procwatch.db"
    first_run_alert_days: int = 7
    catch_up_days: int = 7  # a changed watchlist is matched against notices stored this many days back
    contact: str = ""
    timezone: str = "UTC"
    public_url: str = ""  # where `procwatch serve` is reached (unsubscribe links); "" → mailto: links
    secret_env: str = ""  # the variable holding the HMAC secret that signs unsubscribe links
    secret: str = field(default="", repr=False)  # its value
    keep_unmatched_raw_days: int = 90  # raw records of never-matched notices (0 = forever)
    keep_history_days: int = 365  # sent/dead outbox rows, digests, closed incidents (0 = forever)


@dataclass(frozen=True)
class SourceConfig:
    """One `[sources.NAME]` table; `options` holds the kind-specific keys with defaults filled."""

    name: str
    kind: str
    every: float = 3600.0  # seconds
    base_url: str | None = None
    enabled: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    failures_before_alert: int = 3  # consecutive failed polls that raise an operator alert
    expect_new_within: float | None = None  # seconds without a new notice that raise an alert
    api_key_expires: date | None = None  # warn operators 14 days ahead
    timeout: float | None = None  # seconds for one whole request (body included); None: the client's default
    redirect_hosts: tuple[str, ...] = ()  # other hosts this source may be redirected to


@dataclass(frozen=True)
class Watchlist:
    """One `[watchlists.NAME]` table (DESIGN §7)."""

    name: str
    vendors: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    competition: tuple[str, ...] = ("sole_source",)
    min_amount: Decimal = Decimal(0)
    sources: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()  # "naics:541511", "psc:R408", "cpv:72000000"
    flags: tuple[str, ...] = ()  # red flags (bot/flags.py): at least one must be raised


@dataclass(frozen=True)
class ChannelConfig:
    """One `[channels.NAME]` table; `options` holds the kind-specific keys with defaults filled."""

    name: str
    kind: str
    watchlists: tuple[str, ...] = ()
    deliver: str = "instant"
    options: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    operator: bool = False  # receives source-health and config-reload alerts


@dataclass(frozen=True)
class Config:
    path: str
    bot: BotConfig
    sources: Mapping[str, SourceConfig]
    watchlists: Mapping[str, Watchlist]
    channels: Mapping[str, ChannelConfig]
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # agency aliases added by the user
    warnings: tuple[str, ...] = ()  # e.g. a source disabled because its secret is missing


def parse_duration(value: str) -> float:
    """'30m' → 1800.0; combinations like '1h30m' are allowed."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return float(sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smhd])", value)))


def format_duration(seconds: float) -> str:
    """1800.0 → '30m', 5400.0 → '1h30m': durations shown the way feeds.toml writes them."""
    rest, out = int(seconds), ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            out += f"{rest // size}{unit}"
            rest %= size
    return out or "0s"


def resolve_secret(name: str, env: Mapping[str, str]) -> str | None:
    """The secret in env var NAME, or in the file named by NAME_FILE (Docker secrets)."""
    if env.get(name):
        return env[name]
    file = env.get(f"{name}_FILE")
    if file:
        try:
            return open(file, encoding="utf-8").read().strip() or None
        except OSError:
            return None
    return None
