"""Ingest: recorded pages through procwatch's pipeline, against the same code at an older commit
and against the bare parse + write floor, alternating sides over several rounds.

Data: pages built from the recorded fixtures of seven source kinds (SAM.gov opportunities and
contract awards, USAspending, FPDS ATOM, TED, Contracts Finder, AusTender), each record copied
with its ids varied, the thread `reference` (SAM solicitation and award numbers, TED procedure ids,
USAspending award ids; OCDS ocids and PIIDs vary with the ids) shared by 3 consecutive copies (threads
stay a few notices long, as real ones are, instead of one thread growing with the corpus), the
vendor (names and UEIs) shared by one thread's copies and, for one group in four, by the next
thread's too (rare repeat vendors: see `_vendor`), and
every record's title (SAM, OCDS, TED) or requirement text (Contract Awards, USAspending, FPDS) given
one word drawn Zipf-like from the fixtures' vocabulary (rare words exist; no two copies read the same), up to `--notices` notices (default 30,000) in the mix below, as the bytes a server sends.
Each side builds its pages in its own subprocess before anything is timed.
procwatch: `bot.pipeline.run_source` per source over those pages, with the sources' own fetch
           decoding and parse, classify, red flags, store (notices, versions, raw records, FTS,
           matches, outbox, the page's response kept as evidence when it alerted) and match
           against bench/match.py's 1,000 terms; a fresh database file, WAL. Everything the daemon
           does per page but the network: no description or attachment is requested.
old:       the same, with `bot` imported from `--old PATH` (a checkout of an earlier commit, e.g.
           `git archive 85142f6 | tar -x -C /tmp/pw-old`); its own schema, and only the stages that
           commit had (85142f6 has no red flags, attachments or evidence).
floor:     the same bytes parsed with orjson / lxml, then every row procwatch wrote (notices,
           notice_versions, raw_records, matches, outbox, flags, flag_vendors, evidence_responses,
           evidence_links) written again with executemany into a fresh
           database of the same schema, one transaction and one full-text INSERT … SELECT per 250
           notices (procwatch's average page), as procwatch does per page.
Bytes per notice: each side's database file (checkpointed) over its notices.
Peak memory: `--rss` runs procwatch alone at N/10 and N notices in subprocesses, pages made one at a time.
Where the time goes: `--stages` runs this checkout once more with each stage timed (STAGES: parse,
classify, save, flags, match, commit, ...) and prints µs per notice and share; not in the ratios.
Usage: .venv/bin/python bench/ingest.py [--notices 30000] [--rounds 3] [--old /tmp/pw-old] [--rss] [--stages] [--unique-texts]
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
import types
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
CODE = os.environ.get("BENCH_CODE", str(ROOT))  # where `bot` is imported from (the old side's checkout)
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, CODE)

from bot.config import load  # noqa: E402
from bot.errors import SourceError  # noqa: E402
from bot.http import Http, Response, parse_json  # noqa: E402
from bot.match import Matcher  # noqa: E402
from bot.pipeline import Route, run_source  # noqa: E402
from bot.sources import REGISTRY  # noqa: E402
from bot.sources.fpds_atom import parse_feed  # noqa: E402
from bot.store import Database  # noqa: E402

import corpus  # noqa: E402
import match as match_bench  # noqa: E402  (after `bot`: it puts this checkout first on sys.path)

FIX = ROOT / "tests" / "fixtures"
NOW = datetime(2026, 10, 2, 12, 0, tzinfo=timezone.utc)
MARK = "@@K@@"  # placeholder in a record's ids, replaced by the copy number
WORD = "@@W@@"  # placeholder in a title, replaced by a word of the vocabulary (Zipf-like)
REF = "@@R@@"  # placeholder in a reference, replaced by the copy number // 3 (threads of 3 copies)
VENDOR = "@@V@@"  # placeholder after a vendor's name and UEI, replaced by the copy's vendor group (see _vendor)
_VENDOR_KEYS = {"ueiSAM", "uniqueEntityId", "awardeeName", "legalBusinessName", "awardeeNameFromContract",
                "Recipient Name", "Recipient UEI", "recipient_name", "winner-name", "organisation-name-tenderer"}
_FPDS_VENDOR = re.compile(r"(<ns1:(?:vendorName|UEILegalBusinessName|UEI|contractorName|vendorDoingAsBusinessName)>)"
                          r"([^<]+)")
_FPDS_WORD = re.compile(r"(<ns1:descriptionOfContractRequirement>)([^<]+)")


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


def _thread(*path: str) -> Callable[[dict], None]:
    """A `vary` that appends REF to the string at `path` (dotted keys) when the record has one: the
    copies of a record fall into threads of 3 instead of all sharing the template's thread."""
    def vary(record: dict) -> None:
        node = record
        for key in path[:-1]:
            node = node.get(key) or {}
        if isinstance(node.get(path[-1]), str):
            node[path[-1]] += REF
    return vary


