"""Ingest: recorded pages through procwatch's pipeline against the bare parse + insert floor.

Data: pages built from the recorded fixtures of seven source kinds (SAM.gov opportunities and
contract awards, USAspending, FPDS ATOM, TED, Contracts Finder, AusTender), each record copied
with its ids varied, up to `--notices` notices (default 100,000) in the mix below, as the bytes
a server would send. Built before anything is timed.
procwatch: `bot.pipeline.run_source` per source over those pages, with the sources' own fetch
           decoding (bot.http.parse_json / fpds_atom.parse_feed) and parse, classify, store
           (notices, versions, FTS, matches, outbox) and match against bench/match.py's 1,000
           terms; a fresh database file on disk, WAL, as `procwatch run` uses it.
floor:     the same bytes parsed with json.loads / lxml, and the same notice rows (as procwatch
           stores them) written with one executemany into the same table in a fresh database.
Peak memory: `--rss` runs procwatch alone at 10,000 and at 100,000 notices, each in its own
subprocess with pages generated one at a time, and compares their peak RSS.
Usage: .venv/bin/python bench/ingest.py [--notices 100000] [--no-rss]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402
import match as match_bench  # noqa: E402

from bot.config import load  # noqa: E402
from bot.errors import SourceError  # noqa: E402
from bot.http import Http, Response, parse_json  # noqa: E402
from bot.match import Matcher  # noqa: E402
from bot.pipeline import Route, run_source  # noqa: E402
from bot.sources import REGISTRY  # noqa: E402
from bot.sources.fpds_atom import parse_feed  # noqa: E402
from bot.store import Database, _notice_row  # noqa: E402

FIX = ROOT / "tests" / "fixtures"
NOW = datetime(2026, 10, 2, 12, 0, tzinfo=timezone.utc)
MARK = "@@K@@"  # placeholder in a record's ids, replaced by the copy number


@dataclass
class Kind:
    """How to make pages of one source kind from its recorded fixtures."""

    source: str  # the [sources.NAME] in CONFIG
    share: float  # of all notices
    page_size: int
    templates: list[str]  # fixture paths under tests/fixtures
    records: str  # the key of the records list ("" for the FPDS ATOM feed)
    vary: Callable[[dict], None]  # puts MARK into a record's ids


def _suffix(*path: str) -> Callable[[dict], None]:
    """A `vary` that appends MARK to the string at `path` (dotted keys) in a record."""
    def vary(record: dict) -> None:
        node = record
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = f"{node[path[-1]]}{MARK}"
    return vary


def _ocds(record: dict) -> None:
    record["ocid"] += MARK
    record["id"] = f"{record.get('id', '')}{MARK}"


KINDS = [
    Kind("sam", 0.40, 1000, ["sam_opportunities/proposal-ai_search_2026-01-01_to_2026-02-02_limit10_mixed_types.json",
                             "sam_opportunities/synthetic_sam_opportunities_justification_ptype_u_window.json"],
         "opportunitiesData", _suffix("noticeId")),
    Kind("cf", 0.20, 100, ["uk_contracts_finder/cf_ocds_search_published_2025-01-20T23_to_2025-01-23T23_limit100_page1.json"],
         "releases", _ocds),
    Kind("ted", 0.10, 250, ["ted/ted_v3_search_response_SE_it_notices_5of115.json",
                            "ted/synthetic_ted_v3_search_neg_wo_call_veat_5_notices.json"],
         "notices", _suffix("publication-number")),
    Kind("fpds", 0.10, 10, ["fpds_atom/dherincx92_fpds_full_response_gsa4740_10entries_sole_source_UT.xml"], "", None),
    Kind("sca", 0.10, 100, [f"sam_contract_awards/{n}" for n in (
        "opengsa_contract_awards_ex1_dod_base_contracts_lastModifiedDate.json",
        "opengsa_contract_awards_ex2_purchase_orders_not_competed_approvedDate.json",
        "opengsa_contract_awards_ex4_va_services_small_business_sections.json")],
         "awardSummary", _suffix("contractId", "piid")),
    Kind("usaspending", 0.05, 100, ["usaspending/synthetic_spending_by_award_page_contracts.json"], "results",
         _suffix("generated_internal_id")),
    Kind("au", 0.05, 100, ["austender/synthetic_austender_findByDates_contractPublished_page1.json"], "releases", _ocds),
]

CONFIG = """
[bot]
database = "{db}"
first_run_alert_days = 36500
contact = "bench@example.org"

