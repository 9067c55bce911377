"""Re-poll: a second poll over unchanged data writes nothing new and sends nothing.

Data: bench/ingest.py's pages (recorded fixtures of seven source kinds, ids varied; 20,000
records by default) and bench/match.py's 1,000 watchlist terms; a console channel following every
watchlist, writing to memory. Two polls of every source over the same pages, each followed by a
delivery, on one database.
Counted: rows added or changed in notices (other than last_seen_at), notice_versions, matches,
outbox and digests, and messages sent, after each poll; the full-text index's own records and
bytes (notices_fts_data: the churn an update trigger on last_seen_at used to cause, 3.3 MB per
20,000 unchanged notices); the second poll's time relative to the first's. Targets: 0 rows, 0
index bytes and 0 messages on the second poll.
Usage: .venv/bin/python bench/repoll.py [--notices 20000]   (BENCH_CODE=/tmp/pw-old: an older checkout,
as bench/ingest.py's --old)
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest  # noqa: E402

from bot.config import ChannelConfig  # noqa: E402
from bot.delivery import deliver  # noqa: E402
from bot.notify.console import Console  # noqa: E402
from bot.pipeline import run_source  # noqa: E402
from bot.store import Database  # noqa: E402

TABLES = ("notice_versions", "matches", "outbox", "digests")
CONTENT = "SELECT count(*), coalesce(sum(length(content_hash) + version), 0) FROM notices"


def state(db: Database) -> dict:
    """Row counts of the tables a poll adds to, and a checksum of the notices' content and versions."""
    counts = {t: db.count(t) for t in TABLES}
    counts["notices"], counts["notices_checksum"] = db.db.execute(CONTENT).fetchone()
    counts["fts_records"], counts["fts_bytes"] = db.db.execute(
        "SELECT count(*), coalesce(sum(length(block)), 0) FROM notices_fts_data").fetchone()
    return counts


def poll(cfg, db: Database, work: dict, matcher, routes, console: Console, stamp) -> tuple[float, int]:
    """Every source once over its pages, then delivery: (seconds, messages sent)."""
    started = time.perf_counter()
    for kind in ingest.KINDS:
        source = ingest.replay(cfg, kind.source, db, iter(work[kind.source]), ingest.decoder(kind))
        result = run_source(db, source, matcher, routes, cfg.bot.first_run_alert_days, stamp)
        if result.error:
            raise SystemExit(f"{kind.source}: {result.error}")
    sent = deliver(db, [console], stamp)
    return time.perf_counter() - started, sum(1 for line in sent if "delivered" in line)


def changed(before: dict, after: dict) -> int:
    """Rows added, plus notices whose content or version changed (0 when nothing new was stored)."""
    added = sum(after[t] - before[t] for t in (*TABLES, "notices"))
    return added + (after["notices_checksum"] != before["notices_checksum"] and after["notices"] == before["notices"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=20_000)
    args = parser.parse_args()
    work = {k.source: list(ingest.bodies(k, n)) for k, n in ingest.plan(args.notices)}
    with tempfile.TemporaryDirectory() as folder:
        cfg = ingest.config(folder)
        matcher, routes = ingest.matcher()
        out = io.StringIO()
        console = Console(ChannelConfig("console", "console", tuple(routes[0].watchlists)), out=out)
        db = Database(cfg.bot.database)
        empty = state(db)
        first_s, first_sent = poll(cfg, db, work, matcher, routes, console, ingest.NOW)
        after_first = state(db)
        printed = len(out.getvalue())
        second_s, second_sent = poll(cfg, db, work, matcher, routes, console, ingest.NOW.replace(minute=30))
        after_second = state(db)
        reprinted = len(out.getvalue()) - printed
        touched = db.db.execute("SELECT count(*) FROM notices WHERE last_seen_at > first_seen_at").fetchone()[0]
        db.close()
    first_rows, second_rows = changed(empty, after_first), changed(after_first, after_second)
    print(f"records: {args.notices:,} from the recorded fixtures of {len(ingest.KINDS)} source kinds; "
          f"{after_first['notices']:,} notices")
    print(f"{'':14}{'seconds':>9}{'rows written':>14}{'messages sent':>15}")
    print(f"{'first poll':14}{first_s:>9.2f}{first_rows:>14,}{first_sent:>15,}")
    print(f"{'second poll':14}{second_s:>9.2f}{second_rows:>14,}{second_sent:>15,}")
    print(f"second poll takes {second_s / first_s:.2f} of the first's time; it printed {reprinted} characters; "
          f"it only moved last_seen_at on {touched:,} notices (plus each source's cursor and health row)")
    fts = {k: after_second[k] - after_first[k] for k in ("fts_records", "fts_bytes")}
    print(f"full-text index after the second poll: {fts['fts_records']:+,} records, {fts['fts_bytes']:+,} bytes "
          f"(after the first: {after_first['fts_records']:,} records, {after_first['fts_bytes']:,} bytes)")
    print(json.dumps({"bench": "repoll", "notices": after_first["notices"], "first_s": round(first_s, 2),
                      "second_s": round(second_s, 2), "rows_written": second_rows, "messages_sent": second_sent,
                      "fts_bytes_written": fts["fts_bytes"],
                      "first_rows_written": first_rows, "first_messages_sent": first_sent,
                      "target_rows": 0, "target_messages": 0, "ratio": round(second_s / first_s, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