def _worded(*path: str) -> Callable[[dict], None]:
    """A `vary` that appends a WORD to the text at `path` (dotted keys; every language's when it
    is a {language: text} object) when the record has it: no two copies read the same text."""
    def vary(record: dict) -> None:
        node = record
        for key in path[:-1]:
            node = node.get(key) or {}
        value = node.get(path[-1])
        if isinstance(value, str):
            node[path[-1]] = f"{value} {WORD}"
        elif isinstance(value, dict):
            node[path[-1]] = {lang: f"{text} {WORD}" if isinstance(text, str) else text for lang, text in value.items()}
    return vary


def _both(*varies: Callable[[dict], None]) -> Callable[[dict], None]:
    def vary(record: dict) -> None:
        for one in varies:
            one(record)
    return vary


def _ocds(record: dict) -> None:
    record["ocid"] += MARK
    record["id"] = f"{record.get('id', '')}{MARK}"
    if isinstance(record.get("tender", {}).get("title"), str):
        record["tender"]["title"] += f" {WORD}"


def _sam(record: dict) -> None:
    record["noticeId"] += MARK
    record["title"] = f"{record['title']} {WORD}"
    _thread("solicitationNumber")(record)
    _thread("award", "number")(record)


KINDS = [
    Kind("sam", 0.40, 1000, ["sam_opportunities/proposal-ai_search_2026-01-01_to_2026-02-02_limit10_mixed_types.json",
                             "sam_opportunities/synthetic_sam_opportunities_justification_ptype_u_window.json"],
         "opportunitiesData", _sam),
    Kind("cf", 0.20, 100, ["uk_contracts_finder/cf_ocds_search_published_2025-01-20T23_to_2025-01-23T23_limit100_page1.json"],
         "releases", _ocds),
    Kind("ted", 0.10, 250, ["ted/ted_v3_search_response_SE_it_notices_5of115.json",
                            "ted/synthetic_ted_v3_search_neg_wo_call_veat_5_notices.json"],
         "notices", _both(_suffix("publication-number"), _thread("procedure-identifier"), _worded("notice-title"))),
    Kind("fpds", 0.10, 10, ["fpds_atom/dherincx92_fpds_full_response_gsa4740_10entries_sole_source_UT.xml"], "", None),
    Kind("sca", 0.10, 100, [f"sam_contract_awards/{n}" for n in (
        "opengsa_contract_awards_ex1_dod_base_contracts_lastModifiedDate.json",
        "opengsa_contract_awards_ex2_purchase_orders_not_competed_approvedDate.json",
        "opengsa_contract_awards_ex4_va_services_small_business_sections.json")],
         "awardSummary", _both(_suffix("contractId", "piid"),
                               _worded("awardDetails", "productOrServiceInformation", "descriptionOfContractRequirement"))),
    Kind("usaspending", 0.05, 100, ["usaspending/synthetic_spending_by_award_page_contracts.json"], "results",
         _both(_suffix("generated_internal_id"), _thread("Award ID"), _worded("Description"))),
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


def _vendor_strings(obj, found: set[str]) -> set[str]:
    """The vendor names and UEIs of a record (awardees, recipients, winners, OCDS suppliers)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in _VENDOR_KEYS:
                found.update(s for s in corpus._strings(value) if s.strip())
            elif key == "awardee" and isinstance(value, dict) and isinstance(value.get("name"), str):
                found.add(value["name"])
            elif key == "suppliers" and isinstance(value, list):
                found.update(v["name"] for v in value if isinstance(v, dict) and isinstance(v.get("name"), str))
            elif key == "parties" and isinstance(value, list):
                found.update(v["name"] for v in value if isinstance(v, dict) and isinstance(v.get("name"), str)
                             and "supplier" in (v.get("roles") or ()))
            _vendor_strings(value, found)
    elif isinstance(obj, list):
        for item in obj:
            _vendor_strings(item, found)
    return found


def _with_vendor(record: dict) -> str:
    """The record as JSON with VENDOR after each of its vendor strings, wherever they occur."""
    text = json.dumps(record, ensure_ascii=False)
    for name in sorted(_vendor_strings(record, set()), key=len, reverse=True):
        quoted = json.dumps(name, ensure_ascii=False)
        text = text.replace(quoted, quoted[:-1] + VENDOR + '"')
    return text


def _vendor(copy: int, threaded: bool) -> str:
    """The vendor group of a record's copy: the copies of one thread (3 when the record has a REF,
    else 1) share their vendor, as a procurement's notices do, and one group in four shares it with
    the next group too (a vendor with two procurements at the agency that day: the repeat flag
    fires on both). Real pages (../shared/realworld/payloads, the searches not filtered by vendor
    or PIID: 209 records with a vendor) have 45 (21.5%) sharing vendor and agency with another
    record of the same page, in groups of at most 3; every copy sharing it, as before, made one
    vendor hold ~470 procurements at one agency on one day at 20,000 notices."""
    group = copy // 3 if threaded else copy
    return f" v{group - 1 if group % 8 == 1 else group}"


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
                    self.records.append(_with_vendor(record))
                self.heads.append({k: v for k, v in page.items() if k != kind.records})
        else:  # FPDS ATOM: the entries of the recorded feed, PIID varied
            text = (FIX / kind.templates[0]).read_text("utf-8")
            entries = re.findall(r"  <ns0:entry>.*?</ns0:entry>\n", text, re.S)
            self.head, self.tail = text[:text.index("  <ns0:entry>")], "</ns0:feed>\n"
            self.head = re.sub(r"\s*<ns0:link rel=\"next\"[^>]*/>", "", self.head)
            self.records = [_FPDS_WORD.sub(rf"\g<1>\g<2> {WORD}", _FPDS_VENDOR.sub(
                rf"\g<1>\g<2>{VENDOR}", re.sub(r"(<ns1:PIID>)([^<]+)", rf"\g<1>\g<2>{MARK}", e))) for e in entries]
        self.threaded = [REF in r for r in self.records]

    def page(self, first: int, count: int) -> bytes:
        """Records number `first` .. first+count-1 (copies of the templates, ids made unique)."""
        n = len(self.records)
        rows = [self.records[i % n].replace(MARK, f"-{i // n}").replace(WORD, _word(i))
                .replace(REF, f"-{i // n // 3}").replace(VENDOR, _vendor(i // n, self.threaded[i % n]))
                for i in range(first, first + count)]
        if not self.kind.records:
            return (self.head + "".join(rows) + self.tail).encode()
        head = json.dumps(self.heads[0], ensure_ascii=False)[:-1]
        return (head + f', "{self.kind.records}": [' + ",".join(rows) + "]}").encode()


_VOCABULARY: list[str] = []


def _word(i: int) -> str:
    """The i-th copy's extra title word: rank r drawn with probability ~1/r (a few common, most rare).
    With --unique-texts the copy's number follows it: no two notices read the same text (a copy of a
    template drawing a common word repeats an earlier copy's text: 44% of 19,760 notices do)."""
    if not _VOCABULARY:
        _VOCABULARY.extend(w for w in corpus.harvest().words() if w.isascii())
    rank = int(len(_VOCABULARY) ** random.Random(i).random()) - 1
    return _VOCABULARY[rank] + (f" n{i}" if os.environ.get(UNIQUE_TEXTS) else "")


