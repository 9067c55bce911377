"""feeds.toml → frozen dataclasses (the public configuration contract).

Every problem is reported as `feeds.toml:LINE: key: problem (hint)`, all at once; secrets are read
only from the environment variables the file names (`*_env`, or `NAME_FILE` holding a path).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from .errors import ConfigError


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


# ---------------------------------------------------------------------------------------------
# Loading and validation

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def config_path(cli_path: str | None = None) -> str:
    """`--config PATH`, else `$PROCWATCH_CONFIG`, else `./feeds.toml`."""
    return cli_path or os.environ.get("PROCWATCH_CONFIG") or "feeds.toml"


def load(path: str, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate feeds.toml; raise ConfigError listing every problem with its line."""
    try:
        text = read_regular(path).decode("utf-8")
    except OSError as e:
        raise ConfigError([f"{path}: cannot read: {e.strerror} (create it, or pass --config PATH)"])
    except UnicodeDecodeError as e:
        raise ConfigError([f"{path}: cannot read: not UTF-8 text at byte {e.start} (save it as UTF-8)"])
    return parse(text, path, os.environ if env is None else env)


def read_regular(path: str) -> bytes:
    """The bytes of a regular file; a FIFO, device or directory is refused without blocking on it."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = "a FIFO" if stat.S_ISFIFO(mode) else "a directory" if stat.S_ISDIR(mode) else "a device or socket"
            raise OSError(errno.EINVAL, f"it is {what}, not a regular file; point it at a plain file")
        with os.fdopen(fd, "rb", closefd=True) as f:
            fd = -1
            return f.read()
    finally:
        if fd >= 0:
            os.close(fd)


def parse(text: str, path: str, env: Mapping[str, str]) -> Config:
    """Validate TOML text; the whole file is checked before anything is reported."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        line = re.search(r"line (\d+)", str(e))
        raise ConfigError([f"{path}:{line.group(1) if line else 1}: syntax: {e} (check quotes and brackets)"])
    from .config_check import Validator  # the checker builds these dataclasses
    config = Validator(text, path, env).config(data)
    return replace(config, bot=replace(config.bot, database=database_path(config.bot.database, path)))


def database_path(database: str, config_file: str) -> str:
    """A relative `database` is relative to feeds.toml's folder, so a cron job run elsewhere finds it."""
    if os.path.isabs(database) or database == ":memory:":
        return database
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(config_file)), database))


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


