"""The feeds.toml checker: every key's type and value, with the line it is on, all problems at once.

It builds the frozen dataclasses of `bot.config`; kind-specific keys are checked against each
source's and channel's own OPTIONS / SECRETS / check_options.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from decimal import Decimal
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .config_types import (DAYS, BotConfig, ChannelConfig, Config, SourceConfig, Watchlist, parse_duration,
                           resolve_secret)
from . import redact
from .errors import ConfigError
from .notice import COMPETITIONS, FLAGS

BOT_KEYS = {"database": "state/procwatch.db", "first_run_alert_days": 7, "catch_up_days": -1, "contact": "",
            "timezone": "UTC", "public_url": "", "secret_env": "", "keep_unmatched_raw_days": 90,
            "keep_history_days": 365}  # catch_up_days -1: not set, so first_run_alert_days
SOURCE_KEYS = {"kind", "every", "base_url", "enabled", "failures_before_alert", "expect_new_within",
               "api_key_expires", "timeout", "redirect_hosts"}
WATCHLIST_LISTS = ("vendors", "keywords", "agencies", "exclude", "competition", "sources", "codes", "flags")
CHANNEL_KEYS = {"kind", "watchlists", "deliver", "operator", "allow_plaintext"}
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")  # a TOML bare key: no quoting needed, no spaces
DURATION = re.compile(r"^(?:\d+[smhd])+$")
DELIVER = re.compile(r"^(instant|hourly|daily ([01]\d|2[0-3]):[0-5]\d|weekly (%s) ([01]\d|2[0-3]):[0-5]\d)$"
                     % "|".join(DAYS))


class Validator:
    """Collects every problem, with the line it is on, while building the Config."""

    def __init__(self, text: str, path: str, env: Mapping[str, str]):
        self.path, self.env = path, env
        self.lines = _key_lines(text)
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def problem(self, keypath: tuple, message: str, hint: str = "") -> None:
        """Record `file:line: key: message (hint)`."""
        where = f"{self.path}:{self._line(keypath)}"
        self.problems.append(f"{where}: {'.'.join(keypath)}: {message}" + (f" ({hint})" if hint else ""))

    def _line(self, keypath: tuple) -> int:
        for n in range(len(keypath), 0, -1):
            if keypath[:n] in self.lines:
                return self.lines[keypath[:n]]
        return 1

    def config(self, data: dict) -> Config:
        from .notify import REGISTRY as CHANNEL_KINDS
        from .sources import REGISTRY as SOURCE_KINDS

        self._unknown((), data, {"bot", "sources", "watchlists", "channels", "aliases"})
        values = self._plain(("bot",), self._table(data, "bot"), BOT_KEYS)
        if values["catch_up_days"] == -1 and "catch_up_days" not in self._table(data, "bot"):
            values["catch_up_days"] = max(values["first_run_alert_days"], 0)
        bot = BotConfig(**values, secret=self._bot_secret(values))
        self._check_bot(bot)
        self.bot = bot
        sources = {n: self._source(n, t, SOURCE_KINDS) for n, t in self._named(data, "sources")}
        watchlists = {n: self._watchlist(n, t, sources) for n, t in self._named(data, "watchlists")}
        channels = {n: self._channel(n, t, CHANNEL_KINDS, watchlists) for n, t in self._named(data, "channels")}
        aliases = self._aliases(self._table(data, "aliases"))
        if self.problems:
            raise ConfigError(self.problems)
        return Config(self.path, bot, {k: v for k, v in sources.items() if v},
                      watchlists, {k: v for k, v in channels.items() if v}, aliases, tuple(self.warnings))

    def _table(self, data: dict, key: str, parent: tuple = ()) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.problem(parent + (key,), "must be a table", f"write [{'.'.join(parent + (key,))}]")
            return {}
        return value

    def _named(self, data: dict, section: str):
        for name, table in self._table(data, section).items():
            if isinstance(table, dict):
                yield name, table
            else:
                self.problem((section, name), "must be a table", f"write [{section}.{name}]")

    def _unknown(self, where: tuple, table: dict, allowed) -> None:
        for key in table:
            if key not in allowed:
                self.problem(where + (key,), "unknown key", _unknown_hint(key, allowed))

    def _plain(self, where: tuple, table: dict, defaults: dict) -> dict:
        """Type-check keys against `defaults` (the default's type is the expected type)."""
        self._unknown(where, table, defaults)
        out = dict(defaults)
        for key, default in defaults.items():
            if key in table and self._typed(where + (key,), table[key], default):
                out[key] = table[key]
        return out

    def _typed(self, keypath: tuple, value, default) -> bool:
        expected = type(default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            return True
        if isinstance(default, list):
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return True
            self.problem(keypath, f"must be a list of strings, not {_tname(value)}", 'e.g. ["a", "b"]')
            return False
        if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
            return True
        self.problem(keypath, f"must be {_tname(default)}, not {_tname(value)}")
        return False

    def _check_bot(self, bot: BotConfig) -> None:
        try:
            ZoneInfo(bot.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a directory
            self.problem(("bot", "timezone"), f"unknown timezone {bot.timezone!r}", "e.g. UTC, America/New_York")
        for key in ("first_run_alert_days", "catch_up_days", "keep_unmatched_raw_days", "keep_history_days"):
            if getattr(bot, key) < 0:
                self.problem(("bot", key), "must be 0 or more")

    def _bot_secret(self, values: dict) -> str:
        """The unsubscribe-link secret from the variable `secret_env` names; public_url needs it."""
        var, url = values["secret_env"], values["public_url"]
        if url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
            self.problem(("bot", "public_url"), f"bad URL {url!r}", "e.g. https://procwatch.example.org")
        if var and not re.fullmatch(r"[A-Z_][A-Z0-9_]*", var):
            self.problem(("bot", "secret_env"), "must name an environment variable in capitals", 'e.g. "PROCWATCH_SECRET"')
            return ""
        if url and not var:
            self.problem(("bot", "public_url"), "needs secret_env, the variable holding the secret that signs "
                         "unsubscribe links", 'add secret_env = "PROCWATCH_SECRET" and set it, e.g. `openssl rand -hex 32`')
        secret = resolve_secret(var, self.env) if var else None
        if url and var and not secret:  # like any missing secret: say so, keep running (mailto: links meanwhile)
            self.warnings.append(f"{self.path}:{self._line(('bot', 'secret_env'))}: bot.secret_env: {var} is not set; "
                                 "unsubscribe links are mailto: the sender until it is, and `procwatch serve` "
                                 f"will not start ({_secret_hint(var)})")
        return secret or ""

    def _kind(self, where: tuple, table: dict, registry: Mapping):
        kind = table.get("kind")
        if not isinstance(kind, str) or kind not in registry:
            self.problem(where + ("kind",), f"unknown kind {kind!r}" if kind else "missing",
                         "one of: " + ", ".join(sorted(registry)))
            return None
        return registry[kind]

    def _secrets(self, where: tuple, table: dict, names, required: bool = False) -> tuple[dict, str | None]:
        """Resolve each `NAME_env`; return (secrets, name of the first missing variable)."""
        secrets, missing = {}, None
        for name in names:
            var = table.get(f"{name}_env")
            if var is None:
                missing = missing or (f"{name}_env" if required else None)
                continue
            if not isinstance(var, str) or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", var):
                # The value is not echoed: it may be a pasted secret.
                self.problem(where + (f"{name}_env",), "must name an environment variable in capitals",
                             'e.g. "SAM_API_KEY"; the secret itself goes in that variable, not here')
                continue
            value = resolve_secret(var, self.env)
            if value is None:
                missing = missing or var
            else:
                secrets[name] = value
                redact.register(value)
        return secrets, missing

    def _options(self, where: tuple, table: dict, impl, common: set) -> dict:
        secret_keys = {f"{n}_env" for n in impl.SECRETS}
        self._unknown(where, table, common | set(impl.OPTIONS) | secret_keys)
        rest = {k: v for k, v in table.items() if k in impl.OPTIONS}
        out = dict(impl.OPTIONS)
        for key, value in rest.items():
            if self._typed(where + (key,), value, impl.OPTIONS[key]):
                out[key] = value
        for problem in impl.check_options(out):
            key, message = problem
            self.problem(where + (key,), message)
        return out

    def _source(self, name: str, table: dict, registry) -> SourceConfig | None:
        where = ("sources", name)
        impl = self._kind(where, table, registry)
        if impl is None:
            return None
        options = self._options(where, table, impl, SOURCE_KEYS)
        every = table.get("every", impl.EVERY)
        if not isinstance(every, str) or not DURATION.match(every) or parse_duration(every) <= 0:
            self.problem(where + ("every",), f"bad duration {every!r}", 'use s, m, h, d: "30m", "6h", "1d"')
            every = impl.EVERY
        base_url = table.get("base_url", impl.BASE_URL)
        if base_url == "" and "base_url" not in table and "url" not in impl.OPTIONS:
            self.problem(where + ("base_url",), "required for this kind", "the publisher's full http(s) address")
        elif base_url != "" and (not isinstance(base_url, str) or not re.match(r"^https?://[^/\s]+", base_url)):
            self.problem(where + ("base_url",), f"bad URL {base_url!r}", "scheme://host[:port]")
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            self.problem(where + ("enabled",), "must be true or false")
        secrets, missing = self._secrets(where, table, impl.SECRETS, required=True)
        if missing and enabled is True:
            enabled = False
            self.warnings.append(f"{self.path}:{self._line(where)}: sources.{name}: {missing} is not set; "
                                 f"source disabled ({_secret_hint(missing)})")
        return SourceConfig(name, impl.kind, parse_duration(every), str(base_url).rstrip("/"),
                            enabled is True, options, secrets, **self._health_keys(where, table))

    def _health_keys(self, where: tuple, table: dict) -> dict:
        """The common source keys that drive operator alerts (bot/health.py)."""
        out = {}
        failures = table.get("failures_before_alert", 3)
        if not isinstance(failures, int) or isinstance(failures, bool) or failures < 1:
            self.problem(where + ("failures_before_alert",), "must be a whole number of 1 or more")
        else:
            out["failures_before_alert"] = failures
        silent = table.get("expect_new_within")
        if silent is not None:
            if not isinstance(silent, str) or not DURATION.match(silent) or parse_duration(silent) <= 0:
                self.problem(where + ("expect_new_within",), f"bad duration {silent!r}", 'e.g. "3d", "12h"')
            else:
                out["expect_new_within"] = parse_duration(silent)
        expires = table.get("api_key_expires")
        if expires is not None:
            if type(expires) is not date:  # TOML local date; datetimes are not dates here
                self.problem(where + ("api_key_expires",), "must be a date", "e.g. api_key_expires = 2027-02-01")
            else:
                out["api_key_expires"] = expires
        return out | self._http_keys(where, table)

    def _http_keys(self, where: tuple, table: dict) -> dict:
        """The common source keys for its requests: `timeout` (whole request) and `redirect_hosts`."""
        out = {}
        timeout = table.get("timeout")
        if timeout is not None:
            seconds = parse_duration(timeout) if isinstance(timeout, str) and DURATION.match(timeout) else \
                timeout if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else 0
            if not 0 < seconds <= 3600:
                self.problem(where + ("timeout",), f"bad timeout {timeout!r}",
                             'seconds for one whole request, body included: e.g. 60 or "2m" (at most 1h)')
            else:
                out["timeout"] = float(seconds)
        hosts = table.get("redirect_hosts")
        if hosts is not None and self._typed(where + ("redirect_hosts",), hosts, []):
            out["redirect_hosts"] = tuple(h.lower() for h in hosts)
        return out

    def _watchlist(self, name: str, table: dict, sources: dict) -> Watchlist:
        where = ("watchlists", name)
        defaults = {k: [] for k in WATCHLIST_LISTS} | {"competition": ["sole_source"], "min_amount": 0.0}
        values = self._plain(where, table, defaults)
        for c in values["competition"]:
            if c not in COMPETITIONS:
                self.problem(where + ("competition",), f"unknown verdict {c!r}", "one of: " + ", ".join(COMPETITIONS))
        for s in values["sources"]:
            if s not in sources:
                self.problem(where + ("sources",), f"no source named {s!r}", "define [sources.%s]" % s)
        if not BARE_KEY.match(name):
            self.problem(where, f"bad watchlist name {name!r}", "use letters, digits, - and _ (e.g. facial-recognition)")
        for key in ("vendors", "keywords", "agencies", "exclude"):
            if any(not term.strip() for term in values[key]):
                self.problem(where + (key,), "empty term", "remove the empty string")
        for c in values["codes"]:
            if ":" not in c:
                self.problem(where + ("codes",), f"bad code {c!r}", 'write scheme:value, e.g. "naics:541511"')
        for f in values["flags"]:
            if f not in FLAGS:
                self.problem(where + ("flags",), f"unknown flag {f!r}", "one of: " + ", ".join(FLAGS))
        if not values["min_amount"] >= 0:  # also rejects nan
            self.problem(where + ("min_amount",), "must be 0 or more")
        lists = {k: tuple(values[k]) for k in WATCHLIST_LISTS}
        return Watchlist(name, min_amount=Decimal(str(values["min_amount"])), **lists)

    def _channel(self, name: str, table: dict, registry, watchlists: dict) -> ChannelConfig | None:
        where = ("channels", name)
        impl = self._kind(where, table, registry)
        if impl is None:
            return None
        options = self._options(where, {k: v for k, v in table.items() if k != "subscribers"}, impl,
                                CHANNEL_KEYS)
        names = table.get("watchlists", list(watchlists))
        if self._typed(where + ("watchlists",), names, []):
            for w in names:
                if w not in watchlists:
                    self.problem(where + ("watchlists",), f"no watchlist named {w!r}", f"define [watchlists.{w}]")
        deliver = table.get("deliver", "instant")
        if not isinstance(deliver, str) or not DELIVER.match(deliver):
            self.problem(where + ("deliver",), f"bad schedule {deliver!r}",
                         'use "instant", "hourly", "daily 07:00" or "weekly mon 07:00"')
        if "subscribers" in table or "subscribers" in impl.OPTIONS:
            options = {**options, "subscribers": self._subscribers(where, table.get("subscribers"), impl,
                                                                   watchlists, names, deliver)}
        secrets, missing = self._secrets(where, table, impl.SECRETS, required=impl.SECRETS_REQUIRED)
        if "unsubscribe" in impl.OPTIONS:  # per-subscriber signed links (bot/subscriptions.py)
            options, secrets = {**options, "public_url": self.bot.public_url}, {**secrets, "link_secret": self.bot.secret}
        if missing:  # a newcomer still sees output: this channel's digests go to the console
            self.warnings.append(f"{self.path}:{self._line(where)}: channels.{name}: {missing} is not set; "
                                 f"printing its digests on the console instead ({_secret_hint(missing)})")
            impl, options, secrets = registry["console"], {}, {}
        self._plaintext(where, table, impl, options, secrets)
        operator = table.get("operator", False)
        if not isinstance(operator, bool):
            self.problem(where + ("operator",), "must be true or false")
        return ChannelConfig(name, impl.kind, tuple(names) if isinstance(names, list) else (),
                             str(deliver), options, secrets, operator is True)

    def _plaintext(self, where: tuple, table: dict, impl, options: dict, secrets: dict) -> None:
        """Credentials in clear to another machine are refused unless the channel says `allow_plaintext`."""
        allow = table.get("allow_plaintext", False)
        if not isinstance(allow, bool):
            self.problem(where + ("allow_plaintext",), "must be true or false")
        if allow is True:
            return
        for key, message in impl.plaintext(options, secrets):
            self.problem(where + (key,), message, "use TLS (https://, starttls or ssl), or set "
                         "allow_plaintext = true on this channel if that network is trusted")

    def _subscribers(self, where: tuple, value, impl, watchlists: dict, names, deliver) -> list[dict]:
        """`subscribers = [{ address, watchlists, deliver }]`, each checked; channel defaults filled in."""
        where = where + ("subscribers",)
        if "subscribers" not in impl.OPTIONS:
            self.problem(where, "unknown key", "only email channels have subscribers")
            return []
        if not value or not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
            self.problem(where, "must be a non-empty list of tables", 'e.g. [{ address = "ana@example.org" }]')
            return []
        out = []
        for sub in value:
            self._unknown(where, sub, {"address", "watchlists", "deliver"})
            address, follows, when = sub.get("address"), sub.get("watchlists", names), sub.get("deliver", deliver)
            if not isinstance(address, str) or not re.fullmatch(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+", address):
                self.problem(where + ("address",), f"not an email address: {address!r}")
            if self._typed(where + ("watchlists",), follows, []):
                for w in follows:
                    if w not in watchlists:
                        self.problem(where + ("watchlists",), f"no watchlist named {w!r}", f"define [watchlists.{w}]")
            if not isinstance(when, str) or not DELIVER.match(when):
                self.problem(where + ("deliver",), f"bad schedule {when!r}",
                             'use "instant", "hourly", "daily 07:00" or "weekly mon 07:00"')
            out.append({"address": address, "watchlists": tuple(follows) if isinstance(follows, list) else (),
                        "deliver": str(when)})
        return out

    def _aliases(self, table: dict) -> dict:
        out = {}
        for acronym, names in table.items():
            if self._typed(("aliases", acronym), names, []):
                out[acronym] = tuple(names)
        return out


def _secret_hint(missing: str) -> str:
    """How to supply a missing secret: name a variable in feeds.toml, or set the variable."""
    if missing.endswith("_env"):
        return f'add {missing} = "VARIABLE_NAME" to this source and set that variable'
    return f"export {missing}=… or {missing}_FILE=path"


def _unknown_hint(key: str, allowed) -> str:
    """'did you mean keywords?' for a misspelt key; the secrets rule only for a secret-like key."""
    if _secretish(key):
        return "secrets come from environment variables: use " + key + "_env"
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.75)
    if close:
        return f"did you mean {close[0]}?"
    return "known keys: " + ", ".join(sorted(allowed))


def _secretish(key: str) -> bool:
    """api_key, slack_token, smtp_password ... (not `keywords`, whose typo deserves a spelling hint)."""
    return any(key == word or key.endswith("_" + word) for word in ("key", "token", "password", "secret"))


def _tname(value) -> str:
    names = {bool: "true/false", int: "a whole number", float: "a number", str: "a string",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _split_dotted(key: str) -> list[str]:
    return [p.strip().strip('"\'') for p in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', key)]


def _key_lines(text: str) -> dict[tuple, int]:
    """Map each table header and key (as a dotted path) to the first line it appears on."""
    lines: dict[tuple, int] = {}
    table: tuple = ()
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
        if header:
            table = tuple(_split_dotted(header.group(1)))
            for n in range(1, len(table) + 1):  # [sourcs.sam] puts `sourcs` on this line too
                lines.setdefault(table[:n], number)
            continue
        key = re.match(r"^([A-Za-z0-9_\-\"'. ]+?)\s*=", stripped)
        if key:
            lines.setdefault(table + tuple(_split_dotted(key.group(1))), number)
    return lines