UNIQUE_TEXTS = "BENCH_UNIQUE_TEXTS"  # set by --unique-texts, read by each side's subprocess


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


class ReplayHttp(Http):
    """An Http whose last response is the page being replayed (bot/evidence.py keeps it when the
    page produced an alert, as on the network)."""

    last_response = None


def replay(app_config, name: str, db: Database, pages: Iterator[bytes], decode):
    """The configured source, fetching `pages` instead of the network; no detail requests."""
    impl = REGISTRY[app_config.sources[name].kind]

    class Replay(impl):
        def fetch(self, cursor, now):
            for n, body in enumerate(pages):
                self.http.last_response = Response(200, body, {"Content-Type": "application/json"},
                                                   f"https://bench.invalid/{name}?page={n}")
                yield decode(body), {"bench_page": n}

        def fetch_detail(self, notice):
            return None  # a benchmark makes no requests; the notice is stored as listed

        def fetch_document(self, url, max_bytes):
            raise SourceError("a benchmark makes no requests")  # attachments stay unread

    return Replay(app_config.sources[name], ReplayHttp(contact="bench@example.org"))


def config(folder: str):
    os.environ.setdefault("BENCH_SAM_KEY", "bench-key")
    path = Path(folder) / "feeds.toml"
    path.write_text(CONFIG.format(db=Path(folder) / "procwatch.db"))
    return load(str(path))


