"""`procwatch search QUERY` (full text over stored notices) and `procwatch show UID` (everything about one)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from ..config import Config
from ..digest import change_lines, clean, money, why
from .. import evidence
from ..errors import BotError
from ..flags import describe
from ..notice import COMPETITIONS
from ..store import Database


def search_arguments(parser) -> None:
    parser.add_argument("query", help="words to find in title, description, vendor and agency "
                        "(taken literally: punctuation and FTS operators are not syntax)")
    parser.add_argument("--source", help="only this source")
    parser.add_argument("--since", metavar="DATE", help="only notices posted on or after YYYY-MM-DD")
    parser.add_argument("--competition", choices=COMPETITIONS, help="only this verdict")
    parser.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def show_arguments(parser) -> None:
    parser.add_argument("uid", help="a notice uid (source:id) as printed by search, or its native id")
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.add_argument("--evidence", metavar="DIR", help="write the citation-ready evidence (source response as "
                        "received, SHA-256 sums, retrieval time and URL, provenance text) into the new folder DIR")


def search(args, config: Config, out) -> int:
    """Exit 0 with results, 1 when nothing matched (handy in scripts)."""
    db = Database(config.bot.database)
    try:
        rows = db.search(args.query, args.source, args.since, args.competition, args.limit)
        raised = {r["uid"]: db.flags(r["uid"]) for r in rows}
    finally:
        db.close()
    for r in rows:
        if args.json:
            print(json.dumps({k: r[k] for k in ("uid", "posted_at", "title", "agency", "vendor_name", "amount",
                                                "currency", "competition", "url")}
                             | {"flags": [f["flag"] for f in raised[r["uid"]]]}, ensure_ascii=False), file=out)
            continue
        amount = money(_decimal(r["amount"]), r["currency"])
        print(f"{r['posted_at'] or '?':10}  {r['competition']:11}  {clean(r['title'])}", file=out)
        print(f"{'':12} {r['uid']} · {clean(r['agency']) or 'agency not stated'} · "
              f"{clean(r['vendor_name']) or 'vendor not stated'} · {amount}", file=out)
    if not args.json:
        print(f"{len(rows)} notice{'' if len(rows) == 1 else 's'} found" +
              (" (more with --limit)" if len(rows) == args.limit else ""), file=out)
    return 0 if rows else 1


def show(args, config: Config, out) -> int:
    db = Database(config.bot.database)
    try:
        uid = _resolve(db, args.uid)
        if args.evidence:
            return evidence.command(db, uid, args.evidence, out)
        notice, versions, matches, deliveries = db.notice(uid), db.versions(uid), db.matches(uid), db.deliveries(uid)
        raised = db.flags(uid)
    finally:
        db.close()
    if args.json:
        print(json.dumps({"uid": uid, "notice": json.loads(notice.raw or "null"), "title": notice.title,
                          "competition": notice.competition, "evidence": notice.competition_evidence,
                          "flags": raised, "versions": versions, "matches": matches, "deliveries": deliveries},
                         ensure_ascii=False, indent=2, default=str), file=out)
        return 0
    p = lambda *parts: print(*parts, file=out)  # noqa: E731
    p(f"{uid}  {clean(notice.title)}")
    p(f"  agency:   {clean(' › '.join(notice.agency_path)) or 'not stated'}")
    p(f"  vendor:   {clean(notice.vendor_name) or 'not stated'}" + (f" ({', '.join(notice.vendor_ids)})" if notice.vendor_ids else ""))
    p(f"  amount:   {money(notice.amount, notice.currency)}")
    p(f"  posted:   {notice.posted_at or '?'}" + (f", awarded {notice.awarded_at}" if notice.awarded_at else ""))
    p(f"  type:     {notice.kind}" + (f" · ref {clean(notice.reference)}" if notice.reference else ""))
    p(f"  verdict:  {notice.competition.replace('_', ' ')}")
    for line in notice.competition_evidence:
        p(f"            - {clean(line)}")
    for line in flag_lines(raised):
        p(f"  flag:     {clean(line)}")
    p(f"  link:     {clean(notice.url)}")
    p("versions:")
    for v in versions:
        changes = change_lines({k: tuple(x) for k, x in json.loads(v["changes"] or "{}").items()})
        p(f"  v{v['version']} seen {v['seen_at']}" + (" (material update)" if v["material"] else "") +
          (": " + "; ".join(clean(c) for c in changes) if changes else (": first seen" if v["version"] == 1 else "")))
    p("matched:" + ("" if matches else " no watchlist"))
    for m in matches:
        for line in why({m["watchlist"]: json.loads(m["hits"])}):
            p(f"  v{m['version']} {clean(line)}")
    p("delivered:" + ("" if deliveries else " not queued for any channel"))
    for d in deliveries:
        who = d["channel"] + (f" → {d['recipient']}" if d["recipient"] else "")
        state = f"sent {d['sent_at']}" if d["state"] == "sent" else d["state"] + (f" ({d['attempts']} attempts: {d['last_error']})" if d["last_error"] else "")
        p(f"  v{d['version']} {who}: {state}")
    return 0


def flag_lines(raised: list[dict]) -> list[str]:
    """The notice's open red flags as lines (a window's days left counted from today)."""
    return [describe(r, date.today()) for r in raised]


def _resolve(db: Database, text: str) -> str:
    """The one stored uid `text` names (a full uid, a native id, or a unique uid prefix)."""
    if db.versions(text):
        return text
    found = db.uids_like(text)
    if len(found) == 1:
        return found[0]
    if not found:
        raise BotError(f"no stored notice {text!r}", "find one with `procwatch search WORDS`")
    raise BotError(f"{text!r} names {len(found)} notices ({', '.join(found[:3])}, …)", "give the full uid")


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(value) if value not in (None, "") else None
    except InvalidOperation:
        return None