[sources.sam]
kind = "sam_opportunities"
api_key_env = "BENCH_SAM_KEY"
notice_types = ["u", "s", "p", "a", "k", "o", "r"]
[sources.sca]
kind = "sam_contract_awards"
api_key_env = "BENCH_SAM_KEY"
[sources.usaspending]
kind = "usaspending"
[sources.fpds]
kind = "fpds_atom"
[sources.ted]
kind = "ted"
[sources.cf]
kind = "uk_contracts_finder"
[sources.au]
kind = "austender"

[channels.console]
kind = "console"
watchlists = []
"""


class Pages:
    """Page bodies of one kind: record templates with MARK in their ids, joined per page."""

    def __init__(self, kind: Kind):
        self.kind = kind
        if kind.records:
            self.heads, self.records = [], []
            for path in kind.templates:
                page = json.loads((FIX / path).read_bytes())
                for record in page[kind.records]:
                    kind.vary(record)
                    self.records.append(json.dumps(record, ensure_ascii=False))
                self.heads.append({k: v for k, v in page.items() if k != kind.records})
        else:  # FPDS ATOM: the entries of the recorded feed, PIID varied
            text = (FIX / kind.templates[0]).read_text("utf-8")
            entries = re.findall(r"  <ns0:entry>.*?</ns0:entry>\n", text, re.S)
            self.head, self.tail = text[:text.index("  <ns0:entry>")], "</ns0:feed>\n"
            self.head = re.sub(r"\s*<ns0:link rel=\"next\"[^>]*/>", "", self.head)
            self.records = [re.sub(r"(<ns1:PIID>)([^<]+)", rf"\g<1>\g<2>{MARK}", e) for e in entries]

    def page(self, first: int, count: int) -> bytes:
        """Records number `first` .. first+count-1 (copies of the templates, ids made unique)."""
        n = len(self.records)
        rows = [self.records[i % n].replace(MARK, f"-{i // n}") for i in range(first, first + count)]
        if not self.kind.records:
            return (self.head + "".join(rows) + self.tail).encode()
        head = json.dumps(self.heads[0], ensure_ascii=False)[:-1]
        return (head + f', "{self.kind.records}": [' + ",".join(rows) + "]}").encode()


def plan(total: int) -> list[tuple[Kind, int]]:
    """(kind, notices) for a total, by share."""
    return [(k, round(total * k.share)) for k in KINDS]


def bodies(kind: Kind, count: int) -> Iterator[bytes]:
    pages = Pages(kind)
    for first in range(0, count, kind.page_size):
        yield pages.page(first, min(kind.page_size, count - first))


def decoder(kind: Kind) -> Callable[[bytes], object]:
    """What the source's own fetch does with a body (size caps and HTML checks included)."""
    if not kind.records:
        return lambda body: parse_feed(body, "FPDS ATOM")
    return lambda body: parse_json(Response(200, body, {}, "https://bench.invalid/"))


def replay(app_config, name: str, db: Database, pages: Iterator[bytes], decode):
    """The configured source, fetching `pages` instead of the network; no detail requests."""
    impl = REGISTRY[app_config.sources[name].kind]

    class Replay(impl):
        def fetch(self, cursor, now):
            for n, body in enumerate(pages):
                yield decode(body), {"bench_page": n}

        def fetch_detail(self, notice):
            return None  # a benchmark makes no requests; the notice is stored as listed

        def fetch_document(self, url, max_bytes):
            raise SourceError("a benchmark makes no requests")  # attachments stay unread

    return Replay(app_config.sources[name], Http(contact="bench@example.org"))


def config(folder: str):
    os.environ.setdefault("BENCH_SAM_KEY", "bench-key")
    path = Path(folder) / "feeds.toml"
    path.write_text(CONFIG.format(db=Path(folder) / "procwatch.db"))
    return load(str(path))


def matcher() -> tuple[Matcher, list[Route]]:
    """bench/match.py's 1,000 terms in 20 watchlists; one console route following all of them."""
    lists = match_bench.watchlists(*match_bench.terms(corpus.harvest(), random.Random(1)))
    return Matcher(lists), [Route("console", "", frozenset(w.name for w in lists))]