def matcher() -> tuple[Matcher, list[Route]]:
    """bench/match.py's 1,000 terms in 20 watchlists; one console route following all of them."""
    lists = match_bench.watchlists(*match_bench.terms(corpus.harvest(), random.Random(1)))
    return Matcher(lists), [Route("console", "", frozenset(w.name for w in lists))]


def ready(folder: str, work, kinds: list[Kind]):
    """(config, matcher, routes, database, replayed sources of `kinds`), made before the clock starts
    as the daemon makes them at start: the matcher's one-time tables built, and the sources' HTTP
    client importing requests (60 ms no page pays; an older checkout imported it with the module)."""
    cfg = config(folder)
    matching, routes = matcher()
    matching.match(next(corpus.notices(1, corpus.harvest())))
    db = Database(cfg.bot.database)
    return cfg, matching, routes, db, [replay(cfg, k.source, db, iter(work[k.source]), decoder(k)) for k in kinds]


def run_procwatch(folder: str, work: dict[str, list[bytes]] | dict[str, Iterator[bytes]]) -> tuple[float, int, int]:
    """(seconds, notices stored, outbox rows) for the pipeline over every kind's pages (the matcher
    is compiled first, as the daemon does once at start)."""
    cfg, matching, routes, db, sources = ready(folder, work, KINDS)
    started = time.perf_counter()
    stored = 0
    for kind, source in zip(KINDS, sources):
        result = run_source(db, source, matching, routes, cfg.bot.first_run_alert_days, NOW)
        if result.error:
            raise SystemExit(f"{kind.source}: {result.error}")
        stored += result.new
    seconds = time.perf_counter() - started
    outbox = db.count("outbox")
    db.close()
    return seconds, stored, outbox


TABLES = ("notices", "notice_versions", "raw_records", "matches", "outbox", "flags", "flag_vendors",
          "evidence_responses", "evidence_links")
FLOOR_BATCH = 250


def run_floor(folder: str, work: dict[str, list[bytes]], tables: dict[str, list[dict]]) -> float:
    """Seconds to parse every page with orjson/lxml and write the rows procwatch wrote into the same
    tables, a transaction and a full-text INSERT … SELECT per FLOOR_BATCH notices."""
    import orjson
    from lxml import etree
    db = Database(str(Path(folder) / "floor.db"))
    sql = {t: f"INSERT INTO {t} ({', '.join(rows[0])}) VALUES ({', '.join('?' * len(rows[0]))})"
           for t, rows in tables.items() if rows}
    notices = tables["notices"]
    per_notice = {t: len(tables[t]) / len(notices) for t in sql if t != "notices"}
    started = time.perf_counter()
    for kind in KINDS:
        parse = etree.fromstring if not kind.records else orjson.loads  # the fastest decoder, as procwatch's
        for body in work[kind.source]:
            parse(body)
    conn = db.db
    for first in range(0, len(notices), FLOOR_BATCH):
        with conn:  # commits the batch (the store's connection autocommits a statement alone)
            conn.execute("BEGIN")
            batch = notices[first:first + FLOOR_BATCH]
            conn.executemany(sql["notices"], [tuple(r.values()) for r in batch])
            for t, share in per_notice.items():
                rows = tables[t][round(first * share):round((first + len(batch)) * share)]
                conn.executemany(sql[t], [tuple(r.values()) for r in rows])
            conn.execute("INSERT INTO notices_fts (rowid, title, description, vendor_name, agency) SELECT rowid,"
                         " title, description, vendor_name, agency FROM notices WHERE rowid > ?", (first,))
    seconds = time.perf_counter() - started
    db.close()
    return seconds


