"""Scale: a database of N notices built through the real pipeline, then the operators' commands
timed on it, cold and warm, with each command's peak RSS.

Build: bench/ingest.py's pages (seven source kinds from the recorded fixtures, ids, references and
       title words varied), generated one page at a time, through `bot.pipeline.run_source` into a
       fresh database (default 200,000 notices; the issue's year of US awards is ~1.5M:
       `--notices 1500000`: 1,482,000 stored, 3,621 MiB, 23 min at 1,076 notices/s here, the rate
       held as it grew; see README Performance). `--db PATH` reuses a built one.
Commands: each a fresh `procwatch` process (as an operator runs it): cold = the database file's
       pages evicted from the page cache first (posix_fadvise DONTNEED: no root needed), then
       `--warm` (default 3) warm runs; min / median / max seconds and the process's peak RSS.
Delivery: a poll of 300 new SAM notices (matching bench/match.py's watchlists) into the database,
       then the console delivery of what it queued, timed with the file's pages evicted; the same
       on a fresh, empty database, the two alternating over `--rounds` (default 3) after one untimed
       delivery that compiles the digest template; min / median / max and the ratio of the medians
       (target ≤ 1.3×), and the median bytes each side read from the disk (Linux /proc/self/io: the
       cold reads themselves, which the machine's load does not change, where the times swing 2×
       with it). `--skip-commands` times delivery only.
The build's queued alerts (~12% of notices) are counted as delivered before the commands run, as
       a running daemon would have sent them (`--backlog` keeps them pending: `status` then counts
       181,000 unsent rows at 1.5M). `watch test --days 366` is the issue's year of notices: posted
       (or, undated, first seen) in the 366 days before the machine's clock; it runs for a list of
       keywords (`surveillance`) and for one of agencies alone (`border_agencies`).
Also: bytes per stored notice (file size, WAL checkpointed, over notices) and `procwatch --version`.
`--only "watch test --days 366"` times that command alone (repeatable) and writes nothing (no
       delivery, the build's alerts left as they are): for a database another run also reads.
Build once, time later: `--folder DIR --build-only`, then `--db DIR/procwatch.db`.
Another checkout (for the old figures): BENCH_CODE=/tmp/pw-old (as bench/ingest.py); a command it
does not have is shown as n/a.
Usage: .venv/bin/python bench/scale.py [--notices 200000] [--db PATH] [--warm 3] [--folder NEW --build-only]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import ingest  # noqa: E402

PROCWATCH = [sys.executable, "-m", "bot"]
WATCHLISTS = {  # added to the build's feeds.toml: a list of keywords, and one of agencies alone
    "surveillance": 'keywords = ["surveillance", "facial recognition", "body-worn cameras", "licence plate recognition"]',
    "border_agencies": 'agencies = ["CBP", "ICE"]',
}


def build(folder: str, total: int) -> tuple[float, int]:
    """(seconds, notices stored) for the pipeline over `total` notices of generated pages."""
    work = {k.source: ingest.bodies(k, n) for k, n in ingest.plan(total)}
    seconds, stored, _ = ingest.run_procwatch(folder, work)
    return seconds, stored


def evict(path: str) -> None:
    """Drop a file's pages from the OS page cache (what a reboot or a busy server does)."""
    for name in (path, path + "-wal", path + "-shm"):
        if os.path.exists(name):
            fd = os.open(name, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def timed(args: list[str]) -> tuple[float, float, int]:
    """(seconds, peak RSS MB, exit code) of one procwatch process, measured by GNU time (a process
    forked from this one would report this one's RSS: Linux keeps the peak across exec)."""
    with tempfile.NamedTemporaryFile("r") as report:
        started = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *PROCWATCH, *args], cwd=ingest.CODE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - started
        rss_kb = int(report.read().split()[-1])
    if proc.returncode == 2:  # argparse: a command or option this checkout does not have
        return float("nan"), float("nan"), 2  # a command this checkout does not have
    if proc.returncode not in (0, 1):
        raise SystemExit(f"procwatch {' '.join(args)} failed: {proc.stderr[-1000:]}")
    return seconds, rss_kb / 1024, proc.returncode


@functools.cache
def _matcher():
    """bench/match.py's watchlists, compiled once for every round."""
    return ingest.matcher()


