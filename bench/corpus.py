"""Vocabulary harvested from the recorded fixtures, and seeded synthetic notices built from it.

The benchmarks need many notices that read like the real ones: titles, descriptions, vendor names
and agency paths are taken from the fixture payloads (tests/fixtures/ and, when present,
/work/shared/fixtures/), in every language they carry (English, French, German, Swedish, ...),
and recombined with a seeded random generator so every run builds the same data.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DIRS = [ROOT / "tests" / "fixtures", ROOT.parent / "shared" / "fixtures"]

_TITLE_KEYS = {"title", "notice-title", "title-titre-eng", "title-titre-fra", "awardTitle"}
_TEXT_KEYS = {"description", "descriptionOfContractRequirement", "procurementMethodDetails",
              "description-lot", "description-proc"}
_ORG_KEYS = {"legalName", "winner-name",
             "organisation-name-tenderer", "supplierLegalName-nomLegalFournisseur-eng",
             "supplierLegalName-nomLegalFournisseur-fra", "recipient_name", "Recipient Name"}
_AGENCY_KEYS = {"fullParentPathName", "buyer-name", "organisation-name-buyer", "contractingDepartmentName", "awarding_agency_name",
                "contractingEntityName-nomEntitContractante-eng", "departmentName", "subtierName"}
_XML = {"vendorName": "org", "title": "title", "descriptionOfContractRequirement": "text"}
_WORD = re.compile(r"[^\W\d_]{3,}")
_PATH_SPLIT = re.compile(r"(?<=[^.\s]{2})\.(?=\S)")  # SAM's "DEPT.SUB-TIER.OFFICE" (not "U.S.")


@dataclass
class Vocabulary:
    titles: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    agencies: list[list[str]] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)  # of real notice descriptions (see harvest)

    def words(self) -> list[str]:
        """Distinct words (3+ letters) of every title and text, in first-seen order."""
        seen: dict[str, None] = {}
        for text in self.titles + self.texts:
            for w in _WORD.findall(text):
                seen.setdefault(w.lower())
        return list(seen)


def _strings(value) -> list[str]:
    """Every string in a value that may be a string, a list, or a {language: text|[text]} dict."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def _walk(obj, vocab: Vocabulary) -> None:
    if isinstance(obj, dict):
        if "buyer" in (obj.get("roles") or ()) and isinstance(obj.get("name"), str):
            vocab.agencies.append([obj["name"]])
        for key, value in obj.items():
            if key in _TITLE_KEYS:
                vocab.titles += [s for s in _strings(value) if 8 <= len(s) <= 300]
            elif key in _TEXT_KEYS:
                vocab.texts += [s for s in _strings(value) if len(s) >= 40]
            elif key in _ORG_KEYS or (key == "name" and isinstance(value, str)):
                vocab.orgs += [s for s in _strings(value) if 4 <= len(s) <= 80 and " " in s and "_" not in s
                               and not s.startswith(("http", "YES", "NO "))]
            elif key in _AGENCY_KEYS:
                vocab.agencies += [_PATH_SPLIT.split(s) for s in _strings(value) if len(s) > 3]
            _walk(value, vocab)
    elif isinstance(obj, list):
        for item in obj:
            _walk(item, vocab)


def harvest() -> Vocabulary:
    """Titles, texts, organisation names and agency paths of every fixture, deduplicated."""
    vocab = Vocabulary()
    for folder in FIXTURE_DIRS:
        for path in sorted(folder.rglob("*")) if folder.exists() else ():
            if path.suffix == ".json":
                try:
                    _walk(json.loads(path.read_bytes()), vocab)
                except ValueError:
                    continue
            elif path.suffix == ".csv":
                rows = csv.DictReader(io.StringIO(path.read_text("utf-8-sig", errors="replace")))
                _walk(list(rows), vocab)
            elif path.suffix == ".xml" and "bomb" not in path.name:
                text = path.read_text("utf-8", errors="replace")
                for tag, bucket in _XML.items():
                    found = re.findall(rf"<(?:\w+:)?{tag}>([^<]+)<", text)
                    getattr(vocab, {"org": "orgs", "title": "titles", "text": "texts"}[bucket]).extend(found)
    return Vocabulary(*(_dedupe(getattr(vocab, f)) for f in ("titles", "texts", "orgs")),
                      _dedupe([[p.strip() for p in a if p.strip()] for a in vocab.agencies if a]),
                      _description_lengths())


def _description_lengths() -> list[int]:
    """Lengths of the tender descriptions on the live Contracts Finder page (100 real notices, mean
    577, median 328, max 3,174 characters): the recorded page whose notices carry full descriptions."""
    page = json.loads((FIXTURE_DIRS[0] / "uk_contracts_finder" / LENGTH_MODEL).read_bytes())
    return [len(r["tender"]["description"]) for r in page["releases"] if (r.get("tender") or {}).get("description")]


LENGTH_MODEL = "cf_ocds_search_published_2025-01-20T23_to_2025-01-23T23_limit100_page1.json"


def _dedupe(items: list) -> list:
    out, seen = [], set()
    for item in items:
        key = json.dumps(item) if isinstance(item, list) else item.strip()
        if key and key not in seen:
            seen.add(key)
            out.append(item if isinstance(item, list) else item.strip())
    return out


def description(rng: random.Random, vocab: Vocabulary, target: int) -> str:
    """Real description sentences joined up to about `target` characters."""
    parts, size = [], 0
    while size < target:
        text = rng.choice(vocab.texts)
        parts.append(text)
        size += len(text) + 1
    return " ".join(parts)[: max(target, 40)]


def notices(n: int, vocab: Vocabulary, seed: int = 7, source: str = "bench"):
    """`n` seeded Notices of realistic shape: real titles, descriptions of real sentences with the
    lengths of real descriptions, vendors on about two in three, agency paths on all, a quarter of
    them sole-source."""
    from bot.notice import Notice
    rng = random.Random(seed)
    verdicts = ["sole_source", "competed", "competed", "unknown"]
    for i in range(n):
        yield Notice(
            source=source, native_id=f"n{i:07d}", title=rng.choice(vocab.titles),
            description=description(rng, vocab, rng.choice(vocab.lengths)),
            vendor_name=rng.choice(vocab.orgs) if rng.random() < 0.66 else "",
            agency_path=rng.choice(vocab.agencies), amount=Decimal(rng.randint(1, 50_000) * 100),
            currency="USD", competition=rng.choice(verdicts), kind="award")