def stored_tables(folder: str) -> dict[str, list[dict]]:
    """Every row procwatch wrote, per table, as the floor's input (read back, not timed)."""
    db = Database(str(Path(folder) / "procwatch.db"))
    tables = {t: db.rows(f"SELECT * FROM {t} ORDER BY {_write_order(db, t)}") for t in TABLES}
    db.close()
    return tables


def _write_order(db: Database, table: str) -> str:
    """ORDER BY for a table's rows as procwatch wrote them: by rowid, or for a table without one
    (m011) by its notice's rowid, then its key (each notice's rows as it was stored, not sorted)."""
    if db.db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0].endswith("WITHOUT ROWID"):
        key = [c[1] for c in sorted(db.db.execute(f"PRAGMA table_info({table})"), key=lambda c: c[5]) if c[5]]
        return f"(SELECT n.rowid FROM notices n WHERE n.uid = {table}.uid), " + ", ".join(key)
    return "rowid"


def bytes_per_notice(path: str, notices: int) -> float:
    """The database file's size (write-ahead log checkpointed into it) per notice."""
    import sqlite3
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return os.path.getsize(path) / max(notices, 1)


STAGES = [  # (label, module, class or "", function): timed inclusively by `--stages`, in page order
    ("parse (source records to Notices)", "bot.sources.base", "Source", "parse"),
    ("detail plan (ranks; classify's cues)", "bot.detail_plan", "", "ranks"),
    ("classify (bot/classify.py)", "bot.pipeline", "", "classify"),
    ("attachments (bot/documents.py)", "bot.documents", "", "attach"),
    ("store: save (notices, versions, raw)", "bot.store", "Database", "save"),
    ("red flags (bot/flags.py, its queries)", "bot.flags", "", "refresh"),
    ("match (bot/match.py)", "bot.match", "Matcher", "match"),
    ("outbox (enqueue)", "bot.outbox", "", "enqueue"),
    ("evidence (a page that alerted, kept)", "bot.evidence", "", "keep"),
    ("store: full-text index, once per page", "bot.store", "Database", "_index_new"),
    ("store: commit", "bot.store", "Database", "_commit"),
    ("store: commit", "sqlite_utils", "Database", "commit"),  # an older checkout's store committed through it
    ("store: raw dictionary trained (once a source)", "bot.store", "Database", "_train"),
    ("a modification threaded under its award", "bot.pipeline", "", "_as_thread_update"),
    ("descriptions already stored (looked up)", "bot.pipeline", "", "_known_description"),
]


def timed_stages() -> dict[str, float]:
    """Wrap each STAGES function so its wall time adds up in the returned dict (a method every
    source overrides is wrapped in each; a call inside a call of the same stage counts once). A
    stage the checkout does not have (the old commit has no red flags) is left out. The bench's
    sources are imported first (a checkout that imports them on first use would otherwise have
    only the already imported ones' parse timed, the rest counted as glue)."""
    import importlib
    import tomllib
    for source in tomllib.loads(CONFIG.format(db="x"))["sources"].values():
        REGISTRY[source["kind"]]
    spent: dict[str, float] = {}
    for label, module, cls, name in STAGES:
        try:
            owner = importlib.import_module(module)
        except ImportError:
            continue
        if not hasattr(getattr(owner, cls) if cls else owner, name):
            continue
        owners = [owner]
        if cls:
            owners = [c for c in _subclasses(getattr(owner, cls)) if name in vars(c)] or [getattr(owner, cls)]
        for target in owners:
            _wrap(target, name, label, spent)
    return spent