def settle(db) -> int:
    """Count what the build queued as delivered long ago (a daemon would have sent it); rows changed."""
    with db.transaction():
        return db.db.execute("UPDATE outbox SET state = 'sent', sent_at = '2026-01-01T00:00:00+00:00'"
                             " WHERE state != 'sent'").rowcount


def read_bytes() -> int:
    """Bytes this process has had read from storage (Linux /proc/self/io; page-cache hits not
    counted): the cold delivery's disk reads, which the machine's load does not change; -1 elsewhere."""
    try:
        with open("/proc/self/io") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("read_bytes:"))
    except OSError:
        return -1


def poll_then_deliver(folder: str, first: int) -> tuple[float, int, int]:
    """(seconds, notices delivered, bytes read from storage) for delivery after a 300-notice poll,
    the database cold."""
    import io
    from bot.config import ChannelConfig, load
    from bot.delivery import deliver
    from bot.notify.console import Console
    from bot.pipeline import run_source
    from bot.store import Database
    cfg = load(str(Path(folder) / "feeds.toml"))
    matcher, routes = _matcher()
    db = Database(cfg.bot.database)
    settle(db)  # only the poll's alerts go out
    kind = ingest.KINDS[0]
    body = ingest.Pages(kind).page(first, 300)
    run_source(db, ingest.replay(cfg, kind.source, db, iter([body]), ingest.decoder(kind)), matcher, routes,
               36500, ingest.NOW)
    db.close()
    evict(cfg.bot.database)
    out = io.StringIO()
    console = Console(ChannelConfig("console", "console", tuple(routes[0].watchlists)), out=out)
    before, started = read_bytes(), time.perf_counter()
    db = Database(cfg.bot.database)
    lines = deliver(db, [console], ingest.NOW)
    db.close()
    seconds, read = time.perf_counter() - started, read_bytes() - before
    return seconds, sum(int(x) for x in re.findall(r"delivered (\d+) notice", " ".join(lines))), read


