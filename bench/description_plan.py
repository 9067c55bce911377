"""Recall when procwatch decides which descriptions to read, against recall with every one read.

Corpus: ../shared/realworld/classify/cases.jsonl (78 real notice texts, 42 sole source; read in
place, never copied), each met as its README says: a SAM.gov Special Notice with no codes, title
and description as given. Three ways of meeting them:

- **all read**: every description in hand (the ceiling): title + text through `classify`, as the
  pipeline's `_prepare` does;
- **API plan**: one simulated day through the real App, SAM source, budget and description plan
  against a local fake SAM.gov (tests/conftest.py's FakeSam): the 78 cases among ~300 notices a day
  (the rest copies of the recorded live search page's records, whose descriptions answer 404 as
  SAM's often do), arriving evenly, 48 polls (every 30m), a 1,000-request daily budget;
- **extract**: the same day as one public-extract CSV (bot/sources/sam_extract.py) served locally.

Recall = sole-source verdicts among the 42 labelled sole source. Target: each plan within 0.02 of
"all read". The figure is about the plan; the classifier's own recall is bench/verdict.py's.
Usage: .venv/bin/python bench/description_plan.py [--cases PATH] [--per-day 300] [--limit 1000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import random
import sqlite3
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pytest_httpserver import HTTPServer  # noqa: E402

from bot.app import App  # noqa: E402
from bot.classify import classify  # noqa: E402
from bot.config import load  # noqa: E402
from bot.http import Http  # noqa: E402
from bot.notice import Notice  # noqa: E402
from conftest import CONFIG, FakeSam, fixture_json  # noqa: E402

CASES = ROOT.parent / "shared" / "realworld" / "classify" / "cases.jsonl"
LIVE = ("sam_opportunities", "proposal-ai_search_2026-01-01_to_2026-02-02_limit10_mixed_types.json")
DAY = datetime(2026, 10, 1, tzinfo=timezone.utc)
HEADER = ["NoticeId", "Title", "Sol#", "Department/Ind.Agency", "Sub-Tier", "Office", "PostedDate", "Type",
          "BaseType", "SetASideCode", "NaicsCode", "ClassificationCode", "Active", "AwardNumber", "AwardDate",
          "Award$", "Awardee", "Link", "Description"]


def load_cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def day_of_traffic(cases: list[dict], per_day: int) -> list[tuple[datetime, dict, str]]:
    """(arrival, API record, description) for one day: the cases as Special Notices, then fillers."""
    rng = random.Random(10)
    live = fixture_json(*LIVE)["opportunitiesData"]
    out = []
    for n, case in enumerate(cases):
        record = {"noticeId": f"c{n:031x}", "title": case["title"], "type": "Special Notice",
                  "baseType": "Special Notice", "fullParentPathName": "GENERAL SERVICES ADMINISTRATION",
                  "postedDate": f"{DAY:%Y-%m-%d}", "uiLink": f"https://sam.gov/opp/c{n:031x}/view"}
        out.append((record, case["text"]))
    for n in range(max(0, per_day - len(cases))):
        record = json.loads(json.dumps(live[n % len(live)]))
        record.update(noticeId=f"f{n:031x}", postedDate=f"{DAY:%Y-%m-%d}")
        out.append((record, ""))
    return sorted(((DAY + timedelta(seconds=rng.uniform(0, 86_399)), r, d) for r, d in out), key=lambda t: t[0])


def recall_all_read(cases: list[dict]) -> float:
    """The ceiling: every case classified with its description."""
    hits = 0
    for n, case in enumerate(cases):
        notice = Notice("sam", f"c{n:031x}", title=case["title"], description=case["text"],
                        codes={"notice_type": ["Special Notice"]})
        hits += case["label"] and classify(notice).competition == "sole_source"
    return hits / sum(c["label"] for c in cases)


def recall_stored(db_path: Path, cases: list[dict]) -> float:
    db = sqlite3.connect(db_path)
    verdict = dict(db.execute("select native_id, competition from notices").fetchall())
    hits = sum(case["label"] and verdict.get(f"c{n:031x}") == "sole_source" for n, case in enumerate(cases))
    return hits / sum(c["label"] for c in cases)


def app_for(folder: Path, base: str, clock, sam_extra: str = "", sources: str = "") -> App:
    """The tests' config (SAM source, surveillance watchlist, console), with more sources before it."""
    path = folder / "feeds.toml"
    text = CONFIG.format(db=folder / "procwatch.db", base=base, source_extra=sam_extra)
    path.write_text(text.replace("[sources.sam]", sources + "\n[sources.sam]", 1))
    return App(load(str(path)), Http(contact="bench@example.org", sleep=lambda s: None), clock=clock)