def _subclasses(cls: type) -> list[type]:
    return [cls] + [s for c in cls.__subclasses__() for s in _subclasses(c)]


_ACTIVE: set[str] = set()  # stages being timed now (see _wrap)


def _wrap(owner, name: str, label: str, spent: dict[str, float]) -> None:
    inner = getattr(owner, name)

    def timed(*args, **kwargs):
        if label in _ACTIVE:
            return inner(*args, **kwargs)
        _ACTIVE.add(label)
        started = time.perf_counter()
        try:
            out = inner(*args, **kwargs)
            return list(out) if isinstance(out, types.GeneratorType) else out  # a parse that yields: its work
        finally:
            _ACTIVE.discard(label)
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - started
    setattr(owner, name, timed)


def side(total: int, floor: bool, stages: bool = False) -> None:
    """Subprocess: build the pages, time this side's pipeline (and the floor), print one JSON line."""
    work = {k.source: list(bodies(k, n)) for k, n in plan(total)}
    spent = timed_stages() if stages else None
    gc.freeze()  # the prebuilt pages are not the pipeline's garbage
    with tempfile.TemporaryDirectory() as folder:
        seconds, stored, queued = run_procwatch(folder, work)
        if spent is not None:
            started = time.perf_counter()
            for kind in KINDS:
                for body in work[kind.source]:
                    decoder(kind)(body)
            spent["decode (json / lxml, in fetch)"] = time.perf_counter() - started
            print(json.dumps({"seconds": seconds, "notices": stored, "stages": spent}))
            return
        import bot
        line = {"seconds": seconds, "notices": stored, "queued": queued, "code": bot.__file__,
                "bytes_per_notice": bytes_per_notice(str(Path(folder) / "procwatch.db"), stored),
                "pages": sum(map(len, work.values())), "mb": sum(len(b) for p in work.values() for b in p) / 1e6}
        if floor:
            line["floor_seconds"] = run_floor(folder, work, stored_tables(folder))
    print(json.dumps(line))


