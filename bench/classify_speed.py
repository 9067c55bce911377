"""Classify speed: µs per notice for an old commit's classifier and this tree's, alternating rounds.

Each round runs one fresh process per side (old, then new, then old, ...), so both sides meet the
same machine load. A process imports `bot.classify` from its tree (the import is timed: it is what
every CLI command pays), builds a Notice for each corpus record (title and description, no codes,
as bench/verdict.py does) and times `classify` over all of them, REPEAT passes; the best pass is
that round's figure (each pass reads every text afresh: kept readings are forgotten first). Printed: min / median / max µs per notice over the rounds for each side, the
new/old ratio of the medians, and the import times. Last line JSON.

Usage: .venv/bin/python bench/classify_speed.py [--old REF] [--rounds N] [--repeat N] [--chars N] [--corpus PATH ...]
Default: --old 85142f6 (the first-generation classifier), 5 rounds, 5 passes, the own corpus
(tests/fixtures/classify/corpus.jsonl) and ../shared/realworld/classify/cases.jsonl when present
(read in place). The old tree is extracted with `git archive` into a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = [ROOT / "tests" / "fixtures" / "classify" / "corpus.jsonl",
           ROOT.parent / "shared" / "realworld" / "classify" / "cases.jsonl"]


def worker(tree: str, corpora: list[str], repeat: int, chars: int) -> None:
    """In a fresh process: time the import of bot.classify from `tree`, then classify per notice."""
    sys.path.insert(0, tree)
    started = time.perf_counter()
    from bot.classify import classify  # noqa: PLC0415
    imported = time.perf_counter() - started
    from bot.notice import Notice  # noqa: PLC0415
    records = [json.loads(line) for path in corpora for line in Path(path).read_text(encoding="utf-8").splitlines()
               if line.strip()]
    notices = [Notice("bench", str(r.get("id") or n), title=r.get("title") or "",
                      description=(r.get("text") or "")[:chars or None]) for n, r in enumerate(records)]
    first = time.perf_counter()
    for notice in notices:  # the first pass pays any lazy compilation: reported, not scored
        classify(notice)
    first = time.perf_counter() - first
    best = min(_timed(classify, notices) for _ in range(repeat))
    print(json.dumps({"us_per_notice": best / len(notices) * 1e6, "import_ms": imported * 1e3,
                      "first_pass_us_per_notice": first / len(notices) * 1e6, "notices": len(notices)}))


def _timed(classify, notices) -> float:
    """One pass, each text read afresh: a tree that keeps its readings (bot/statements.py keeps the
    last 2,048) forgets them first, or every pass after the first would time the kept copies."""
    _forget_readings()
    started = time.perf_counter()
    for notice in notices:
        classify(notice)
    return time.perf_counter() - started


def _forget_readings() -> None:
    try:
        from bot import statements  # noqa: PLC0415
    except ImportError:  # the first-generation classifier had no statements module
        return
    kept = statements.tables() if hasattr(statements, "tables") else None
    for name in ("readings", "texts"):
        getattr(kept, name, {}).clear()


def run(tree: Path, corpora: list[Path], repeat: int, chars: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", str(tree), "--repeat", str(repeat),
                          "--chars", str(chars), "--corpus",
                          *map(str, corpora)], capture_output=True, text=True, check=True, cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(values: list[float]) -> dict:
    return {"min": round(min(values), 1), "median": round(statistics.median(values), 1), "max": round(max(values), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old", default="85142f6", help="git ref of the baseline classifier (default 85142f6)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5, help="timed passes per process (best is kept)")
    parser.add_argument("--corpus", type=Path, nargs="+", help="labelled JSONL files (default: own + realworld)")
    parser.add_argument("--chars", type=int, default=0, help="cut each description to this many characters "
                        "(a short SAM.gov description is ~330); 0 = whole text")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    corpora = args.corpus or [p for p in CORPORA if p.exists()]
    if args.worker:
        worker(args.worker, [str(p) for p in corpora], args.repeat, args.chars)
        return 0
    with tempfile.TemporaryDirectory(prefix="pw-old-") as old_tree:
        archive = subprocess.run(["git", "archive", args.old], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", old_tree], input=archive, check=True)
        results: dict[str, list[dict]] = {"old": [], "new": []}
        for n in range(args.rounds):
            for side, tree in (("old", Path(old_tree)), ("new", ROOT)):
                results[side].append(run(tree, corpora, args.repeat, args.chars))
            print(f"round {n + 1}: old {results['old'][-1]['us_per_notice']:.1f} µs, "
                  f"new {results['new'][-1]['us_per_notice']:.1f} µs per notice")
    figures = {side: {"us_per_notice": summary([r["us_per_notice"] for r in rows]),
                      "import_ms": summary([r["import_ms"] for r in rows]),
                      "first_pass_us_per_notice": summary([r["first_pass_us_per_notice"] for r in rows])}
               for side, rows in results.items()}
    ratio = figures["new"]["us_per_notice"]["median"] / figures["old"]["us_per_notice"]["median"]
    notices = results["new"][0]["notices"]
    for side in ("old", "new"):
        f = figures[side]
        print(f"{side} ({args.old if side == 'old' else 'this tree'}): classify µs/notice min/median/max "
              f"{f['us_per_notice']['min']}/{f['us_per_notice']['median']}/{f['us_per_notice']['max']}; "
              f"import bot.classify ms {f['import_ms']['min']}/{f['import_ms']['median']}/{f['import_ms']['max']}; "
              f"first pass µs/notice {f['first_pass_us_per_notice']['median']}")
    print(f"new/old (median µs per notice): {ratio:.2f}x over {notices} notices"
          f"{f' cut to {args.chars} characters' if args.chars else ''}, {args.rounds} rounds")
    print(json.dumps({"old_ref": args.old, "notices": notices, "chars": args.chars, "rounds": args.rounds,
                      "ratio_new_over_old": round(ratio, 2)} | figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
