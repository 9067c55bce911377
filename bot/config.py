"""feeds.toml → frozen dataclasses (the public configuration contract).

Every problem is reported as `feeds.toml:LINE: key: problem (hint)`, all at once; secrets are read
only from the environment variables the file names (`*_env`, or `NAME_FILE` holding a path).
The dataclasses live in `bot.config_types` (re-exported here); the checker in `bot.config_check`.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tomllib
from dataclasses import replace
from typing import Mapping

from .config_check import Validator
from .config_types import (DAYS, BotConfig, ChannelConfig, Config, SourceConfig, Watchlist,  # noqa: F401
                           format_duration, parse_duration, resolve_secret)
from .errors import ConfigError


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
    config = Validator(text, path, env).config(data)
    return replace(config, bot=replace(config.bot, database=database_path(config.bot.database, path)))


def database_path(database: str, config_file: str) -> str:
    """A relative `database` is relative to feeds.toml's folder, so a cron job run elsewhere finds it."""
    if os.path.isabs(database) or database == ":memory:":
        return database
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(config_file)), database))
