"""The `procwatch` command: argument parsing and the one place errors become a clean line + exit code."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sqlite3
import sys

from . import __version__, redact
from .errors import BotError, ConfigError

log = logging.getLogger("procwatch")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser(_chosen(argv) or "")
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    _logging(args.verbose)
    try:
        return args.func(args)
    except ConfigError as e:
        for line in e.problems:
            print(line, file=sys.stderr)
        return 1
    except BotError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `procwatch status --json | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except sqlite3.DatabaseError as e:  # damaged, read-only, locked or unopenable: say which file and what to do
        log.debug("database error", exc_info=True)
        print(f"Error: {_database_problem(args, e)}", file=sys.stderr)
        return 1
    except Exception as e:  # last resort: one line, traceback only with -v
        log.debug("internal error", exc_info=True)
        print(redact.mask(f"Error: internal error: {type(e).__name__}: {e} (run with -v for details)"), file=sys.stderr)
        return 1


DATABASE_FIXES = (  # (words in SQLite's message, what the operator can do)
    (("readonly", "read-only"), "make the file and its folder writable for the user running procwatch"),
    (("locked", "busy"), "another procwatch (or an open sqlite3 session) is writing; wait, or stop the other one"),
    (("unable to open",), "check that its folder exists and this user may write there, or change [bot] database"),
    (("malformed", "not a database", "corrupt"),
     "run `procwatch db check`, then restore the last `procwatch db backup` or move the file away to start afresh"),
)


def _database_problem(args, error: Exception) -> str:
    """One line naming the database file, SQLite's words and the fix for that kind of problem."""
    try:
        from .config import config_path, load
        path = load(config_path(args.config)).bot.database
    except Exception:
        path = "the database"
    text = str(error)
    fix = next((fix for words, fix in DATABASE_FIXES if any(w in text.lower() for w in words)),
               "run `procwatch db check`")
    return f"cannot use the database {path}: {text} ({fix})"


def _chosen(argv: list[str]) -> str | None:
    """The command named in `argv` (so only its module is imported to build its arguments)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    pre.add_argument("-v", "--verbose", action="store_true")
    pre.add_argument("command", nargs="?")
    known, _ = pre.parse_known_args(argv)
    return known.command


def _arguments(module: str, name: str):
    """A command's argument builder, imported only when that command's parser is built."""
    def add(parser) -> None:
        getattr(importlib.import_module(f"bot.commands.{module}"), name)(parser)
    return add


def _digest_arguments(c) -> None:
    c.add_argument("channel", metavar="CHANNEL", help="a [channels.NAME] from feeds.toml")
    c.add_argument("--dry-run", action="store_true", help="print what would go out now; send and mark nothing")


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only`, the other commands' arguments are left out (start-up time:
    `procwatch --version` imports no command module)."""
    p = argparse.ArgumentParser(prog="procwatch", description="Catch sole-source government contracts "
                                "the day they are posted and tell the people watching.")
    p.add_argument("--version", action="version", version=f"procwatch {__version__}")
    p.add_argument("--config", metavar="PATH", help="configuration file (default: $PROCWATCH_CONFIG, "
                   "else ./feeds.toml)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging, with tracebacks")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    commands = [
        ("run", cmd_run, "run the bot: poll every source on its schedule and deliver alerts"),
        ("once", cmd_once, "poll every enabled source once, then deliver what is due"),
        ("check", cmd_check, "validate feeds.toml and the environment, print a summary"),
        ("status", cmd_status, "sources, outbox and digests on one screen; --check for health checks",
         _arguments("status", "arguments")),
        ("watch", cmd_watch, "list, add, remove or test watchlists (feeds.toml comments are kept)",
         _arguments("watch", "arguments")),
        ("search", cmd_search, "full-text search over stored notices, newest first",
         _arguments("search", "search_arguments")),
        ("show", cmd_show, "one notice: versions, verdict evidence, why it matched, where it went",
         _arguments("search", "show_arguments")),
        ("browse", cmd_browse, "browse the database in Datasette: descriptions and canned queries (extra 'browse')",
         _browse_arguments),
        ("backfill", cmd_backfill, "read a past window of one source (stores; alerts only with --alert)",
         _arguments("backfill", "arguments")),
        ("outbox", cmd_outbox, "list queued alerts and their state; `outbox retry ID…|--all` requeues dead letters",
         _arguments("outbox", "arguments")),
        ("test", cmd_test, "send a test message on one channel and report each step (exit 1 on failure)",
         lambda c: (c.add_argument("channel", metavar="CHANNEL", help="a [channels.NAME] from feeds.toml"),
                    c.add_argument("--to", metavar="ADDRESS", help="email: where to send it (default: the sender)"))),
        ("subscribers", cmd_subscribers, "email subscribers and who unsubscribed; --resubscribe ADDRESS",
         _arguments("subscribers", "arguments")),
        ("serve", cmd_serve, "serve the unsubscribe pages and /healthz behind your reverse proxy ([bot] public_url)",
         _arguments("serve", "arguments")),
        ("digest", cmd_digest, "show (--dry-run) or send now what one channel has waiting", _digest_arguments),
        ("db", cmd_db, "the database file: prune (retention), check (integrity), backup PATH",
         _arguments("db", "arguments")),
        ("init", cmd_init, "write a commented starter feeds.toml (never overwrites a file)",
         lambda c: c.add_argument("path", nargs="?", default="feeds.toml", metavar="PATH",
                                  help="where to write it (default: ./feeds.toml)")),
    ]
    for name, func, text, *arguments in commands:
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.set_defaults(func=func)
        for add in arguments:
            if only is None or only == name:
                add(cmd)
    return p


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s procwatch: %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose else logging.WARNING)
    for handler in logging.getLogger().handlers:  # every logger's lines, urllib3's and APScheduler's too
        redact.install(handler)
    logging.getLogger("urllib3").setLevel(logging.WARNING)  # its debug lines carry URLs with API keys


