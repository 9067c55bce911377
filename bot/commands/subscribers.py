"""`procwatch subscribers [CHANNEL]`: every email subscriber and whether they unsubscribed; resubscribe one."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from .. import subscriptions
from ..config import Config
from ..errors import BotError
from ..store import Database


def arguments(parser) -> None:
    parser.add_argument("channel", nargs="?", metavar="CHANNEL", help="only this email channel")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resubscribe", metavar="ADDRESS", help="undo ADDRESS's unsubscription (needs CHANNEL)")
    group.add_argument("--unsubscribe", metavar="ADDRESS", help="unsubscribe ADDRESS by hand, e.g. after a "
                       "mailto: request (needs CHANNEL)")
    parser.add_argument("--json", action="store_true", help="print the list as JSON")


def main(args, config: Config, out) -> int:
    channels = [c for c in config.channels.values() if c.options.get("subscribers")]
    if args.channel:
        channels = [c for c in channels if c.name == args.channel]
        if not channels:
            raise BotError(f"no email channel with subscribers named {args.channel!r}",
                           "channels with subscribers: " + (", ".join(
                               c.name for c in config.channels.values() if c.options.get("subscribers")) or "none"))
    db = Database(config.bot.database)
    try:
        if args.resubscribe or args.unsubscribe:
            return _change(db, args, out)
        rows = _rows(db, channels)
    finally:
        db.close()
    if args.json:
        print(json.dumps(rows, indent=2), file=out)
    for r in [] if args.json else rows:
        state = (f"UNSUBSCRIBED {r['unsubscribed_at'][:16].replace('T', ' ')} ({r['how']})"
                 if r["unsubscribed_at"] else "subscribed")
        print(f"{r['channel']}  {r['address']:32} {state:40} {r['deliver']}: {', '.join(r['watchlists']) or '-'}",
              file=out)
    if not rows and not args.json:
        print("no email subscribers configured", file=out)
    return 0


def _rows(db: Database, channels) -> list[dict]:
    gone = subscriptions.unsubscribed(db)
    return [{"channel": c.name, "address": s["address"], "watchlists": list(s["watchlists"]), "deliver": s["deliver"],
             "unsubscribed_at": gone.get((c.name, s["address"]), {}).get("unsubscribed_at"),
             "how": gone.get((c.name, s["address"]), {}).get("how")}
            for c in channels for s in c.options["subscribers"]]


def _change(db: Database, args, out) -> int:
    if not args.channel:
        raise BotError("say which channel", "procwatch subscribers CHANNEL --resubscribe ADDRESS")
    if args.resubscribe:
        done = subscriptions.resubscribe(db, args.channel, args.resubscribe)
        print(f"{args.resubscribe} is subscribed to {args.channel} again" if done else
              f"{args.resubscribe} was not unsubscribed from {args.channel}; nothing changed", file=out)
        return 0 if done else 1
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    done = subscriptions.unsubscribe(db, args.channel, args.unsubscribe, "by the operator", stamp)
    print(f"{args.unsubscribe} is unsubscribed from {args.channel}" if done else
          f"{args.unsubscribe} was already unsubscribed from {args.channel}", file=out)
    return 0