def delivery(folder: str, n: int, rounds: int) -> dict:
    """Delivery after a 300-notice poll, cold, on an empty database and on this one, alternating over
    `rounds`; a first, untimed delivery compiles the digest template (the daemon does that once)."""
    with tempfile.TemporaryDirectory() as empty:
        ingest.config(empty)
        poll_then_deliver(empty, 10**7)
    small, big, items, read_small, read_big = [], [], 0, [], []
    for r in range(rounds):
        with tempfile.TemporaryDirectory() as empty:
            ingest.config(empty)
            seconds, _, read = poll_then_deliver(empty, 10**7)
            small.append(seconds), read_small.append(read)
        seconds, items, read = poll_then_deliver(folder, 5 * 10**7 + 10 * n + 1000 * r)  # ids never stored before
        big.append(seconds), read_big.append(read)
    small.sort(), big.sort(), read_small.sort(), read_big.sort()
    ratio = big[len(big) // 2] / small[len(small) // 2]
    print(f"delivery after a 300-notice poll ({items} notices in the digest), cold, {rounds} rounds alternating: "
          f"{big[0]:.3f} / {big[len(big) // 2]:.3f} / {big[-1]:.3f} s on this database, {small[0]:.3f} / "
          f"{small[len(small) // 2]:.3f} / {small[-1]:.3f} s on an empty one: {ratio:.2f}× (medians; target ≤ 1.3×)")
    kib = [r[len(r) // 2] // 1024 for r in (read_big, read_small)]
    print(f"  read from the disk (the machine's load does not change it), medians: {kib[0]:,} KiB on this database,"
          f" {kib[1]:,} KiB on an empty one")
    return {"delivery_s": round(big[len(big) // 2], 3), "delivery_empty_s": round(small[len(small) // 2], 3),
            "delivery_ratio": round(ratio, 2), "delivery_read_kib": kib[0], "delivery_empty_read_kib": kib[1]}


def one_of_each(db: str) -> dict[str, str]:
    """A stored notice's uid and native id, and a uid prefix naming one notice."""
    conn = sqlite3.connect(db)
    uid, native = conn.execute("SELECT uid, native_id FROM notices WHERE rowid = (SELECT max(rowid) / 2 FROM notices)"
                               ).fetchone()
    conn.close()
    return {"uid": uid, "native": native, "prefix": uid[:-1]}


def bytes_per_notice(db: str) -> tuple[int, float]:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n = conn.execute("SELECT count(*) FROM notices").fetchone()[0]
    conn.close()
    return n, os.path.getsize(db) / max(n, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=200_000)
    parser.add_argument("--db", help="reuse a database built by an earlier run (its folder's feeds.toml)")
    parser.add_argument("--folder", help="build into this (new) folder and keep it, for --db later")
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="delivery rounds, alternating empty and this database")
    parser.add_argument("--backlog", action="store_true",
                        help="leave the build's queued alerts pending (status then counts them: a channel down for days)")
    parser.add_argument("--skip-commands", action="store_true", help="time delivery only")
    parser.add_argument("--only", action="append", default=[], metavar="COMMAND",
                        help='time only this command (repeatable, e.g. "watch test --days 366"); no delivery, nothing written')
    parser.add_argument("--build-only", action="store_true", help="build into --folder and stop (time it later with --db)")
    args = parser.parse_args()
    if args.build_only and not args.folder:
        parser.error("--build-only needs --folder (where the database is kept)")
    keep = tempfile.TemporaryDirectory() if not (args.db or args.folder) else None
    folder = keep.name if keep else args.folder or str(Path(args.db).parent)
    if args.folder:
        os.makedirs(args.folder)
    line: dict = {"bench": "scale"}
    if not args.db:
        seconds, stored = build(folder, args.notices)
        print(f"built {stored:,} notices through the pipeline in {seconds:,.0f} s ({stored / seconds:,.0f}/s)")
        line |= {"build_per_s": round(stored / seconds)}
        if args.build_only:
            return 0
    db = str(Path(folder) / "procwatch.db")
    config = str(Path(folder) / "feeds.toml")
    written = Path(config).read_text()
    with open(config, "a") as f:
        for name, terms in WATCHLISTS.items():
            if f"[watchlists.{name}]" not in written:
                f.write(f'\n[watchlists.{name}]\n{terms}\ncompetition = ["sole_source", "limited"]\n')
    if not (args.backlog or args.only):
        from bot.store import Database
        store = Database(db)
        settled = settle(store)
        store.close()
        if settled:
            print(f"{settled:,} alerts the build queued counted as delivered (--backlog: time the commands with them pending)")
    n, per = bytes_per_notice(db)
    print(f"database: {n:,} notices, {os.path.getsize(db) / 2**20:,.0f} MiB, {per:,.0f} bytes per notice (target ≤ 2,500)")
    line |= {"notices": n, "bytes_per_notice": round(per)}
    ids = one_of_each(db)
    commands = {
        "--version": ["--version"],
        "status": ["--config", config, "status"],
        "show UID": ["--config", config, "show", ids["uid"]],
        "show NATIVE_ID": ["--config", config, "show", ids["native"]],
        "show UID_PREFIX": ["--config", config, "show", ids["prefix"]],
        "search services": ["--config", config, "search", "services"],
        "search services --best": ["--config", config, "search", "services", "--best"],
        "search <rare word>": ["--config", config, "search", "kennzeichenerkennung"],
        "watch test --days 366": ["--config", config, "watch", "test", "surveillance", "--days", "366"],
        "watch test border_agencies --days 366": ["--config", config, "watch", "test", "border_agencies", "--days",
                                                  "366"],
        "db check": ["--config", config, "db", "check"],
    }
    print(f"{'command':28}{'cold s':>8}{'warm s min/med/max':>22}{'peak RSS MB':>13}")
    unknown = set(args.only) - set(commands)
    if unknown:
        parser.error(f"--only: no command {', '.join(sorted(unknown))} (one of: {', '.join(commands)})")
    for name, argv in ({} if args.skip_commands else commands).items():
        if args.only and name not in args.only:
            continue
        evict(db)
        cold, rss, _ = timed(argv)
        warm = sorted(timed(argv)[0] for _ in range(args.warm))
        print(f"{name:28}{cold:>8.2f}{warm[0]:>10.2f} {warm[len(warm) // 2]:>5.2f} {warm[-1]:>5.2f}{rss:>13,.0f}")
        if cold == cold:  # not NaN: the command exists in this checkout
            line[name] = {"cold": round(cold, 3), "warm": round(warm[len(warm) // 2], 3), "rss_mb": round(rss)}
    if not args.only:
        line |= delivery(folder, n, args.rounds)
    print(json.dumps(line))
    if keep:
        keep.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
