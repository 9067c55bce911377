"""The `procwatch` command: argument parsing and the one place errors become a clean line + exit code."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from . import __version__
from .commands import backfill, search, status, watch
from .config import Config, config_path, format_duration, load
from .errors import BotError, ConfigError
from .http import Http

log = logging.getLogger("procwatch")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
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
    except Exception as e:  # last resort: one line, traceback only with -v
        log.debug("internal error", exc_info=True)
        print(f"Error: internal error: {type(e).__name__}: {e} (run with -v for details)", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
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
         status.arguments),
        ("watch", cmd_watch, "list, add, remove or test watchlists (feeds.toml comments are kept)",
         watch.arguments),
        ("search", cmd_search, "full-text search over stored notices", search.search_arguments),
        ("show", cmd_show, "one notice: versions, verdict evidence, why it matched, where it went",
         search.show_arguments),
        ("browse", cmd_browse, "browse the database in Datasette: descriptions and canned queries (extra 'browse')",
         _browse_arguments),
        ("backfill", cmd_backfill, "read a past window of one source (stores; alerts only with --alert)",
         backfill.arguments),
        ("digest", cmd_digest, "show (--dry-run) or send now what one channel has waiting",
         lambda c: (c.add_argument("channel", metavar="CHANNEL", help="a [channels.NAME] from feeds.toml"),
                    c.add_argument("--dry-run", action="store_true",
                                   help="print what would go out now; send and mark nothing"))),
    ]
    for name, func, text, *arguments in commands:
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.set_defaults(func=func)
        for add in arguments:
            add(cmd)
    return p


def _logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s procwatch: %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose else logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)  # its debug lines carry URLs with API keys


def _config(args) -> Config:
    config = load(config_path(args.config))
    for warning in config.warnings:
        log.warning("%s", warning)
    return config


def _app(config: Config):
    from .app import App
    return App(config, Http(contact=config.bot.contact))


def cmd_check(args) -> int:
    """Validate and summarise; exit 0 when the file is valid (disabled parts are warnings)."""
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
    return run(_app(_config(args)))


def cmd_status(args) -> int:
    return status.main(args, _config(args), sys.stdout)


def cmd_watch(args) -> int:
    return watch.main(args, _config(args), sys.stdout)


def cmd_search(args) -> int:
    return search.search(args, _config(args), sys.stdout)


def cmd_show(args) -> int:
    return search.show(args, _config(args), sys.stdout)


def _browse_arguments(parser) -> None:
    from . import browse
    browse.arguments(parser)


def cmd_browse(args) -> int:
    from . import browse
    return browse.main(args, _config(args), sys.stdout)


def cmd_backfill(args) -> int:
    return backfill.main(args, _app(_config(args)), sys.stderr)


def cmd_digest(args) -> int:
    """--dry-run prints what CHANNEL would send now (nothing changes); otherwise sends it now, due or not."""
    from .delivery import deliver, preview
    app = _app(_config(args))
    channel = next((c for c in app.channels if c.name == args.channel), None)
    if channel is None:
        raise BotError(f"no channel named {args.channel!r}",
                       "configured: " + (", ".join(c.name for c in app.channels) or "none"))
    db = app.database()
    try:
        if args.dry_run:
            texts = preview(db, channel, app.clock())
        else:
            texts = deliver(db, [channel], app.clock(), app.config.bot.timezone, force=True)
    finally:
        db.close()
    for text in texts:
        print(text)
    return 0
