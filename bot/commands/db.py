"""`procwatch db prune|check|backup`: the operator's tools for the database file."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from ..config import Config
from ..errors import BotError
from ..store import Database


def arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("prune", help="apply [bot] keep_unmatched_raw_days / keep_history_days now and shrink "
                       "the file (the daemon does it daily)", description="apply the retention policy now")
    p.add_argument("--no-vacuum", action="store_true",
                   help="skip the one-time full VACUUM an older database needs to shrink (it rewrites the file)")
    sub.add_parser("check", help="SQLite quick_check of the database (exit 1 when damaged)")
    p = sub.add_parser("backup", help="copy the database to PATH with SQLite's online backup (safe while "
                       "`procwatch run` writes)")
    p.add_argument("path", metavar="PATH", help="a new file to write")


def main(args, config: Config, out, err) -> int:
    return {"prune": _prune, "check": _check, "backup": _backup}[args.action](args, config, out, err)


def _prune(args, config: Config, out, err) -> int:
    from ..retention import describe, prune
    bot = config.bot
    print(f"{bot.database}: raw records of unmatched notices kept {_days(bot.keep_unmatched_raw_days)}, "
          f"delivery and health history kept {_days(bot.keep_history_days)}", file=out)
    db = Database(bot.database)
    if not db.incremental_vacuum() and not args.no_vacuum:
        print("  this database predates incremental vacuum: after pruning, a one-time full VACUUM rewrites the"
              " file (it needs free disk about the database's size; --no-vacuum skips it)", file=out)
    try:
        summary = prune(db, bot, datetime.now(timezone.utc), _progress(err), full_vacuum=not args.no_vacuum)
    finally:
        db.close()
    print(file=err)
    print(describe(summary), file=out)
    return 0


def _days(days: int) -> str:
    return f"{days} days" if days else "forever"


def _progress(err):
    def show(done: int, total: int) -> None:
        print(f"\r  notices scanned: {done:,}/{total:,} ({100 * done // max(total, 1)}%)", end="", file=err,
              flush=True)
    return show


def _check(args, config: Config, out, err) -> int:
    db = Database(config.bot.database)
    try:
        problems = db.quick_check()
        notices = db.count("notices")
    finally:
        db.close()
    if problems:
        for line in problems:
            print(f"  {line}", file=out)
        raise BotError(f"the database {config.bot.database} is damaged (quick_check found {len(problems)} problems)",
                       "stop procwatch, restore the last `procwatch db backup`, or try `sqlite3 FILE .recover`")
    print(f"{config.bot.database}: ok ({notices:,} notices, {os.path.getsize(config.bot.database) / 2**20:,.1f} MiB)",
          file=out)
    return 0


def _backup(args, config: Config, out, err) -> int:
    if os.path.exists(args.path):
        raise BotError(f"{args.path} already exists", "give a new file name; a backup never overwrites")
    db = Database(config.bot.database)
    try:
        db.backup(args.path, lambda status, remaining, total: print(
            f"\r  pages copied: {total - remaining:,}/{total:,}", end="", file=err, flush=True))
    except Exception:
        if os.path.exists(args.path):
            os.remove(args.path)  # never leave half a backup that looks like one
        raise
    finally:
        db.close()
    print(file=err)
    print(f"backed up {config.bot.database} to {args.path} ({os.path.getsize(args.path) / 2**20:,.1f} MiB)", file=out)
    return 0
