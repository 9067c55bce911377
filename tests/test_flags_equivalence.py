"""The shortcuts of bot/flags.py give the flags their plain definitions give."""

import random
import sys
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot import flags
from bot.notice import Notice

KINDS = ["award", "justification", "modification", "tender", "intent", "other", "idv"]
DAYS = [None, "2025-09-01", "2025-10-15", "2026-01-02", "2026-03-01", "2026-09-30", "not a date"]


def _case(rng: random.Random, n: int) -> tuple[Notice, list[dict]]:
    """A notice of any kind and a thread of up to four rows of any kinds, dates and amounts."""
    notice = Notice(source=rng.choice(["sam", "sca"]), native_id=str(n), kind=rng.choice(KINDS),
                    competition=rng.choice(["sole_source", "limited", "competed", "unknown"]),
                    currency=rng.choice(["USD", "EUR", None]), posted_at=rng.choice(DAYS), awarded_at=rng.choice(DAYS),
                    amount=rng.choice([None, Decimal("0"), Decimal("9800"), Decimal("400000"), Decimal("2000000")]),
                    reference="R", codes=rng.choice([{}, {"extent_competed": ["C"]}, {"reason_not_competed": ["URG"]},
                                                     {"modification": ["P0001"]}]))
    thread = [{"uid": f"sam:{i}", "source": rng.choice(["sam", "sca"]), "kind": rng.choice(KINDS),
               "amount": rng.choice([None, "0", "100000", "350000.5"]), "currency": "USD",
               "competition": rng.choice(["sole_source", "limited", "competed"]), "posted_at": rng.choice(DAYS),
               "awarded_at": rng.choice(DAYS)} for i in range(rng.randrange(5))]
    return notice, thread


@pytest.mark.parametrize("seed", range(4))
def test_flags_read_only_the_thread_kinds_refresh_looks_up(seed):
    rng, today = random.Random(seed), date(2026, 10, 2)
    for n in range(5000):
        notice, thread = _case(rng, n)
        read = [r for r in thread if r["kind"] in flags.READS.get(notice.kind, ())]
        assert flags.evaluate(notice, thread, None, today) == flags.evaluate(notice, read, None, today)


def test_counterparts_are_the_kinds_a_notice_reads():
    # refresh finds a notice's counterparts among the rows it read for its own flags
    for kind, counterparts in flags.COUNTERPARTS.items():
        assert set(counterparts) <= set(flags.READS[kind]) <= set(flags.BOTH)


def test_intent_regime_reads_all_types_at_once():
    # intent_regime searches the joined types, and looks for "UK5" only where a "5" is
    assert not [c for c in range(sys.maxunicode + 1) if "5" in chr(c).upper() and chr(c) != "5"]
    for types, regime in [(["Advance Contract Award Notice"], "ca_acan"), (["x", "ADVANCE contract award notice (ACAN)"], "ca_acan"),
                          (["advance contract\naward notice"], None), (["uk5", "Veat"], "uk5"), (["VEAT"], "eu_veat"),
                          (["Presolicitation"], None)]:
        notice = Notice(source="ted", native_id="1", codes={"notice_type": types})
        assert flags.intent_regime(notice) == regime, types


def _plain_vendor_threads(db, uid, vendors, agency, start, end, mine, shown=3):
    """vendor_threads' definition in Python: every filed row read, its threads counted."""
    withdrawn = {u for u, in db.db.execute("SELECT uid FROM notices WHERE withdrawn")}
    threads = sorted({ref or u for u, vendor, where, day, ref in db.db.execute("SELECT * FROM flag_vendors")
                      if vendor in vendors and where == agency and u != uid and start <= day <= end
                      and u not in withdrawn} - {mine})
    return len(threads), threads[:shown + 1]


def _plain_later(db, uid, vendors, agency, after, end):
    """later_same_vendor's definition in Python: the other filed records after `after`, by first day."""
    withdrawn = {u for u, in db.db.execute("SELECT uid FROM notices WHERE withdrawn")}
    days: dict[str, str] = {}
    for u, vendor, where, day, _ in db.db.execute("SELECT * FROM flag_vendors"):
        if vendor in vendors and where == agency and u != uid and after < day <= end and u not in withdrawn:
            days[u] = min(day, days.get(u, day))
    return sorted(days, key=lambda u: (days[u], u))


@pytest.mark.parametrize("threads", [0, 1, 5, 31, 32, 33, 63, 64, 65, 130])
def test_vendor_threads_and_history_listed_or_counted_as_every_row_read_gives(tmp_path, threads):
    # up to _LISTED threads (or rows, before and after a day) are listed, more are counted in SQL:
    # either way the plain count, and the plain later records
    from bot import store_flags
    from bot.store import Database
    db, rng = Database(str(tmp_path / "p.db")), random.Random(threads)
    with db.transaction():
        for n in range(threads * 2):
            notice = Notice(source="sam", native_id=f"n{n}", kind="award", reference=rng.choice(["", f"R{n // 2}"]))
            db.save(notice, "2026-10-02T12:00:00+00:00")
            db.index_vendor(notice.uid, rng.sample(["acme", "uei:a1", "other"], rng.randint(1, 2)),
                            rng.choice(["DEPT", "DEPT", "ELSEWHERE"]), f"2026-0{rng.randint(1, 9)}-01", notice.reference)
        for n in range(0, threads * 2, 7):
            db.mark_withdrawn(f"sam:n{n}", "withdrawn (test)", "2026-10-02T12:00:00+00:00")
    for mine in ("R3", "sam:n4", "none"):
        for vendors in (["acme"], ["acme", "uei:a1"], ["other"]):
            args = ("sam:n2", vendors, "DEPT", "2026-02-01", "2026-08-01", mine)
            assert db.vendor_threads(*args) == _plain_vendor_threads(db, *args)
            for day in ("2026-03-01", "2026-05-01", "2026-05-02"):
                plain = (*_plain_vendor_threads(db, "sam:n2", vendors, "DEPT", "2026-02-01", day, mine),
                         _plain_later(db, "sam:n2", vendors, "DEPT", day, "2026-08-01"))
                assert db.vendor_history("sam:n2", vendors, "DEPT", "2026-02-01", day, "2026-08-01", mine) == plain
    every = ("x", ["acme", "uei:a1", "other"], "DEPT", "2026-01-01", "2026-09-01", "")
    assert db.vendor_threads(*every) == _plain_vendor_threads(db, *every)
    assert threads < 130 or db.vendor_threads(*every)[0] > store_flags._LISTED  # counted, not listed