def run_procwatch(folder: str, work: dict[str, list[bytes]] | dict[str, Iterator[bytes]]) -> tuple[float, int, int]:
    """(seconds, notices stored, outbox rows) for the pipeline over every kind's pages (the matcher
    is compiled first, as the daemon does once at start)."""
    cfg = config(folder)
    matching, routes = matcher()
    matching.match(next(corpus.notices(1, corpus.harvest())))  # its one-time tables built
    db = Database(cfg.bot.database)
    started = time.perf_counter()
    stored = 0
    for kind in KINDS:
        source = replay(cfg, kind.source, db, iter(work[kind.source]), decoder(kind))
        result = run_source(db, source, matching, routes, cfg.bot.first_run_alert_days, NOW)
        if result.error:
            raise SystemExit(f"{kind.source}: {result.error}")
        stored += result.new
    seconds = time.perf_counter() - started
    outbox = db.count("outbox")
    db.close()
    return seconds, stored, outbox


def run_floor(folder: str, work: dict[str, list[bytes]], rows: list[tuple]) -> float:
    """Seconds to parse every page with json/lxml and insert the same notice rows in one executemany."""
    from lxml import etree
    db = Database(str(Path(folder) / "floor.db"))  # the same schema (FTS triggers included)
    columns = list(rows[0][0])
    sql = f"INSERT INTO notices ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    started = time.perf_counter()
    for kind in KINDS:
        parse = etree.fromstring if not kind.records else json.loads
        for body in work[kind.source]:
            parse(body)
    with db.db.conn:
        db.db.conn.executemany(sql, (tuple(r[0][c] for c in columns) for r in rows))
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def stored_rows(folder: str) -> list[tuple]:
    """The notice rows procwatch stored, as the floor's input (read back, not timed)."""
    db = Database(str(Path(folder) / "procwatch.db"))
    rows = [(r,) for r in db.rows("SELECT * FROM notices")]
    db.close()
    return rows


def child(total: int) -> None:
    """Subprocess for peak memory: pages generated one at a time, as if read from the network."""
    with tempfile.TemporaryDirectory() as folder:
        work = {k.source: bodies(k, n) for k, n in plan(total)}
        seconds, stored, _ = run_procwatch(folder, work)
    print(json.dumps({"notices": stored, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_rss_kb() / 1024, 1)}))


def peak_rss_kb() -> int:
    """This process's peak resident set (VmHWM): unlike getrusage's ru_maxrss, which Linux keeps
    across exec, it is not inherited from the parent that spawned the subprocess."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss(total: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(total)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--no-rss", action="store_true", help="skip the two memory subprocesses")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    work = {k.source: list(bodies(k, n)) for k, n in plan(args.notices)}
    size = sum(len(b) for pages in work.values() for b in pages)
    gc.freeze()  # the prebuilt pages are not the pipeline's garbage
    with tempfile.TemporaryDirectory() as folder:
        ours_s, stored, queued = run_procwatch(folder, work)
        rows = stored_rows(folder)
        floor_s = run_floor(folder, work, rows)
    print(f"pages: {sum(map(len, work.values())):,} ({size / 1e6:,.0f} MB) from the recorded fixtures of "
          f"{len(KINDS)} source kinds; notices: {stored:,} stored, {queued:,} queued for delivery")
    print(f"{'':44}{'seconds':>9}{'notices/s':>12}")
    print(f"{'procwatch parse→classify→store→match':44}{ours_s:>9.2f}{stored / ours_s:>12,.0f}")
    print(f"{'floor: json/lxml + one executemany':44}{floor_s:>9.2f}{len(rows) / floor_s:>12,.0f}")
    print(f"procwatch runs at {floor_s / ours_s:.2f} of the floor's speed (target ≥ 0.5)")
    line = {"bench": "ingest", "notices": stored, "procwatch_per_s": round(stored / ours_s),
            "floor_per_s": round(len(rows) / floor_s), "target_ratio": 0.5}
    if not args.no_rss:
        small, large = rss(args.notices // 10), rss(args.notices)
        growth = large["peak_rss_mb"] / small["peak_rss_mb"]
        print(f"peak RSS: {small['peak_rss_mb']:,.0f} MB at {small['notices']:,} notices, "
              f"{large['peak_rss_mb']:,.0f} MB at {large['notices']:,} ({growth:.2f}×, target ≤ 1.2×)")
        line |= {"rss_mb_small": small["peak_rss_mb"], "rss_mb_large": large["peak_rss_mb"],
                 "rss_growth": round(growth, 2)}
    print(json.dumps(line | {"ratio": round(floor_s and ours_s and (floor_s / ours_s), 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