# Commands that poll, deliver or check: the ones a missing secret affects, so the ones that warn of it.
WARNING_COMMANDS = {"run", "once", "check", "backfill", "digest", "test", "serve"}


def _config(args):
    from .config import config_path, load
    config = load(config_path(args.config))
    if args.command in WARNING_COMMANDS:
        for warning in config.warnings:
            log.warning("%s", warning)
    return config


def _app(config):
    from .app import App
    from .http import Http
    return App(config, Http(contact=config.bot.contact))


def cmd_check(args) -> int:
    """Validate and summarise; exit 0 when the file is valid (disabled parts are warnings)."""
    from .config import format_duration
    from .digest import plural
    from .routing import receivers, unreached
    config = _config(args)
    print(f"{config.path}: OK")
    print(f"  database: {config.bot.database}")
    for s in config.sources.values():
        state = "enabled" if s.enabled else "DISABLED"
        print(f"  source   {s.name} ({s.kind}) every {format_duration(s.every)}, {state}, "
              f"{s.base_url or s.options.get('url', '')}")
    for w in config.watchlists.values():
        print(f"  watchlist {w.name}: {plural(len(w.vendors), 'vendor')}, {plural(len(w.keywords), 'keyword')}, "
              f"{plural(len(w.agencies), 'agency', 'agencies')}; verdicts {', '.join(w.competition)}; "
              f"to {'; '.join(receivers(config, w.name)) or 'no one'}")
    for c in config.channels.values():
        print(f"  channel  {c.name} ({c.kind}) {c.deliver}: {', '.join(c.watchlists) or 'no watchlists'}")
    if not any(s.enabled for s in config.sources.values()):
        print("  warning: no source is enabled; nothing will be polled")
    for name in unreached(config):
        print(f"  warning: watchlist {name} reaches no channel or subscriber; its matches are never sent")
    if not _writable(config.bot.database):
        raise BotError(f"cannot write the database {config.bot.database}",
                       "make its folder writable for this user, or change [bot] database")
    _sound(config.bot.database)
    print("  database opens, is sound (quick_check) and writable")
    return 0


def _writable(path: str) -> bool:
    """Whether the database (or the nearest existing folder above it) can be written."""
    target = os.path.abspath(path)
    while not os.path.exists(target):
        target = os.path.dirname(target)
    return os.access(target, os.W_OK)


def cmd_once(args) -> int:
    """Exit 0 when every source polled cleanly, 2 when at least one failed (the rest still ran)."""
    return _app(_config(args)).once()