def _plain_as_date(text):
    """as_date as defined: the ISO date a text begins with, parsed each time."""
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


def test_remembered_dates_are_the_parsed_ones():
    texts = [*DAYS, "", "2026-10-02T12:00:00+00:00", "2026-02-30", "20261002", " 2026-10-02", date(2026, 1, 2), 0, 1,
             True, 20261002, ["2026-10-02"], Decimal("1")]
    for rounds in range(2):  # the second round answers from what the first kept
        assert [flags.as_date(t) for t in texts] == [_plain_as_date(t) for t in texts]
    many = [(date(2020, 1, 1) + timedelta(days=n)).isoformat() + "T00:00" for n in range(flags._DAYS_KEPT + 50)]
    assert [flags.as_date(t) for t in many + many[:100]] == [_plain_as_date(t) for t in many + many[:100]]
    assert len(flags._DAYS) <= flags._DAYS_KEPT


class _ClearedBetweenLookups(dict):
    """What another worker thread filling the table to its bound can do to as_date's table: clear it
    right after a text was found in it."""

    def __contains__(self, text):
        found = super().__contains__(text)
        self.clear()
        return found


def test_a_date_is_answered_when_another_thread_clears_the_table_meanwhile(monkeypatch):
    table = _ClearedBetweenLookups({"2026-10-02": date(2026, 10, 2)})
    monkeypatch.setattr(flags, "_DAYS", table)
    assert flags.as_date("2026-10-02") == date(2026, 10, 2)


def _plain_near_threshold(notice, table):
    """near_threshold as defined, every in-force threshold's band computed in full."""
    if notice.competition not in flags.NON_COMPETED or notice.currency != "USD" or not notice.amount:
        return []
    day = _plain_as_date(notice.awarded_at) or _plain_as_date(notice.posted_at)
    out = []
    for t in (flags.in_force(table["threshold"], day) if day else []):
        limit = Decimal(t["amount"])
        if limit * (1 - Decimal(table["near_percent"]) / 100) <= notice.amount < limit:
            below = (limit - notice.amount) / limit * 100
            out.append(flags.Flag("near_threshold", f"${notice.amount:,.0f} is {below:.1f}% below the ${limit:,.0f} "
                                  f"{t['name']} ({t['authority']})"))
    return out


def test_near_threshold_is_its_definition_at_every_band_edge():
    table = flags.rules()
    limits = {Decimal(t["amount"]) for t in table["threshold"]}
    amounts = [a for limit in limits for a in (limit, limit - Decimal("0.01"), limit * Decimal("0.95"),
                                               limit * Decimal("0.95") - Decimal("0.01"), limit * Decimal("0.97"))]
    rng, raised = random.Random(7), 0
    for n in range(3000):
        notice = Notice(source="sam", native_id=str(n), competition=rng.choice(["sole_source", "limited", "competed"]),
                        currency=rng.choice(["USD", "USD", "EUR"]), amount=rng.choice(amounts + [None, Decimal(0)]),
                        awarded_at=rng.choice(DAYS), posted_at=rng.choice(DAYS))
        found = flags.near_threshold(notice, table)
        assert found == _plain_near_threshold(notice, table), notice
        raised += bool(found)
    assert raised > 300


def _plain_intent_regime(notice):
    """intent_regime as defined, every test run whatever the types."""
    types = notice.codes.get("notice_type", []) + notice.codes.get("procedure", [])
    if flags.ACAN.search("\n".join(types)):
        return "ca_acan"
    if any(t.upper().startswith("UK5") for t in types):
        return "uk5"
    if any(t.lower() == "veat" for t in notice.codes.get("notice_type", [])):
        return "eu_veat"
    if notice.kind == "intent" and (notice.codes.get("response_deadline") or any(flags.US_INTENT_TYPES.match(t) for t in types)):
        return "us_intent"
    return None


def test_intent_regime_is_its_definition_with_and_without_types():
    rng = random.Random(3)
    values = {"notice_type": ["Special Notice", "veat", "UK5", "Advance Contract Award Notice", "Justification"],
              "procedure": ["open", "uk5 direct", "sources sought"], "response_deadline": ["2026-10-20"]}
    for n in range(3000):
        codes = {k: rng.sample(v, rng.randint(1, min(2, len(v)))) for k, v in values.items() if rng.random() < 0.4}
        notice = Notice(source="sam", native_id=str(n), kind=rng.choice(KINDS), codes=codes)
        assert flags.intent_regime(notice) == _plain_intent_regime(notice), codes
