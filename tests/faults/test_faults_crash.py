"""Crash safety: `procwatch once` killed with SIGKILL while fetching, storing or sending, then run again.

Thirty seeded trials. Each starts a real `python -m bot once` subprocess against a local SAM.gov
(tests/conftest.py's FakeSam on a threaded pytest-httpserver; the labelled synthetic J&A window,
two notices a page, so a poll is several pages and transactions, plus one description request),
and kills it:
- during fetch: the server holds request k until the test has killed the process;
- during store: a few milliseconds after the server answered request k (parse, classify, store);
- during send: up to 60 ms after the last request (matching, outbox, digest, printing).
Then it runs `once` again to the end. The console channel prints to a file kept across both runs:
every matched notice must be in it at least once in 30/30 trials, exactly once in ≥ 29/30.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

from conftest import FakeSam, fixture_bytes, fixture_json
from pytest_httpserver import HTTPServer

ROOT = Path(__file__).resolve().parents[2]
TRIALS, WORKERS = 30, 2
# The two notices test_once.py shows are alerted from this window (the J&A by vendor, the ICE
# special notice by its keyword title and the FAR 6.302-1 sentence of its fetched description).
ALERTED = {"aa000000000000000000000000000001": "Clearview AI Facial Recognition Licenses - Justification and Approval",
           "aa000000000000000000000000000002": "Facial Recognition Software Licenses"}

CONFIG = """
[bot]
database = "{folder}/procwatch.db"
first_run_alert_days = 7
contact = "faults@example.org"

[sources.sam]
kind = "sam_opportunities"
base_url = "{base}"
api_key_env = "SAM_API_KEY"
limit = 2

[watchlists.surveillance]
vendors = ["Clearview AI", "Palantir", "Cellebrite"]
keywords = ["facial recognition", "biometric"]
agencies = ["CBP", "ICE"]

[channels.console]
kind = "console"
watchlists = ["surveillance"]
"""


class KillSwitch(FakeSam):
    """FakeSam that reports each request to the trial and can hold one until the kill."""

    def __init__(self, server, rows):
        super().__init__(server, rows)
        self.lock = threading.Lock()
        self.arm(None, -1)

    def arm(self, phase: str | None, at: int) -> None:
        with self.lock:
            self.phase, self.at, self.seen = phase, at, 0
            self.reached, self.release = threading.Event(), threading.Event()

    def _hook(self) -> None:
        with self.lock:
            n, self.seen = self.seen, self.seen + 1
        if n == self.at:
            self.reached.set()
            if self.phase == "fetch":
                self.release.wait(10)  # hold the answer until the process is dead

    def _search(self, request):
        self._hook()
        return super()._search(request)

    def _detail(self, request):
        self._hook()
        return super()._detail(request)


def recent_rows() -> list[dict]:
    """The synthetic window with every notice posted yesterday (the subprocess runs on the real clock)."""
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    rows = fixture_json("sam_opportunities", "synthetic_sam_opportunities_justification_ptype_u_window.json")
    return [dict(r, postedDate=yesterday) for r in rows["opportunitiesData"]]


def start_server() -> tuple[HTTPServer, KillSwitch]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    sam = KillSwitch(server, recent_rows())
    sam.descriptions["aa000000000000000000000000000002"] = (
        200, fixture_bytes("sam_opportunities", "synthetic_noticedesc_json_intent_ice_clearview.json").decode(),
        "application/json")
    return server, sam


def once(folder: Path, out) -> subprocess.Popen:
    env = {**os.environ, "SAM_API_KEY": "faults-key"}
    return subprocess.Popen([sys.executable, "-m", "bot", "--config", str(folder / "feeds.toml"), "once"],
                            stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)


def trial(seed: int, server: HTTPServer, sam: KillSwitch, requests: int, root: Path) -> dict:
    """One kill-and-rerun; how many times each alerted notice was printed, and where it was killed."""
    rng = random.Random(seed)
    phase = rng.choice(["fetch", "store", "send"])
    at = requests - 1 if phase == "send" else rng.randrange(requests)
    folder = root / f"trial{seed:02d}"
    folder.mkdir()
    (folder / "feeds.toml").write_text(CONFIG.format(folder=folder, base=server.url_for("").rstrip("/")))
    with open(folder / "console.txt", "ab") as out:
        sam.arm(phase, at)
        proc = once(folder, out)
        if sam.reached.wait(20):
            if phase == "store":
                time.sleep(rng.uniform(0, 0.03))
            elif phase == "send":
                time.sleep(rng.uniform(0, 0.06))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        sam.release.set()
        sam.arm(None, -1)
        again = once(folder, out)
        assert again.wait(60) == 0
    printed = (folder / "console.txt").read_text()
    return {"seed": seed, "phase": phase, "at": at, "exit": proc.returncode,
            "counts": {uid: printed.count(title + "\n") for uid, title in ALERTED.items()}}


def test_sigkill_at_random_points_loses_nothing_and_rarely_repeats(tmp_path):
    servers = [start_server() for _ in range(WORKERS)]
    try:
        server, sam = servers[0]
        with open(tmp_path / "dry.txt", "wb") as out:  # an uninterrupted run: how many requests a poll makes
            (tmp_path / "dry").mkdir()
            (tmp_path / "dry" / "feeds.toml").write_text(CONFIG.format(folder=tmp_path / "dry",
                                                                        base=server.url_for("").rstrip("/")))
            sam.arm(None, -1)
            assert once(tmp_path / "dry", out).wait(60) == 0
            requests = sam.seen
        dry = (tmp_path / "dry.txt").read_text()
        assert all(dry.count(title + "\n") == 1 for title in ALERTED.values()), dry
        assert requests >= 5  # 4 search pages of 2 and the description: kills land between pages too

        def worker(w: int) -> list[dict]:
            server, sam = servers[w]
            return [trial(seed, server, sam, requests, tmp_path) for seed in range(w, TRIALS, WORKERS)]

        with ThreadPoolExecutor(WORKERS) as pool:
            results = [r for batch in pool.map(worker, range(WORKERS)) for r in batch]
    finally:
        for server, _ in servers:
            server.clear()
            server.stop()
    report = json.dumps(results, indent=1)
    assert len(results) == TRIALS
    assert {r["phase"] for r in results} == {"fetch", "store", "send"}
    assert sum(r["exit"] == -signal.SIGKILL for r in results) >= TRIALS - 3, report  # really killed mid-run
    assert all(min(r["counts"].values()) >= 1 for r in results), report  # at least once: 30/30
    assert sum(max(r["counts"].values()) == 1 for r in results) >= TRIALS - 1, report  # exactly once: ≥ 29/30
