"""Ingest with the sources split over processes: would a process per source reach the floor target?

procwatch runs its sources as threads of one process (DESIGN §6, §9), so the GIL lets one core do
the pipeline's Python work. This bench asks what a process per source would give on this machine,
before anyone builds it: `bench/ingest.py`'s pages and pipeline (`run_source` per source, the same
matcher, a fresh WAL database), once with every source in one process and once with the sources
split over `--processes` processes writing the same database (each its own connection; SQLite lets
one page's transaction write at a time, the others wait on the lock with the store's own busy
timeout). Sources are given to the processes by the time each took in the latest one-process run,
largest first to the least loaded, so the split is as even as the source mix allows. The floor of
`bench/ingest.py` (orjson/lxml + executemany of the rows written, same tables) runs after each
one-process side on its rows. Sides alternate over `--rounds`; the first round starts with one
process (its times give the split). Processes are forked after the pages are built, so no side
pays for building them.
Usage: .venv/bin/python bench/ingest_split.py [--notices 20000] [--rounds 3] [--processes 2]
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest  # noqa: E402  (bench/ingest.py: pages, config, matcher, replay, floor)
from bot.pipeline import run_source  # noqa: E402
from bot.store import Database  # noqa: E402


def worker(folder: str, names: list[str], work: dict[str, list[bytes]], locked: bool, armed, go, out) -> None:
    """One process: its sources' pages through the pipeline once `go` is set; puts (finished at,
    notices stored, seconds per source)."""
    if locked:
        _locked_transactions(Path(folder) / "write.lock")
    cfg, matching, routes, db, sources = ingest.ready(folder, work, [k for k in ingest.KINDS if k.source in names])
    names = [s.name for s in sources]
    armed.put(None)
    go.wait()
    stored, spent = 0, {}
    for name, source in zip(names, sources):
        started = time.perf_counter()
        result = run_source(db, source, matching, routes, cfg.bot.first_run_alert_days, ingest.NOW)
        if result.error:
            raise SystemExit(f"{name}: {result.error}")
        stored, spent[name] = stored + result.new, time.perf_counter() - started
    db.close()
    out.put((time.perf_counter(), stored, spent))


def _locked_transactions(path: Path) -> None:
    """Make each Database.transaction wait on an flock instead of SQLite's busy timeout, which
    sleeps in steps of up to 100 ms: the next writer starts the moment the last one commits."""
    import contextlib
    import fcntl
    handle, plain = open(path, "a"), Database.transaction

    @contextlib.contextmanager
    def transaction(self):
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            with plain(self):
                yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    Database.transaction = transaction


def run(folder: str, groups: list[list[str]], work: dict[str, list[bytes]],
        locked: bool = False) -> tuple[float, int, dict]:
    """(wall seconds from the start signal to the last process's end, notices stored, seconds per source)."""
    Database(str(Path(folder) / "procwatch.db")).close()  # migrated once, before the processes open it
    context = multiprocessing.get_context("fork")
    armed, go, out = context.Queue(), context.Event(), context.Queue()
    procs = [context.Process(target=worker, args=(folder, g, work, locked, armed, go, out)) for g in groups]
    for p in procs:
        p.start()
    for _ in procs:
        armed.get(timeout=600)
    started = time.perf_counter()
    go.set()
    results = [out.get(timeout=3600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"a worker exited with {p.exitcode}")
    spent = {k: v for r in results for k, v in r[2].items()}
    return max(r[0] for r in results) - started, sum(r[1] for r in results), spent


def split(spent: dict[str, float], processes: int) -> list[list[str]]:
    """Sources over processes, longest first to the least loaded."""
    groups, load = [[] for _ in range(processes)], [0.0] * processes
    for name in sorted(spent, key=spent.get, reverse=True):
        i = load.index(min(load))
        groups[i].append(name)
        load[i] += spent[name]
    return [g for g in groups if g]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--locked", action="store_true",
                        help="hand the write lock over through a file lock, not SQLite's sleeping busy wait")
    args = parser.parse_args()
    work = {k.source: list(ingest.bodies(k, n)) for k, n in ingest.plan(args.notices)}
    gc.freeze()  # the prebuilt pages are shared with the forked processes, never collected
    one, many, floor, spent = [], [], [], None
    for n in range(args.rounds):
        for side in ("one", "many") if n % 2 == 0 else ("many", "one"):
            with tempfile.TemporaryDirectory() as folder:
                if side == "one":
                    seconds, stored, spent = run(folder, [[k.source for k in ingest.KINDS]], work)
                    one.append(stored / seconds)
                    floor.append(stored / ingest.run_floor(folder, work, ingest.stored_tables(folder)))
                else:
                    groups = split(spent, args.processes)
                    seconds, stored, _ = run(folder, groups, work, args.locked)
                    many.append(stored / seconds)
                    print(f"round {n + 1}: processes {' | '.join(', '.join(g) for g in groups)}", flush=True)
    print(f"{stored:,} notices; {args.rounds} rounds, sides alternating; notices/s (min / median / max)")
    print(f"{'one process (as procwatch runs)':40}{ingest.spread(one):>24}")
    print(f"{f'{args.processes} processes, sources split':40}{ingest.spread(many):>24}")
    print(f"{'floor (bench/ingest.py)':40}{ingest.spread(floor):>24}")
    ratios = [b / a for a, b in zip(one, many)]
    print(f"split / one, per round: {' '.join(f'{x:.2f}×' for x in ratios)}")
    print(f"of the floor, per round: one {' '.join(f'{a / f:.2f}' for a, f in zip(one, floor))}; "
          f"split {' '.join(f'{b / f:.2f}' for b, f in zip(many, floor))} (target ≥ 0.35)")
    median = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    print(json.dumps({"bench": "ingest_split", "notices": stored, "rounds": args.rounds, "processes": args.processes,
                      "one_per_s": round(median(one)), "split_per_s": round(median(many)),
                      "floor_per_s": round(median(floor)), "ratio_split": round(median(ratios), 2),
                      "split_of_floor": round(median([b / f for b, f in zip(many, floor)]), 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
