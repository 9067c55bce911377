"""Scale: a database of N notices built through the real pipeline, then the operators' commands
timed on it, cold and warm, with each command's peak RSS.

Build: bench/ingest.py's pages (seven source kinds from the recorded fixtures, ids, references and
       title words varied), generated one page at a time, through `bot.pipeline.run_source` into a
       fresh database (default 200,000 notices; the issue's year of US awards is ~1.5M:
       `--notices 1500000`, about 20 minutes and 5 GB of disk here). `--db PATH` reuses a built one.
Commands: each a fresh `procwatch` process (as an operator runs it): cold = the database file's
       pages evicted from the page cache first (posix_fadvise DONTNEED: no root needed), then
       `--warm` (default 3) warm runs; min / median / max seconds and the process's peak RSS.
Also: bytes per stored notice (file size, WAL checkpointed, over notices) and `procwatch --version`.
Usage: .venv/bin/python bench/scale.py [--notices 200000] [--db PATH] [--warm 3]
"""

from __future__ import annotations

import argparse
import json
import os
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
WATCHLIST = """
[watchlists.surveillance]
keywords = ["surveillance", "facial recognition", "body-worn cameras", "licence plate recognition"]
competition = ["sole_source", "limited"]
"""


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
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *PROCWATCH, *args], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - started
        rss_kb = int(report.read().split()[-1])
    if proc.returncode not in (0, 1):
        raise SystemExit(f"procwatch {' '.join(args)} failed: {proc.stderr[-1000:]}")
    return seconds, rss_kb / 1024, proc.returncode


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
    parser.add_argument("--warm", type=int, default=3)
    args = parser.parse_args()
    keep = tempfile.TemporaryDirectory() if not args.db else None
    folder = keep.name if keep else str(Path(args.db).parent)
    line: dict = {"bench": "scale"}
    if not args.db:
        seconds, stored = build(folder, args.notices)
        print(f"built {stored:,} notices through the pipeline in {seconds:,.0f} s ({stored / seconds:,.0f}/s)")
        line |= {"build_per_s": round(stored / seconds)}
    db = str(Path(folder) / "procwatch.db")
    config = str(Path(folder) / "feeds.toml")
    if "[watchlists.surveillance]" not in Path(config).read_text():
        with open(config, "a") as f:
            f.write(WATCHLIST)
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
        "watch test (all stored)": ["--config", config, "watch", "test", "surveillance", "--days", "3650"],
        "db check": ["--config", config, "db", "check"],
    }
    print(f"{'command':28}{'cold s':>8}{'warm s min/med/max':>22}{'peak RSS MB':>13}")
    for name, argv in commands.items():
        evict(db)
        cold, rss, _ = timed(argv)
        warm = sorted(timed(argv)[0] for _ in range(args.warm))
        print(f"{name:28}{cold:>8.2f}{warm[0]:>10.2f} {warm[len(warm) // 2]:>5.2f} {warm[-1]:>5.2f}{rss:>13,.0f}")
        line[name] = {"cold": round(cold, 3), "warm": round(warm[len(warm) // 2], 3), "rss_mb": round(rss)}
    print(json.dumps(line))
    if keep:
        keep.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
