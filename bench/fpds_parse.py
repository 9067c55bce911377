"""Parse the same FPDS ATOM pages with procwatch and with the `fpds` package; print both rates.

procwatch: the safe lxml parse (DTD/entity check, no network) + Atom/FPDS mapping to Notices.
baseline:  `fpds.core.xml.fpdsTree(page).jsonify()` (fpds on PyPI, the reference ATOM parser),
           which turns each page into flat dicts. Same pages, same process, alternating rounds.
Usage: .venv/bin/python bench/fpds_parse.py [--seconds 3]   (needs `pip install '.[bench]'`)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import SourceConfig  # noqa: E402
from bot.http import Http  # noqa: E402
from bot.sources.fpds_atom import FpdsAtom, parse_feed  # noqa: E402

PAGES = [ROOT / "tests" / "fixtures" / "fpds_atom" / name for name in (
    "dherincx92_fpds_full_response_gsa4740_10entries_sole_source_UT.xml",
    "databroker_test_fpdsXML_award_and_idv.xml")]


def procwatch_parser():
    source = FpdsAtom(SourceConfig("bench", "fpds_atom", options=dict(FpdsAtom.OPTIONS)), Http())
    return lambda body: source.parse(parse_feed(body))


def baseline_parser():
    from fpds.core.xml import fpdsTree
    return lambda body: fpdsTree(body).jsonify()


def rate(parse, pages: list[bytes], seconds: float) -> tuple[float, int]:
    """Pages parsed per second over about `seconds`, and the records of one pass."""
    records = sum(len(parse(p)) for p in pages)  # warm-up, and a sanity count
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for page in pages:
            parse(page)
        done += len(pages)
    return done / (time.perf_counter() - started), records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per parser per round")
    args = parser.parse_args()
    pages = [p.read_bytes() for p in PAGES]
    try:
        baseline = baseline_parser()
    except ImportError:
        print("the baseline needs the fpds package: .venv/bin/pip install '.[bench]'", file=sys.stderr)
        return 2
    ours, theirs = [], []
    for _ in range(2):  # alternate so neither side gets a warmer machine
        ours.append(rate(procwatch_parser(), pages, args.seconds / 2))
        theirs.append(rate(baseline, pages, args.seconds / 2))
    ours_rate, ours_records = max(ours)
    base_rate, base_records = max(theirs)
    print(f"pages: {len(pages)} ({sum(map(len, pages)):,} bytes, {ours_records} records procwatch, "
          f"{base_records} records fpds)")
    print(f"procwatch: {ours_rate:,.1f} pages/s  ({ours_rate * ours_records / len(pages):,.0f} records/s)")
    print(f"fpds {_version()}: {base_rate:,.1f} pages/s")
    print(json.dumps({"bench": "fpds_parse", "procwatch_per_s": round(ours_rate, 1),
                      "baseline_per_s": round(base_rate, 1), "ratio": round(ours_rate / base_rate, 2)}))
    return 0


def _version() -> str:
    from importlib.metadata import version
    return version("fpds")


if __name__ == "__main__":
    sys.exit(main())