def recall_api_plan(cases: list[dict], per_day: int, limit: int) -> tuple[float, dict]:
    """One day of 30-minute polls through the real pipeline and description plan."""
    traffic = day_of_traffic(cases, per_day)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        sam = FakeSam(server, [])
        sam.descriptions.update({r["noticeId"]: (200, json.dumps({"description": d}), "application/json")
                                 for _, r, d in traffic if d})
        with tempfile.TemporaryDirectory() as folder:
            clock = [DAY]
            app = app_for(Path(folder), server.url_for("").rstrip("/"), lambda: clock[0],
                          sam_extra=f"daily_request_limit = {limit}")
            for poll in range(48):
                clock[0] = DAY + timedelta(minutes=30 * poll + 29)
                sam.rows[:] = [r for t, r, _ in traffic if t <= clock[0]]
                app.poll("sam")
            spent = {"searches": len(sam.searches), "descriptions": len(sam.detail_requests)}
            return recall_stored(Path(folder) / "procwatch.db", cases), spent
    finally:
        server.clear()
        server.stop()


def extract_csv(traffic) -> bytes:
    """The day as the public extract writes it (Windows-1252)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for moment, r, text in traffic:
        writer.writerow([r["noticeId"], r.get("title") or "", r.get("solicitationNumber") or "",
                         r.get("fullParentPathName") or "", "", "", f"{moment:%Y-%m-%d %H:%M:%S}.000-00",
                         r.get("type") or "", r.get("baseType") or "", r.get("typeOfSetAside") or "",
                         r.get("naicsCode") or "", r.get("classificationCode") or "", "Yes", "", "", "", "",
                         r.get("uiLink") or "", text])
    return out.getvalue().encode("cp1252", errors="replace")


def recall_extract(cases: list[dict], per_day: int) -> float:
    """The day's extract, read once by the sam_extract source through the pipeline."""
    traffic = day_of_traffic(cases, per_day)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        server.expect_request("/extract.csv").respond_with_data(extract_csv(traffic), content_type="text/csv")
        with tempfile.TemporaryDirectory() as folder:
            source = (f'[sources.sam_extract]\nkind = "sam_extract"\nbase_url = "{server.url_for("").rstrip("/")}"\n'
                      f'path = "/extract.csv"\ndownload_dir = "{folder}"\n')
            app = app_for(Path(folder), server.url_for("").rstrip("/"), lambda: DAY + timedelta(days=1, hours=6),
                          sources=source)
            result = app.poll("sam_extract")
            if result.error:
                raise SystemExit(f"extract poll failed: {result.error}")
            return recall_stored(Path(folder) / "procwatch.db", cases)
    finally:
        server.clear()
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES, help="labelled JSONL corpus (read in place)")
    parser.add_argument("--per-day", type=int, default=300, help="SAM notices a day, cases included")
    parser.add_argument("--limit", type=int, default=1000, help="the key's daily request limit")
    args = parser.parse_args()
    if not args.cases.exists():
        print(f"skipped: {args.cases} not found (it lives in ../shared/realworld, outside clones)")
        return 0
    logging.disable(logging.WARNING)
    os.environ.setdefault("SAM_API_KEY", "bench-key")
    cases = load_cases(args.cases)
    ceiling = recall_all_read(cases)
    api, spent = recall_api_plan(cases, args.per_day, args.limit)
    extract = recall_extract(cases, args.per_day)
    positives = sum(c["label"] for c in cases)
    print(f"corpus: {len(cases)} cases, {positives} sole source; {args.per_day} SAM notices a day, "
          f"{args.limit} requests a day, 48 polls")
    print(f"{'how descriptions are read':34}{'recall':>8}{'vs all read':>13}")
    for name, value in (("all read (ceiling)", ceiling), ("API budget plan", api), ("public extract", extract)):
        print(f"{name:34}{value:>8.3f}{value - ceiling:>+13.3f}")
    print(f"API plan spent {spent['searches']} searches + {spent['descriptions']} descriptions = "
          f"{spent['searches'] + spent['descriptions']} of {args.limit} requests")
    print(json.dumps({"bench": "description_plan", "cases": len(cases), "recall_all_read": round(ceiling, 3),
                      "recall_api_plan": round(api, 3), "recall_extract": round(extract, 3),
                      "diff_api_plan": round(api - ceiling, 3), "diff_extract": round(extract - ceiling, 3),
                      "target_max_drop": 0.02, "requests": spent, "limit": args.limit}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
