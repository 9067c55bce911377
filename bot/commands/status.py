"""`procwatch status`: sources, outbox and digests on one screen; `--json`; `--check` for health checks."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from .. import clock, health, outbox, reconcile, redact
from ..config import Config
from ..store import Database

HEARTBEAT_STALE = timedelta(minutes=5)  # the daemon writes one a minute


def arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print the same facts as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 when something is unhealthy "
                        "(a source incident, dead letters, a stalled daemon); for Docker HEALTHCHECK")


def main(args, config: Config, out, now: datetime | None = None) -> int:
    now = now or clock.utc_now()
    db = Database(config.bot.database)
    try:
        facts = collect(db, config, now)
    finally:
        db.close()
    if args.json:
        print(json.dumps(facts, indent=2, ensure_ascii=False), file=out)
    elif not args.check or facts["problems"]:
        print(render(facts), file=out)
    return 1 if args.check and facts["problems"] else 0


def collect(db: Database, config: Config, now: datetime) -> dict:
    """Everything status shows, as plain data; `problems` lists what makes --check fail."""
    rows = {h["source"]: h for h in db.health()}
    incidents = db.incidents()
    new_today = db.new_since(now.date().isoformat())
    sources = [_source(db, s, rows.get(s.name, {}), incidents, new_today.get(s.name, 0), now)
               for s in config.sources.values()]
    backlog = outbox.backlog(db)
    heartbeat = db.meta("heartbeat")
    problems = [i["message"] for i in incidents if i["source"] in config.sources]
    channels = outbox.channel_health(db, config.channels)
    problems += outbox.channel_problems(channels)
    started = db.meta("started_at")
    problems += [line for s in config.sources.values()
                 if (line := health.stalled(s, rows.get(s.name), now, started, health.waiting(db, s.name, now)))
                 and line not in problems]
    if backlog.get("dead"):
        problems.append(f"{backlog['dead']} alerts could not be delivered (dead letters)")
    if heartbeat and now - datetime.fromisoformat(heartbeat) > HEARTBEAT_STALE:
        problems.append(f"the daemon's last heartbeat was at {heartbeat[:19]}: is `procwatch run` running?")
    return redact.mask_data({
        "now": now.isoformat(timespec="seconds"), "config": config.path, "database": config.bot.database,
        "heartbeat": heartbeat, "sources": sources, "outbox": backlog, "channels": channels,
        "dead_letters": db.dead_letters(),
        "digests": db.last_digests(), "reload_dropped": reconcile.last_drop(db), "problems": problems})


def _source(db: Database, source, row: dict, incidents: list[dict], new_today: int, now: datetime) -> dict:
    attempt = row.get("last_attempt_at")
    mine = [i["kind"] for i in incidents if i["source"] == source.name]
    notes = health.source_notes(db, source, now)
    state = ("disabled" if not source.enabled else ", ".join(mine) if mine else
             "never polled" if not attempt else "rate limited" if notes["rate_limited_until"] else
             "failing" if row.get("consecutive_failures") else "ok")
    due = (datetime.fromisoformat(attempt) + timedelta(seconds=source.every)).isoformat(timespec="seconds") \
        if attempt and source.enabled else None
    spent = health.budget(db, source, now) if source.enabled else None
    return {"name": source.name, "kind": source.kind, "state": state, "last_attempt": attempt,
            "last_ok": row.get("last_ok_at"), "last_new": row.get("last_new_at"), "next_due": due,
            "failures": row.get("consecutive_failures") or 0, "last_error": row.get("last_error"),
            "new_today": new_today, "budget_used": spent[0] if spent else None,
            "budget_limit": spent[1] if spent else None, "descriptions": _descriptions(db, source.name, now)} \
        | notes


def _descriptions(db: Database, name: str, now: datetime) -> dict | None:
    """Today's description plan: {read, left} (left = candidates waiting for budget), else None."""
    plan = json.loads(db.meta(f"descriptions:{name}") or "{}")
    return {"read": plan["read"], "left": plan["left"]} if plan.get("day") == now.date().isoformat() else None


def render(facts: dict) -> str:
    """One screen of text."""
    lines = [f"procwatch status at {facts['now'][:16]}Z · {facts['config']} · {facts['database']}",
             "", f"{'SOURCE':16} {'STATE':14} {'LAST OK':17} {'NEXT DUE':17} {'FAILS':>5} {'NEW TODAY':>9} BUDGET"]
    for s in facts["sources"]:
        budget = f"{s['budget_used']}/{s['budget_limit']}" if s["budget_limit"] else "-"
        lines.append(f"{s['name'][:16]:16} {s['state'][:14]:14} {_t(s['last_ok']):17} {_t(s['next_due']):17} "
                     f"{s['failures']:>5} {s['new_today']:>9} {budget}")
        if s["descriptions"]:
            lines.append(f"{'':17}descriptions: {s['descriptions']['read']} read, "
                         f"{s['descriptions']['left']} left for budget")
        if s["last_error"]:
            lines.append(f"{'':17}last error: {s['last_error'][:100]}")
        if s["rate_limited_until"]:
            skipped = f"; {s['rate_limit_skips']} polls skipped, not counted as failures" if s["rate_limit_skips"] else ""
            lines.append(f"{'':17}rate limited until {_t(s['rate_limited_until'])} (the server's Retry-After){skipped}")
        if s["overlaps"]:
            lines.append(f"{'':17}polls overlap: {s['overlaps']} skipped while the previous poll ran "
                         f"(last {_t(s['last_overlap'])}); consider a longer `every` or a shorter `timeout`")
    box = facts["outbox"]
    lines += ["", "outbox: " + (", ".join(f"{n} {state}" for state, n in sorted(box.items())) or "empty")]
    lines += [outbox.describe(c) for c in facts["channels"]]
    for d in facts["dead_letters"]:
        lines.append(f"  dead: {d['uid']} → {d['channel']}{' → ' + d['recipient'] if d['recipient'] else ''}: "
                     f"{(d['last_error'] or '')[:80]}")
    lines.append("last digests: " + ("none yet" if not facts["digests"] else ""))
    for d in facts["digests"]:
        lines.append(f"  {d['channel']}{' → ' + d['recipient'] if d['recipient'] else ''}: {_t(d['sent_at'])} "
                     f"({d['digests']} sent)")
    lines.append(f"daemon heartbeat: {_t(facts['heartbeat']) if facts['heartbeat'] else 'never (procwatch run not started)'}")
    if drop := facts["reload_dropped"]:
        gone = "; ".join(f"{k} {', '.join(v)}" for k, v in drop.items() if k != "at" and v)
        lines.append(f"last configuration change dropped {gone} (at {_t(drop['at'])})")
    lines.append("")
    lines += [f"UNHEALTHY: {p}" for p in facts["problems"]] or ["healthy"]
    return "\n".join(lines)


def _t(stamp: str | None) -> str:
    return stamp[:16].replace("T", " ") if stamp else "-"
