"""The one normalised record every source produces and every later stage consumes (DESIGN §4).

No I/O here: only the fields, the identity (`uid`) and the content hash that decides whether a
record seen again is a no-op, a new version, or a material update worth alerting.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

import orjson

KINDS = ("intent", "justification", "award", "idv", "modification", "tender", "other")
COMPETITIONS = ("sole_source", "limited", "competed", "unknown")
FLAGS = {  # red flags (bot/flags.py): code → label, in the order a reader sees them
    "repeat_vendor": "repeat sole source", "near_threshold": "near a threshold",
    "after_the_fact": "J&A after the award", "growth": "growth by modification",
    "one_bid": "one-bid competition", "missing_justification": "award without its J&A",
    "intent_window": "intent window",
}

# Fields a reader cares about: a change in any of them makes a new version.
CONTENT_FIELDS = (
    "title", "description", "kind", "agency_path", "vendor_name", "vendor_ids", "amount",
    "currency", "posted_at", "awarded_at", "period_start", "period_end", "reference",
    "competition", "url",
)
# A new version that changes one of these is a material update and is alerted again.
MATERIAL_FIELDS = ("vendor_name", "amount", "competition", "awarded_at")


@dataclass
class Notice:
    """A procurement record, whatever its source.

    Dates are ISO 8601 strings as published (date-only or with an offset). `codes` holds the
    classification codes (naics, psc, cpv) and the competition codes that `classify` reads
    (extent_competed, reason_not_competed, solicitation_procedures, fair_opportunity, set_aside,
    notice_type, procedure, ...), each as a list of strings.
    """

    source: str
    native_id: str
    title: str = ""
    url: str = ""
    kind: str = "other"
    description: str = ""
    agency_path: list[str] = field(default_factory=list)
    vendor_name: str = ""
    vendor_ids: list[str] = field(default_factory=list)
    amount: Decimal | None = None
    currency: str | None = None
    posted_at: str | None = None
    awarded_at: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    reference: str = ""
    codes: dict[str, list[str]] = field(default_factory=dict)
    competition: str = "unknown"
    competition_evidence: list[str] = field(default_factory=list)
    raw: str = ""

    @functools.cached_property
    def uid(self) -> str:
        """Stable identity across polls: `{source}:{native id}`, made once (ingest asks ~24 times a
        notice); a notice is never assigned a new id in place: `replace` makes the copy and its uid."""
        return f"{self.source}:{self.native_id}"

    def content(self) -> dict:
        """The reader-facing fields as plain JSON-able values."""
        out = {}
        for name in CONTENT_FIELDS:
            value = getattr(self, name)
            out[name] = str(value) if isinstance(value, Decimal) else value
        return out

    def content_hash(self) -> str:
        """Hash of the reader-facing fields: same hash means nothing a reader cares about changed."""
        return content_hash(self.content())

    def replace(self, **changes) -> Notice:
        """A copy with some fields changed (notices are passed around, not mutated in place): the
        fields copied as dataclasses.replace copies them (lists and dicts shared), at a quarter of
        its cost (2.3 µs a call, once or twice a notice at ingest)."""
        unknown = changes.keys() - _FIELDS
        if unknown:
            raise TypeError(f"Notice has no field {', '.join(sorted(unknown))}")
        copy = object.__new__(type(self))
        copy.__dict__ = {**self.__dict__, **changes}
        if "source" in changes or "native_id" in changes:
            copy.__dict__.pop("uid", None)  # the kept uid is the original's
        return copy


_FIELDS = frozenset(f.name for f in dataclasses.fields(Notice))


def content_hash(content: dict) -> str:
    """The hash of a `content()` dict (the store hashes the dict it also writes: one content() per save)."""
    return hashlib.sha256(_HASHED(content).encode("utf-8")).hexdigest()[:32]


_HASHED = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # the encoder made once, not per call
json_dumps = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(x, ensure_ascii=False): hits and changes, its encoder made once


def json_text(value) -> str:
    """A record or a notice's list or dict as JSON text (`Notice.raw`, the store's JSON columns): keys
    in the order given, written by orjson (~10× json's speed). Most values are plain JSON with string
    keys, written without the options `any_json_text` needs (OPT_NON_STR_KEYS is ~40% of a write:
    an OCDS release 5.6 against 9.5 µs); whatever orjson refuses so is written by `any_json_text`."""
    try:
        return orjson.dumps(value, option=_PLAIN_JSON).decode("utf-8")
    except orjson.JSONEncodeError:
        return any_json_text(value)


def any_json_text(value) -> str:
    """`json_text` of any value: what orjson cannot write (integers beyond 64 bits) goes through json,
    and values neither knows as JSON (dates, Decimals) become their text, as json's `default=str` made them."""
    try:
        return orjson.dumps(value, default=str, option=_AS_JSON_DOES).decode("utf-8")
    except orjson.JSONEncodeError:
        return _STANDARD_TEXT(value)


_STANDARD_TEXT = json.JSONEncoder(ensure_ascii=False, default=str).encode
# orjson leaves dates, dataclasses and subclasses of str, int and dict to `default=str`, as json does
_AS_JSON_DOES = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                 | orjson.OPT_PASSTHROUGH_SUBCLASS)
# the same less OPT_NON_STR_KEYS and `default`: a key or value of those kinds raises, for any_json_text
_PLAIN_JSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def changed_fields(old: dict, new: dict) -> dict[str, list]:
    """`{field: [old, new]}` for every content field that differs between two `content()` dicts."""
    return {k: [old.get(k), new.get(k)] for k in CONTENT_FIELDS if old.get(k) != new.get(k)}


def is_material(changes: dict) -> bool:
    """True when a change touches vendor, amount, competition or award data."""
    return any(k in changes for k in MATERIAL_FIELDS)
