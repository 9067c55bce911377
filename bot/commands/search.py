"""`procwatch search QUERY` (full text over stored notices) and `procwatch show UID` (everything about one)."""

from __future__ import annotations

import json
from datetime import date, timedelta

from .. import clock
from ..config import Config
from ..digest import change_lines, clean, money, why
from ..errors import BotError
from . import iso_date
from ..flags import describe
from ..match import AGENCY_ALIASES
from ..notice import COMPETITIONS
from ..routing import receivers
from ..store import Database, amount_of

BEST = 1_000  # matches ranked by `search --best` (the newest ones; 10,000 take ~0.5 s at 200k notices)

SHOWN_DISCOUNTS = 10  # a form full of clause titles would otherwise bury the rest of `show`


def search_arguments(parser) -> None:
    parser.add_argument("words", nargs="+", metavar="WORDS", help="words to find in title, description, vendor and "
                        "agency, all of them (taken literally: punctuation and FTS operators are not syntax); "
                        "an agency acronym also finds the agency's names (ICE: Immigration and Customs Enforcement)")
    parser.add_argument("--source", help="only this source (a [sources.NAME] of feeds.toml)")
    parser.add_argument("--since", metavar="DATE", type=iso_date, help="only notices posted on or after YYYY-MM-DD")
    parser.add_argument("--until", metavar="DATE", type=iso_date, help="only notices posted on or before YYYY-MM-DD")
    parser.add_argument("--competition", choices=COMPETITIONS, help="only this verdict")
    parser.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    parser.add_argument("--best", type=int, nargs="?", const=BEST, default=0, metavar="K",
                        help=f"best match first, ranked among the newest K matches (default K {BEST:,}); "
                        "without it, newest first (fast however common the words)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def show_arguments(parser) -> None:
    parser.add_argument("uid", help="a notice uid (source:id) as printed by search, or its native id")
    parser.add_argument("--json", action="store_true", help="print as JSON")
    parser.add_argument("--evidence", metavar="DIR", help="write the citation-ready evidence (source response as "
                        "received, SHA-256 sums, retrieval time and URL, provenance text) into the new folder DIR")


def search(args, config: Config, out) -> int:
    """Exit 0 with results, 1 when nothing matched (handy in scripts)."""
    query = " ".join(args.words).strip()
    if not any(c.isalnum() for c in query):
        raise BotError(f"nothing to search for in {query!r}", "give words, e.g. procwatch search facial recognition")
    _check_source(config, args.source)
    before = (date.fromisoformat(args.until) + timedelta(days=1)).isoformat() if args.until else None
    db = Database(config.bot.database)
    try:
        rows = db.search(phrases(query, config.aliases), args.source, args.since, args.competition, args.limit,
                         args.best, before)
        raised = {r["uid"]: db.flags(r["uid"]) for r in rows}
    finally:
        db.close()
    for r in rows:
        if args.json:
            print(json.dumps({k: r[k] for k in ("uid", "posted_at", "title", "agency", "vendor_name", "amount",
                                                "currency", "competition", "url")}
                             | {"flags": [f["flag"] for f in raised[r["uid"]]]}, ensure_ascii=False), file=out)
            continue
        amount = money(amount_of(r["amount"]), r["currency"])
        print(f"{r['posted_at'] or '?':10}  {r['competition']:11}  {clean(r['title'])}", file=out)
        print(f"{'':12} {r['uid']} · {clean(r['agency']) or 'agency not stated'} · "
              f"{clean(r['vendor_name']) or 'vendor not stated'} · {amount}", file=out)
    if not args.json:
        print(f"{len(rows)} notice{'' if len(rows) == 1 else 's'} found" +
              (" (more with --limit)" if len(rows) == args.limit else ""), file=out)
    return 0 if rows else 1


def phrases(query: str, aliases) -> list[str]:
    """The query, plus the agency names an acronym stands for (as watchlists match them)."""
    key = query.strip().upper()
    names = dict(AGENCY_ALIASES) | {k.upper(): tuple(v) for k, v in aliases.items()}
    return [query, *names.get(key, ())]


def _check_source(config: Config, source: str | None) -> None:
    """An unknown --source is an error naming the known ones (stored notices carry these names)."""
    known = set(config.sources) | {s.options["notice_source"] for s in config.sources.values()
                                   if s.options.get("notice_source")}
    if source is not None and source not in known:
        raise BotError(f"no source named {source!r}", "known: " + (", ".join(sorted(known)) or "none"))


def show(args, config: Config, out) -> int:
    from ..classify import explain  # show's own: the classifier is not search's
    db = Database(config.bot.database)
    try:
        uid = _resolve(db, args.uid)
        if args.evidence:
            from .. import evidence  # --evidence's own (attachments, email parsing): not every show's
            return evidence.command(db, uid, args.evidence, out)
        notice, versions, matches, deliveries = db.notice(uid), db.versions(uid), db.matches(uid), db.deliveries(uid)
        raised = db.flags(uid)
    finally:
        db.close()
    if args.json:
        print(json.dumps({"uid": uid, **_normalised(notice), "notice": json.loads(notice.raw or "null"),
                          "evidence": notice.competition_evidence,
                          "discounted": explain(notice).discounted, "flags": raised,
                          "versions": versions, "matches": matches, "deliveries": deliveries},
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
    discounted = explain(notice).discounted
    if discounted:
        p("  discounted (cues that are not statements about this procurement):")
    for line in discounted[:SHOWN_DISCOUNTS]:
        p(f"            - {clean(line)}")
    if len(discounted) > SHOWN_DISCOUNTS:
        p(f"            … and {len(discounted) - SHOWN_DISCOUNTS} more (all of them with --json)")
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
    for name in sorted({m["watchlist"] for m in matches}):
        if name in config.watchlists:
            p(f"  {name} goes to: {'; '.join(receivers(config, name)) or 'no one (no channel or subscriber receives it)'}")
    p("delivered:" + ("" if deliveries else " not queued for any channel"))
    for d in deliveries:
        who = d["channel"] + (f" → {d['recipient']}" if d["recipient"] else "")
        state = f"sent {d['sent_at']}" if d["state"] == "sent" else d["state"] + (f" ({d['attempts']} attempts: {d['last_error']})" if d["last_error"] else "")
        p(f"  v{d['version']} {who}: {state}")
    return 0


def _normalised(notice) -> dict:
    """The fields procwatch derived from the raw record, as `search --json` prints them."""
    return {"source": notice.source, "native_id": notice.native_id, "kind": notice.kind, "title": notice.title,
            "agency": " › ".join(notice.agency_path), "agency_path": list(notice.agency_path),
            "vendor_name": notice.vendor_name, "vendor_ids": list(notice.vendor_ids),
            "amount": float(notice.amount) if notice.amount is not None else None, "currency": notice.currency,
            "posted_at": notice.posted_at, "awarded_at": notice.awarded_at, "reference": notice.reference,
            "competition": notice.competition, "url": notice.url}


def flag_lines(raised: list[dict]) -> list[str]:
    """The notice's open red flags as lines (a window's days left counted from today)."""
    return [describe(r, clock.utc_now().date()) for r in raised]


def _resolve(db: Database, text: str) -> str:
    """The one stored uid `text` names (a full uid, a native id, or a unique uid prefix)."""
    if db.versions(text):
        return text
    found = db.uids_like(text)
    if len(found) == 1:
        return found[0]
    if not found:
        raise BotError(f"no stored notice {text!r}", "find one with `procwatch search WORDS`")
    raise BotError(f"{text!r} names {len(found)} notices ({', '.join(found[:3])}{', …' if len(found) > 3 else ''})",
                   "give one of those uids")
