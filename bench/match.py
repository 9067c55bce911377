"""Watchlist matching: procwatch's Matcher against a per-term regex loop, same notices, same process.

Data: 1,000 watchlist terms (vendor names, keywords, agencies; English, French, German, Swedish
and more) spread over 20 watchlists, and 100,000 notices of realistic length, all built with a
fixed seed from the recorded fixtures' vocabulary (bench/corpus.py).
procwatch: `bot.match.Matcher(watchlists).match(notice)` (one Aho-Corasick pass per field), timed
           on a second pass over the notices (steady state: its caches of recurring agency and
           vendor texts and accented runs are warm, as in a running daemon); the first, cold pass
           is printed too.
baseline:  what users hand-write: per watchlist, per term, a precompiled case-insensitive
           word-bounded regex searched in each field (the competition and amount filters first,
           so the baseline skips what it can). It is slow, so it runs on the first
           `--baseline-notices` notices and its rate is per notice, like procwatch's.
Usage: .venv/bin/python bench/match.py [--notices 100000] [--baseline-notices 1000]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402

from bot.config import Watchlist  # noqa: E402
from bot.match import AGENCY_ALIASES, Matcher  # noqa: E402

# Topic keywords in several languages (the rest of the keywords are phrases of the fixtures' text).
TOPICS = [
    "facial recognition", "reconnaissance faciale", "Gesichtserkennung", "reconocimiento facial",
    "riconoscimento facciale", "ansiktsigenkänning", "gezichtsherkenning", "rozpoznawanie twarzy",
    "biometric", "biométrique", "biometrische Daten", "biometría", "surveillance", "Überwachung",
    "övervakning", "vigilancia", "videosorveglianza", "licence plate recognition", "ANPR",
    "lecture automatique de plaques", "Kennzeichenerkennung", "spyware", "logiciel espion",
    "Staatstrojaner", "predictive policing", "police prédictive", "body-worn cameras",
    "caméras-piétons", "Bodycams", "drones", "Drohnen", "drönare", "social media monitoring",
    "cell-site simulator", "IMSI catcher", "data broker", "courtier en données", "Datenhändler",
    "gunshot detection", "emotion recognition", "crowd analytics", "analyse vidéo", "Videoanalyse",
]
N_TERMS, N_LISTS = 1000, 20


def terms(vocab: corpus.Vocabulary, rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    """(vendors, keywords, agencies): 400 + 450 + 150 distinct terms.

    Like a real watchlist, most terms are specific and rarely hit: 40 vendors and 40 phrases are
    taken from the fixtures (they hit), the rest are names and phrases composed of the fixtures'
    words that seldom occur as such."""
    words = [w for w in vocab.words() if len(w) > 3]
    vendors = rng.sample(vocab.orgs, 40)
    while len(vendors) < 400:
        name = f"{rng.choice(words).title()} {rng.choice(words).title()} {rng.choice(SUFFIXES)}"
        if name not in vendors:
            vendors.append(name)
    keywords = list(TOPICS)
    while len(keywords) < len(TOPICS) + 40:
        text = _WORDS.findall(rng.choice(vocab.texts + vocab.titles))
        if len(text) >= 4:
            start = rng.randrange(len(text) - 2)
            phrase = " ".join(text[start:start + 3])
            if phrase not in keywords:
                keywords.append(phrase)
    while len(keywords) < 450:
        phrase = " ".join(rng.sample(words, 2))
        if phrase not in keywords:
            keywords.append(phrase)
    agencies = list(AGENCY_ALIASES)
    levels = sorted({level for path in vocab.agencies for level in path if len(level) > 3})
    agencies += rng.sample(levels, min(150 - len(agencies), len(levels)))
    return vendors[:400], keywords[:450], agencies[:150]


SUFFIXES = ["Ltd", "Inc.", "GmbH", "AB", "SAS", "LLC", "S.p.A.", "B.V.", "Oy", "A/S"]
_WORDS = re.compile(r"[^\W\d_][\w'-]*")


def watchlists(vendors: list[str], keywords: list[str], agencies: list[str]) -> list[Watchlist]:
    """20 watchlists sharing the 1,000 terms; every 4th also filters on agencies, every 5th on
    every verdict (not only sole-source)."""
    out = []
    for i in range(N_LISTS):
        agency_terms = tuple(agencies[i // 4::N_LISTS // 4]) if i % 4 == 0 else ()
        out.append(Watchlist(
            name=f"list{i:02d}", vendors=tuple(vendors[i::N_LISTS]), keywords=tuple(keywords[i::N_LISTS]),
            agencies=agency_terms,
            competition=("sole_source", "limited", "competed", "unknown") if i % 5 == 0 else ("sole_source",)))
    assert sum(len(w.vendors) + len(w.keywords) + len(w.agencies) for w in out) == N_TERMS
    return out


class RegexLoop:
    """The hand-written baseline: every term its own precompiled word-bounded regex."""

    def __init__(self, lists: list[Watchlist]):
        def rx(term, extra=()):
            alternatives = "|".join(re.escape(t) for t in (term, *extra))
            return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        self.lists = [(w, [(t, rx(t)) for t in w.vendors], [(t, rx(t)) for t in w.keywords],
                       [(t, rx(t, AGENCY_ALIASES.get(t.upper(), ()))) for t in w.agencies]) for w in lists]

    def match(self, notice) -> list[tuple[str, list[tuple[str, str, str]]]]:
        out = []
        texts = (("title", notice.title), ("description", notice.description))
        for wl, vendors, keywords, agencies in self.lists:
            if notice.competition not in wl.competition:
                continue
            if wl.min_amount and notice.amount is not None and notice.amount < wl.min_amount:
                continue
            hits = [("vendor", t, f) for t, r in vendors
                    for f, text in (*texts, ("vendor_name", notice.vendor_name)) if r.search(text)]
            hits += [("keyword", t, f) for t, r in keywords for f, text in texts if r.search(text)]
            agency = [("agency", t, "agency_path") for t, r in agencies
                      if any(r.search(level) for level in notice.agency_path)]
            if hits and (agency or not agencies):
                out.append((wl.name, hits + agency))
        return out


def timed(fn, notices, keep: int) -> tuple[float, list, int]:
    """Seconds to run `fn` over `notices`, the results of the first `keep`, the total result count
    (the rest are dropped, as the pipeline drops them, so the collector has no pile to rescan)."""
    kept, count = [], 0
    started = time.perf_counter()
    for n, notice in enumerate(notices):
        result = fn(notice)
        count += len(result)
        if n < keep:
            kept.append(result)
    return time.perf_counter() - started, kept, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--baseline-notices", type=int, default=1_000)
    args = parser.parse_args()
    vocab = corpus.harvest()
    lists = watchlists(*terms(vocab, random.Random(1)))
    notices = list(corpus.notices(args.notices, vocab))
    chars = sum(len(n.title) + len(n.description) + len(n.vendor_name) + sum(map(len, n.agency_path))
                for n in notices) / len(notices)

    started = time.perf_counter()
    matcher = Matcher(lists)
    compile_s = time.perf_counter() - started
    sample = notices[:args.baseline_notices]
    gc.freeze()  # the 100,000 prebuilt notices are not the matcher's garbage to scan
    cold_s, _, _ = timed(matcher.match, notices, 0)  # first pass: the matcher's caches fill up
    ours_s, ours, matched = timed(matcher.match, notices, len(sample))  # steady state, as in a running daemon
    started = time.perf_counter()
    loop = RegexLoop(lists)
    base_compile_s = time.perf_counter() - started
    timed(loop.match, sample[:100], 0)  # the same courtesy: a warm-up pass
    base_s, theirs, _ = timed(loop.match, sample, len(sample))

    ours_rate, base_rate = len(notices) / ours_s, len(sample) / base_s
    ours_in_sample = {(n.uid, m.watchlist) for n, ms in zip(sample, ours) for m in ms}
    base_pairs = {(n.uid, name) for n, ms in zip(sample, theirs) for name, _ in ms}
    agree = len(ours_in_sample & base_pairs) / max(1, len(ours_in_sample | base_pairs))

    print(f"terms: {N_TERMS} in {N_LISTS} watchlists; notices: {len(notices):,} "
          f"(mean {chars:,.0f} characters of text each)")
    print(f"{'':22}{'notices':>10}{'seconds':>10}{'notices/s':>12}{'compile s':>11}{'matches':>9}")
    print(f"{'procwatch Matcher':22}{len(notices):>10,}{ours_s:>10.2f}{ours_rate:>12,.0f}{compile_s:>11.3f}"
          f"{matched:>9,}")
    print(f"{'  (first, cold pass)':22}{len(notices):>10,}{cold_s:>10.2f}{len(notices) / cold_s:>12,.0f}")
    print(f"{'per-term regex loop':22}{len(sample):>10,}{base_s:>10.2f}{base_rate:>12,.0f}{base_compile_s:>11.3f}"
          f"{len(base_pairs):>9,}")
    print(f"speed-up: {ours_rate / base_rate:,.0f}×; on the first {len(sample):,} notices both agree on "
          f"{agree:.0%} of (notice, watchlist) matches (procwatch also folds accents and legal suffixes)")
    print(json.dumps({"bench": "match", "terms": N_TERMS, "notices": len(notices),
                      "procwatch_per_s": round(ours_rate), "procwatch_cold_per_s": round(len(notices) / cold_s),
                      "baseline_per_s": round(base_rate, 1),
                      "baseline_notices": len(sample), "agreement": round(agree, 3),
                      "target_per_s": 50_000, "target_ratio": 100, "ratio": round(ours_rate / base_rate, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