def run_side(total: int, code: str, floor: bool, stages: bool = False) -> dict:
    out = subprocess.run([sys.executable, __file__, "--side", str(total)] + (["--floor"] if floor else [])
                         + (["--stages"] if stages else []),
                         capture_output=True, text=True, env=os.environ | {"BENCH_CODE": code})
    if out.returncode:
        raise SystemExit(f"the side at {code} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def spread(values: list[float]) -> str:
    s = sorted(values)
    return f"{s[0]:,.0f} / {s[len(s) // 2]:,.0f} / {s[-1]:,.0f}"


OTHER = "other (pipeline glue, cursor, health)"


def print_stages(run: dict, old: dict | None = None) -> dict[str, float]:
    """µs per notice and share of the pipeline's time of each stage, in one run with the stages
    timed (the timing adds ~1 µs a call), beside the old commit's when given; what no stage covers
    is the pipeline's own glue. Returns this checkout's shares."""
    for one in (run, old) if old else (run,):
        covered = sum(v for k, v in one["stages"].items() if not k.startswith("decode"))
        one["stages"][OTHER] = one["seconds"] - covered - one["stages"].get("decode (json / lxml, in fetch)", 0.0)
    spent = run["stages"]
    print(f"where the time goes (one more run per side, stages timed: {run['notices'] / run['seconds']:,.0f} notices/s"
          + (f"; old {old['notices'] / old['seconds']:,.0f}/s" if old else "") + "), µs per notice and share:")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        text = f"  {label:48}{seconds * 1e6 / run['notices']:>6,.0f} {seconds / run['seconds']:>6.1%}"
        if old:
            before = old["stages"].get(label)
            text += f"   old: {before * 1e6 / old['notices']:>4,.0f} {before / old['seconds']:>6.1%}" if before else "   old: —"
        print(text)
    return {k: round(v / run["seconds"], 3) for k, v in spent.items()}


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
    parser.add_argument("--notices", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--old", metavar="PATH", help="a checkout of an earlier commit to compare with")
    parser.add_argument("--rss", action="store_true", help="also the two peak-memory subprocesses")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--side", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--unique-texts", action="store_true",
                        help="give every copy its own text, so no reading or match is met twice")
    parser.add_argument("--stages", action="store_true",
                        help="also one run of this checkout with each stage timed: where the time goes")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    if args.side:
        side(args.side, args.floor, args.stages)
        return 0
    if args.unique_texts:
        os.environ[UNIQUE_TEXTS] = "1"  # the sides' subprocesses inherit it
    runs: dict[str, list[dict]] = {"new": [], "old": []}
    for n in range(args.rounds):  # alternate which side goes first
        order = ["new", "old"] if n % 2 == 0 else ["old", "new"]
        for name in order:
            if name == "new" or args.old:
                runs[name].append(run_side(args.notices, str(ROOT) if name == "new" else args.old, name == "new"))
    new = runs["new"]
    rate = lambda r, key="seconds": r["notices"] / r[key]  # noqa: E731
    print(f"pages: {new[0]['pages']:,} ({new[0]['mb']:,.0f} MB) from the recorded fixtures of {len(KINDS)} source "
          f"kinds; notices: {new[0]['notices']:,} stored, {new[0]['queued']:,} queued; {args.rounds} rounds, "
          "sides alternating")
    print(f"{'notices/s (min / median / max)':44}{'':>4}{'bytes/notice':>14}")
    print(f"{'procwatch (this checkout)':44}{spread([rate(r) for r in new]):>24}{new[0]['bytes_per_notice']:>12,.0f}")
    line = {"bench": "ingest", "notices": new[0]["notices"], "rounds": args.rounds,
            "procwatch_per_s": sorted(rate(r) for r in new)[len(new) // 2],
            "bytes_per_notice": round(new[0]["bytes_per_notice"])}
    if runs["old"]:
        old = runs["old"]
        print(f"{'old: ' + args.old:44}{spread([rate(r) for r in old]):>24}{old[0]['bytes_per_notice']:>12,.0f}")
        ratios = [rate(a) / rate(b) for a, b in zip(new, old)]
        print(f"procwatch / old, per round: {' '.join(f'{x:.2f}×' for x in ratios)} (target ≥ 1.5×)")
        line |= {"old_per_s": sorted(rate(r) for r in old)[len(old) // 2],
                 "old_bytes_per_notice": round(old[0]["bytes_per_notice"]),
                 "ratio_old": round(sorted(ratios)[len(ratios) // 2], 2)}
    floor = [rate(r, "floor_seconds") for r in new]
    print(f"{'floor: orjson/lxml + executemany, same tables':44}{spread(floor):>24}")
    of_floor = [rate(r) / rate(r, "floor_seconds") for r in new]
    print(f"procwatch runs at {' '.join(f'{x:.2f}' for x in of_floor)} of the floor's speed (target ≥ 0.35)")
    line |= {"floor_per_s": sorted(floor)[len(floor) // 2], "ratio_floor": round(sorted(of_floor)[len(of_floor) // 2], 3)}
    if args.stages:
        old_stages = run_side(args.notices, args.old, False, stages=True) if args.old else None
        line["stages"] = print_stages(run_side(args.notices, str(ROOT), False, stages=True), old_stages)
    if args.rss:
        small, large = rss(args.notices // 10), rss(args.notices)
        growth = large["peak_rss_mb"] / small["peak_rss_mb"]
        print(f"peak RSS: {small['peak_rss_mb']:,.0f} MB at {small['notices']:,} notices, "
              f"{large['peak_rss_mb']:,.0f} MB at {large['notices']:,} ({growth:.2f}×, target ≤ 1.2×)")
        line |= {"rss_mb_small": small["peak_rss_mb"], "rss_mb_large": large["peak_rss_mb"],
                 "rss_growth": round(growth, 2)}
    print(json.dumps({k: round(v) if isinstance(v, float) and v > 100 else v for k, v in line.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