def cmd_run(args) -> int:
    """Exit 0 after SIGTERM/SIGINT, 1 after a fatal error (the database or disk failed)."""
    from .scheduler import run
    config = _config(args)
    _sound(config.bot.database)
    return run(_app(config))


def _sound(path: str) -> None:
    """Refuse a damaged database (SQLite quick_check) or one that cannot take a write lock (read-only,
    locked: main's database error line names it), before the daemon starts or when `check` runs."""
    from .store import Database
    db = Database(path)
    try:
        problems = db.quick_check()
        if not problems:
            db.db.execute("BEGIN IMMEDIATE")
            db.db.execute("ROLLBACK")
    finally:
        db.close()
    if problems:
        raise BotError(f"the database {path} is damaged: {problems[0]}",
                       "see `procwatch db check`; restore the last `procwatch db backup` before starting")


def cmd_status(args) -> int:
    from .commands import status
    return status.main(args, _config(args), sys.stdout)


def cmd_watch(args) -> int:
    from .commands import watch
    return watch.main(args, _config(args), sys.stdout)


def cmd_search(args) -> int:
    from .commands import search
    return search.search(args, _config(args), sys.stdout)


def cmd_show(args) -> int:
    from .commands import search
    return search.show(args, _config(args), sys.stdout)


def _browse_arguments(parser) -> None:
    from . import browse
    browse.arguments(parser)


def cmd_browse(args) -> int:
    from . import browse
    return browse.main(args, _config(args), sys.stdout)


def cmd_backfill(args) -> int:
    from .commands import backfill
    return backfill.main(args, _app(_config(args)), sys.stderr)


def cmd_outbox(args) -> int:
    from .commands import outbox
    return outbox.main(args, _config(args), sys.stdout)


def cmd_subscribers(args) -> int:
    from .commands import subscribers
    return subscribers.main(args, _config(args), sys.stdout)


def cmd_serve(args) -> int:
    from .commands import serve
    return serve.main(args, _config(args))


def cmd_init(args) -> int:
    """Write the shipped example configuration to PATH; refuse when PATH exists (nothing is lost)."""
    from importlib.resources import files
    starter = files("bot").joinpath("templates", "feeds.toml").read_bytes()
    try:
        with open(args.path, "xb") as f:
            f.write(starter)
    except FileExistsError:
        raise BotError(f"{args.path} already exists; nothing was written", "give another PATH, or edit that file") from None
    except OSError as e:
        raise BotError(f"cannot write {args.path}: {e.strerror}", "choose a folder you can write to") from None
    print(f"wrote {args.path}: sources that need no key, one watchlist, the console channel")
    print(f"  next: edit it, then `procwatch --config {args.path} check` and `procwatch --config {args.path} run`")
    return 0


def cmd_db(args) -> int:
    from .commands import db
    return db.main(args, _config(args), sys.stdout, sys.stderr)


def _channel(app, name: str):
    """The channel named on the command line, or a clear error listing the configured ones."""
    channel = next((c for c in app.channels if c.name == name), None)
    if channel is None:
        raise BotError(f"no channel named {name!r}", "configured: " + (", ".join(c.name for c in app.channels) or "none"))
    return channel


def cmd_test(args) -> int:
    """Exit 0 when every step worked, 1 when one failed (it is named)."""
    steps = _channel(_app(_config(args)), args.channel).test(args.to)
    for ok, line in steps:
        print(f"{'ok' if ok else 'FAILED'}: {args.channel}: {line}")
    return 0 if all(ok for ok, _ in steps) else 1


def cmd_digest(args) -> int:
    """--dry-run prints what CHANNEL would send now (nothing changes); otherwise sends it now, due or not.
    Either way it then says what is still waiting (a retry's backoff, a schedule) and when it goes."""
    from .delivery import deliver, preview, waiting
    app = _app(_config(args))
    channel = _channel(app, args.channel)
    db = app.database()
    try:
        if args.dry_run:
            texts = preview(db, channel, app.clock())
        else:
            texts = deliver(db, [channel], app.clock(), app.config.bot.timezone, force=True)
        texts += waiting(db, channel, app.clock(), app.config.bot.timezone)
    finally:
        db.close()
    for text in texts:
        print(text)
    return 0
