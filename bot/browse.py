"""`procwatch browse`: the database in Datasette, with table and column descriptions and canned queries.

Datasette is an optional extra (`pip install 'procwatch[browse]'`). It opens the database read-only,
so browsing while the daemon runs is safe; it listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import BotError

NOTICE_COLUMNS = ("n.posted_at, n.title, n.agency, n.vendor_name, n.amount, n.currency, n.competition, n.kind,"
                  " n.url, n.uid")
SINCE = "coalesce(nullif(:since, ''), date('now', '-7 days'))"  # a week back unless ?since=YYYY-MM-DD

TABLES = {
    "notices": ("Every procurement record seen, at its current version; full-text search on title, "
                "description, vendor and agency.", {
                    "uid": "source:native id, the notice's identity",
                    "source": "the [sources.NAME] it came from", "native_id": "the source's own id",
                    "kind": "intent, justification (J&A), award, modification, tender or other",
                    "agency": "department › sub-tier › office", "vendor_name": "awardee or intended vendor",
                    "vendor_ids": "JSON list such as uei:…, cage:…", "amount": "decimal, in `currency`",
                    "posted_at": "date published", "awarded_at": "date the award was signed",
                    "reference": "solicitation number / PIID / ocid: links intent, J&A, award and modifications",
                    "codes": "JSON: NAICS, PSC, CPV and the competition codes the verdict reads",
                    "competition": "the verdict: sole_source, limited, competed or unknown",
                    "competition_evidence": "JSON list of what justified the verdict",
                    "url": "the public page", "version": "how many versions were seen",
                    "withdrawn": "1 when the source deleted the record"}),
    "notice_versions": ("Every version of every notice with what changed and the source's raw record.", {
        "changes": "JSON {field: [old, new]}", "material": "1 when vendor, amount, verdict or award data changed",
        "raw": "the source's record, verbatim"}),
    "matches": ("Which watchlist matched which notice version, and why.", {"hits": "JSON: term → field"}),
    "flags": ("Red flags raised on notices (see the README's Red flags section).", {
        "flag": "repeat_vendor, near_threshold, after_the_fact, growth, one_bid, missing_justification, intent_window",
        "detail": "what the flag compared", "due": "for an intent window: the date it closes",
        "cleared_at": "when the flag stopped holding (e.g. the J&A arrived); empty while raised"}),
    "flag_vendors": ("Non-competed awards and J&As filed by vendor (UEI or normalised name) and agency.", {}),
    "source_health": ("Per source: last attempt, last success, failures in a row, last error.", {}),
    "cursors": ("How far each source has read.", {}),
}
HIDDEN = ("outbox", "digests", "alert_threads", "request_budget", "meta", "details", "baselines",
          "evidence_responses", "evidence_links", "health_incidents", "_sqlite_migrations")

QUERIES = {
    "sole_source_this_week": ("Sole-source notices this week", "Posted in the last 7 days (or since ?since=DATE).",
                              f"SELECT {NOTICE_COLUMNS} FROM notices n WHERE n.competition = 'sole_source'"
                              f" AND coalesce(n.posted_at, n.first_seen_at) >= {SINCE} ORDER BY n.posted_at DESC"),
    "by_agency": ("Sole source by agency", "Count and total of sole-source awards and J&As per agency.",
                  "SELECT agency, count(*) AS notices, sum(CAST(amount AS REAL)) AS total_amount, max(posted_at)"
                  " AS latest FROM notices WHERE competition = 'sole_source' GROUP BY agency ORDER BY notices DESC"),
    "by_vendor": ("Sole source by vendor", "Count and total per vendor, most notices first.",
                  "SELECT vendor_name, count(*) AS notices, sum(CAST(amount AS REAL)) AS total_amount,"
                  " count(DISTINCT agency) AS agencies FROM notices WHERE competition = 'sole_source'"
                  " AND vendor_name != '' GROUP BY vendor_name ORDER BY notices DESC, total_amount DESC"),
    "largest_amounts": ("Largest sole-source amounts", "The 100 largest amounts (any currency, as published).",
                        f"SELECT {NOTICE_COLUMNS} FROM notices n WHERE n.competition = 'sole_source'"
                        " AND n.amount IS NOT NULL ORDER BY CAST(n.amount AS REAL) DESC LIMIT 100"),
    "repeat_vendors": ("Repeat sole-source vendors", "Vendors with two or more non-competed awards or J&As from one"
                       " agency (procurements counted, not notices).",
                       "SELECT max(n.vendor_name) AS vendor_name, f.agency, count(DISTINCT coalesce(nullif(f.reference,"
                       " ''), f.uid)) AS procurements, min(f.day) AS first, max(f.day) AS last FROM flag_vendors f"
                       " JOIN notices n USING (uid) GROUP BY f.vendor, f.agency HAVING procurements >= 2"
                       " ORDER BY procurements DESC, last DESC"),
    "flagged_notices": ("Flagged notices", "Notices with a red flag raised, newest first.",
                        f"SELECT f.flag, f.detail, f.due, {NOTICE_COLUMNS} FROM flags f JOIN notices n USING (uid)"
                        " WHERE f.cleared_at IS NULL ORDER BY f.raised_at DESC, n.posted_at DESC"),
    "search": ("Full-text search", "Words in title, description, vendor or agency (?q=WORDS, taken literally).",
               f"SELECT {NOTICE_COLUMNS} FROM notices_fts JOIN notices n ON n.rowid = notices_fts.rowid"
               " WHERE notices_fts MATCH '\"' || replace(:q, '\"', '\"\"') || '\"' ORDER BY rank LIMIT 200"),
}


def arguments(parser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8001, help="port (default 8001)")


def metadata(name: str) -> dict:
    """Datasette metadata for the database named `name` (its file name without .db)."""
    tables = {t: {"description": text, "columns": columns} for t, (text, columns) in TABLES.items()}
    tables |= {t: {"hidden": True} for t in HIDDEN}
    queries = {q: {"title": title, "description": text, "sql": sql} for q, (title, text, sql) in QUERIES.items()}
    return {"title": "procwatch", "description": "Sole-source government contracts caught by procwatch.",
            "databases": {name: {"tables": tables, "queries": queries}}}


def command(database: str, host: str, port: int, folder: str) -> list[str]:
    """The Datasette command line serving `database`, its metadata written into `folder`."""
    if importlib.util.find_spec("datasette") is None:
        raise BotError("Datasette is not installed", "pip install 'procwatch[browse]' (or pip install datasette)")
    if not os.path.exists(database):
        raise BotError(f"no database at {database}", "run `procwatch once` first, or check [bot] database")
    meta = Path(folder) / "metadata.json"
    meta.write_text(json.dumps(metadata(Path(database).stem), indent=2))
    return [sys.executable, "-m", "datasette", "serve", database, "--metadata", str(meta),
            "--host", host, "--port", str(port), "--setting", "sql_time_limit_ms", "5000"]


def main(args, config, out) -> int:
    """Run Datasette in the foreground until Ctrl-C (or SIGTERM)."""
    with tempfile.TemporaryDirectory(prefix="procwatch-browse-") as folder:
        argv = command(config.bot.database, args.host, args.port, folder)
        print(f"procwatch browse: http://{args.host}:{args.port}/{Path(config.bot.database).stem}"
              " (Ctrl-C to stop)", file=out, flush=True)
        with subprocess.Popen(argv) as server:
            try:
                return server.wait()
            except KeyboardInterrupt:
                server.terminate()
                return 0
