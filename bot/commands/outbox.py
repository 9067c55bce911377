"""`procwatch outbox [list]` shows queued alerts; `procwatch outbox retry [ID…|--all]` requeues dead letters."""

from __future__ import annotations

import json

from .. import outbox
from ..config import Config
from ..errors import BotError
from ..store import Database

STATES = ("pending", "sending", "sent", "dead", "unsubscribed")  # unsubscribed: cancelled by an unsubscribe


def arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    p = sub.add_parser("list", help="queued alerts, newest first (the default action)")
    _filters(p)
    p = sub.add_parser("retry", help="requeue dead letters (by ID, or --all) for the next delivery",
                       description="requeue dead letters: they get a fresh set of attempts and go with the "
                                   "next delivery (run `procwatch digest CHANNEL` to send them now)")
    p.add_argument("ids", nargs="*", type=int, metavar="ID", help="outbox row ids, as `procwatch outbox` lists them")
    p.add_argument("--all", action="store_true", help="every dead letter (of --channel, if given)")
    p.add_argument("--channel", metavar="NAME", help="only this channel's rows")
    _filters(parser)


def _filters(parser) -> None:
    parser.add_argument("--state", choices=STATES, help="only rows in this state (default: all but sent)")
    parser.add_argument("--channel", metavar="NAME", help="only this channel's rows")
    parser.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")


def main(args, config: Config, out) -> int:
    db = Database(config.bot.database)
    try:
        if args.action == "retry":
            return _retry(db, args, out)
        return _list(db, args, out)
    finally:
        db.close()


def _list(db: Database, args, out) -> int:
    rows = outbox.rows(db, args.state, args.channel, args.limit)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False), file=out)
        return 0
    if not rows:
        print("outbox: nothing " + (args.state or "waiting") + (f" for {args.channel}" if args.channel else ""),
              file=out)
        return 0
    print(f"{'ID':>6} {'STATE':8} {'TRIES':>5} {'NEXT ATTEMPT':16} {'CHANNEL → RECIPIENT':28} NOTICE", file=out)
    for r in rows:
        who = r["channel"] + (f" → {r['recipient']}" if r["recipient"] else "")
        due = r["next_attempt_at"][:16].replace("T", " ") if r["state"] == "pending" else "-"
        print(f"{r['id']:>6} {r['state']:8} {r['attempts']:>5} {due:16} {who[:28]:28} {r['uid']} v{r['version']}",
              file=out)
        if r["last_error"] and r["state"] != "sent":
            print(f"{'':7}last error: {r['last_error'][:160]}", file=out)
    return 0


def _retry(db: Database, args, out) -> int:
    if not args.ids and not args.all:
        raise BotError("say which dead letters to retry", "give row IDs (see `procwatch outbox --state dead`) or --all")
    requeued, problems = outbox.requeue(db, args.ids or None, args.channel)
    for line in problems:
        print(line, file=out)
    print(f"requeued {requeued} dead {'letter' if requeued == 1 else 'letters'}; they go with the next delivery"
          " (`procwatch digest CHANNEL` sends now)" if requeued else "nothing requeued", file=out)
    return 1 if problems else 0
