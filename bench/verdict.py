"""Sole-source verdict quality: precision, recall, F1 and every miss over a labelled JSONL corpus.

Each record (`id`, `title`, `text`, `label`, `reason`, `provenance`/`source_path`) is scored as the
pipeline would meet it on SAM.gov with no codes: a Special Notice search record built by
`bot.sources.sam_opportunities` (title only), completed with its description through the
source's `apply_detail`, then `bot.classify.classify`. A record counts as predicted sole source
when the verdict is `sole_source`. For true positives the script also checks that a quoted
evidence line holds the deciding cue as written (the deciding sentence, not a neighbour or a code).

This is not a timed benchmark; there is no baseline to run beside it. The figure to compare with
is the one printed by an earlier commit on the same corpus.

Usage: .venv/bin/python bench/verdict.py [--corpus PATH] [--quiet]
Default corpus: ../shared/realworld/classify/cases.jsonl (read in place; never copied).
The last line printed is JSON: {"corpus", "cases", "tp", "fp", "fn", "tn", "precision",
"recall", "f1", "evidence_quotes_cue"}.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.classify import SOLE, classify, explain  # noqa: E402
from bot.config import SourceConfig  # noqa: E402
from bot.http import Http  # noqa: E402
from bot.notice import Notice  # noqa: E402
from bot.sources.sam_opportunities import SamOpportunities  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "realworld" / "classify" / "cases.jsonl"
SPECIAL_NOTICE = "Special Notice"


def load(path: Path) -> list[dict]:
    """The corpus records; a line that is not a JSON object with `text` and `label` is an error."""
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if not isinstance(record, dict) or "label" not in record or "text" not in record:
            raise SystemExit(f"Error: {path}:{n}: a record needs `text` and `label`")
        cases.append(record)
    return cases


def sam_source() -> SamOpportunities:
    """A SAM.gov opportunities source as configured by default, with Special Notices selected."""
    options = dict(SamOpportunities.OPTIONS) | {"notice_types": ["s"]}
    return SamOpportunities(SourceConfig("sam", "sam_opportunities", options=options), Http())


def as_pipeline_sees_it(source: SamOpportunities, case: dict) -> Notice:
    """The case parsed as a SAM.gov Special Notice search record, its description applied, classified."""
    record = {"noticeId": str(case.get("id") or "case"), "title": case.get("title") or "",
              "type": SPECIAL_NOTICE}
    [notice] = source.parse({"opportunitiesData": [record]})
    return classify(source.apply_detail(notice, case.get("text") or ""))


def quotes_cue(notice: Notice) -> bool:
    """True when a quoted evidence line holds the deciding cue as written (not only a code or a neighbour)."""
    cue = explain(notice).cue_text
    return bool(cue) and any(line.startswith('"') and cue in line for line in notice.competition_evidence)


def score(cases: list[dict]) -> tuple[dict, list[tuple[str, dict, Notice]]]:
    """Counts and figures over the corpus, plus (kind, case, notice) for every miss."""
    source = sam_source()
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    misses, quoted = [], 0
    for case in cases:
        notice = as_pipeline_sees_it(source, case)
        said, truth = notice.competition == SOLE, bool(case["label"])
        kind = {(True, True): "tp", (True, False): "fp", (False, True): "fn", (False, False): "tn"}[said, truth]
        counts[kind] += 1
        if kind in ("fp", "fn"):
            misses.append((kind, case, notice))
        elif kind == "tp":
            quoted += quotes_cue(notice)
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    figures = counts | {"cases": len(cases), "precision": round(precision, 3), "recall": round(recall, 3),
                        "f1": round(f1, 3), "evidence_quotes_cue": round(quoted / tp, 3) if tp else 0.0}
    return figures, misses


def print_miss(kind: str, case: dict, notice: Notice) -> None:
    """One miss: what it is, why it is labelled so, and what the classifier saw."""
    name = "false positive" if kind == "fp" else "missed sole source"
    print(f"{name}: {case.get('id')}  {(case.get('title') or '')[:80]}")
    print(f"  label reason: {case.get('reason', '')}")
    for line in notice.competition_evidence:
        print(f"  evidence:     {line}")
    for line in explain(notice).discounted[:6]:
        print(f"  discounted:   {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT, help=f"labelled JSONL (default {DEFAULT})")
    parser.add_argument("--quiet", action="store_true", help="print only the figures, not every miss")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"Error: no corpus at {args.corpus} (give one with --corpus PATH)", file=sys.stderr)
        return 2
    figures, misses = score(load(args.corpus))
    if not args.quiet:
        for kind, case, notice in misses:
            print_miss(kind, case, notice)
    print(f"{figures['cases']} cases: precision {figures['precision']}, recall {figures['recall']}, "
          f"F1 {figures['f1']}; {len(misses)} misses; evidence quotes its cue in "
          f"{figures['evidence_quotes_cue']:.0%} of true positives")
    print(json.dumps({"corpus": str(args.corpus)} | figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
