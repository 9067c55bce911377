"""Peak memory of reading the SAM.gov public extract: procwatch's streamed source vs the whole body in memory.

The real ContractOpportunitiesFullCSV.csv is about 230 MB (Windows-1252). This writes a synthetic
file of that size in the real 47-column layout (rows built from the recorded sample in
tests/fixtures/sam_extract/, descriptions padded to ~3 kB from its texts; posted dates spread over
a year, ~300 in the last day), serves it from disk on 127.0.0.1, and runs, each in its own fresh
process so the peak RSS is that run's alone, alternating over rounds:

- **procwatch**: `App.poll("sam_extract")` — conditional download to disk, csv over the decoded
  file, the new rows classified and stored in SQLite;
- **baseline**: what most public clients do — `requests.get(url).content`, decode, `csv.DictReader`
  over the text in memory, the same rows mapped with the same mapping (nothing stored).

Prints min/median/max peak RSS and time for both, the ratio, and the target (procwatch ≤ 200 MB).
Usage: .venv/bin/python bench/sam_extract.py [--mb 230] [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "tests" / "fixtures" / "sam_extract" / "ContractOpportunitiesFullCSV_sample.csv"
NOW = datetime(2026, 10, 2, 12, 0, tzinfo=timezone.utc)


def build(path: Path, megabytes: int) -> int:
    """Write the synthetic extract; returns its row count."""
    rows = list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="cp1252"), newline="")))
    header, templates = rows[0], rows[1:]
    filler = " ".join(r[-1] for r in templates if r[-1]) or "Description text."
    rows_needed, written = megabytes * 1024 * 1024 // 3300, 0
    with open(path, "w", encoding="cp1252", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        for n in range(rows_needed):
            row = list(templates[n % len(templates)])
            row[0] = f"{n:032x}"
            recent = n % (rows_needed // 300 or 1) == 0  # ~300 rows posted in the last day
            posted = NOW - (timedelta(hours=n % 24) if recent else timedelta(days=2 + n % 360))
            row[header.index("PostedDate")] = f"{posted:%Y-%m-%d %H:%M:%S}.000-00"
            row[-1] = (filler * (3000 // len(filler) + 1))[:3000]
            writer.writerow(row)
            written += 1
    return written


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # one line per request would drown the figures
        pass


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    """A static file server on 127.0.0.1 (streams from disk, sends Last-Modified)."""
    handler = partial(Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def child_procwatch(base: str, work: Path) -> int:
    """The real source through the pipeline; returns notices stored."""
    import logging
    import sqlite3

    from bot.app import App
    from bot.config import load
    from bot.http import Http
    logging.disable(logging.WARNING)
    config = work / "feeds.toml"
    config.write_text(f'[bot]\ndatabase = "{work / "procwatch.db"}"\n\n[sources.sam_extract]\nkind = "sam_extract"\n'
                      f'base_url = "{base}"\npath = "/extract.csv"\ndownload_dir = "{work}"\n\n'
                      '[watchlists.w]\nkeywords = ["facial recognition"]\n\n[channels.console]\nkind = "console"\n')
    result = App(load(str(config)), Http(sleep=lambda s: None), clock=lambda: NOW).poll("sam_extract")
    if result.error:
        raise SystemExit(result.error)
    return sqlite3.connect(work / "procwatch.db").execute("select count(*) from notices").fetchone()[0]


def child_baseline(base: str, work: Path) -> int:
    """The whole body in memory, then csv over the decoded text; returns notices mapped."""
    import requests

    from bot.sources.sam_extract import api_record, posted_utc
    from bot.sources.sam_opportunities import notice_from_record
    body = requests.get(base + "/extract.csv", timeout=120).content
    text = body.decode("cp1252", errors="replace")
    csv.field_size_limit(64 * 1024 * 1024)
    after = (NOW - timedelta(days=14)).isoformat(timespec="seconds")
    notices = []
    for row in csv.DictReader(io.StringIO(text, newline="")):
        row = {k.lower(): v for k, v in row.items()}
        if posted_utc(row["posteddate"]) > after:
            notices.append(notice_from_record("sam", api_record(row)))
    return len(notices)


def run_child(mode: str, base: str) -> dict:
    with tempfile.TemporaryDirectory() as work:
        out = subprocess.run([sys.executable, __file__, "--child", mode, "--base", base, "--work", work],
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def stats(values: list[float]) -> str:
    return f"{min(values):8.1f} {statistics.median(values):8.1f} {max(values):8.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=230, help="size of the synthetic extract")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=("procwatch", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        started = time.perf_counter()
        count = (child_procwatch if args.child == "procwatch" else child_baseline)(args.base, args.work)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
        print(json.dumps({"peak_mb": peak, "seconds": time.perf_counter() - started, "notices": count}))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "extract.csv"
        rows = build(path, args.mb)
        size = path.stat().st_size / 1024 / 1024
        server, base = serve(Path(folder))
        runs: dict[str, list[dict]] = {"procwatch": [], "baseline": []}
        try:
            for _ in range(args.rounds):
                for mode in ("procwatch", "baseline"):
                    runs[mode].append(run_child(mode, base))
        finally:
            server.shutdown()
    print(f"synthetic extract: {size:.0f} MB, {rows:,} rows (Windows-1252, 47 columns); {args.rounds} rounds, "
          f"alternating, each run in a fresh process")
    print(f"{'':12}{'peak RSS MB (min med max)':>28}{'seconds (min med max)':>28}{'notices':>9}")
    for mode, results in runs.items():
        print(f"{mode:12}{stats([r['peak_mb'] for r in results]):>28}{stats([r['seconds'] for r in results]):>28}"
              f"{results[0]['notices']:>9}")
    ours = statistics.median(r["peak_mb"] for r in runs["procwatch"])
    theirs = statistics.median(r["peak_mb"] for r in runs["baseline"])
    print(f"procwatch peaks at {ours:.0f} MB, {ours / theirs:.2f}× the in-memory baseline's {theirs:.0f} MB "
          f"(target ≤ 200 MB); procwatch also stores what it reads, the baseline stores nothing")
    print(json.dumps({"bench": "sam_extract", "file_mb": round(size), "rows": rows,
                      "procwatch_peak_mb": round(ours, 1), "baseline_peak_mb": round(theirs, 1),
                      "procwatch_peak_mb_max": round(max(r["peak_mb"] for r in runs["procwatch"]), 1),
                      "ratio": round(ours / theirs, 3), "target_mb": 200}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
