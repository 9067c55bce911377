"""Red flags (bot/flags.py) on stores built by the real pipeline from synthetic notices, as every
channel, `show` and `search --json` present them."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta

import pytest
from conftest import NOW, FakeSam, fixture_json
from test_delivery import CONFIG as DELIVERY_CONFIG, mails
from test_sam_contract_awards import FakeContractAwards, ge_order

from bot import flags
from bot.cli import main
from bot.notice import Notice
from bot.store import Database

ROWS = fixture_json("sam_opportunities", "synthetic_sam_opportunities_justification_ptype_u_window.json")["opportunitiesData"]
CLEARVIEW_JA, ICE_INTENT = ROWS[0], ROWS[1]


def ja(notice_id: str, award_number: str, amount: str, awarded: str, posted: str, title: str,
       vendor: str = "CLEARVIEW AI, INC.", uei: str = "SYNTHUEI0001") -> dict:
    """A J&A notice like the recorded CBP one, for another award."""
    r = copy.deepcopy(CLEARVIEW_JA)
    r.update(noticeId=notice_id, title=title, postedDate=posted, solicitationNumber="",
             uiLink=f"https://sam.gov/opp/{notice_id}/view")
    r["award"].update(number=award_number, amount=amount, date=awarded)
    r["award"]["awardee"].update(name=vendor, ueiSAM=uei)
    return r


def intent(deadline: str | None) -> dict:
    r = copy.deepcopy(ICE_INTENT)
    r["responseDeadLine"] = deadline
    return r


SECOND_JA = ja("bb000000000000000000000000000011", "70B0OA26P00000300", "340000.00", "2026-09-25", "2026-09-29",
               "Clearview AI investigative licences - Justification")


@pytest.fixture
def sam_rows():
    return [copy.deepcopy(CLEARVIEW_JA), SECOND_JA, intent("2026-10-12T17:00:00-04:00")]


@pytest.fixture
def channels(make_app, fake_sam, fake_slack, smtp_server, tmp_path, httpserver):
    """`once` with console, Slack and email channels; returns (console text, slack text, mail plain, mail html)."""
    text = DELIVERY_CONFIG.format(db=tmp_path / "state" / "procwatch.db", base=httpserver.url_for("").rstrip("/"),
                                  slack=fake_slack.base_url, smtp=smtp_server.port)
    text += '\n[channels.console]\nkind = "console"\nwatchlists = ["surveillance"]\n'

    def run(capsys):
        assert make_app(text=text).once() == 0
        [mail] = mails(smtp_server.sink, "ana@example.org")
        return (capsys.readouterr().out, "\n".join(fake_slack.text_of(p) for p in fake_slack.posts),
                mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content())
    return run


def flags_line(text: str, title: str) -> str:
    """The Flags line of one notice in a text digest."""
    block = text.split(title, 1)[1].split("Link:", 1)[0]
    return next(line for line in block.splitlines() if "Flags:" in line)


def test_flags_appear_in_console_slack_and_both_email_parts(channels, capsys):
    console, slack, plain, html = channels(capsys)
    first = "Clearview AI Facial Recognition Licenses - Justification and Approval"
    line = flags_line(console, first)
    # 2nd J&A to the same UEI from CBP in 12 months (the other one arrived after it on the page).
    assert "repeat sole source: 2nd non-competed award or J&A to CLEARVIEW AI, INC. from HOMELAND SECURITY, " \
           "DEPARTMENT OF › U.S. CUSTOMS AND BORDER PROTECTION in 365 days (also 70B0OA26P00000300)" in line
    assert "J&A after the award: J&A posted 2026-10-01, 1 day after the award was signed (2026-09-30), " \
           "within the 14-day publication period of FAR 6.305(a)-(b)" in line
    second = flags_line(console, "Clearview AI investigative licences")
    assert "near a threshold: $340,000 is 2.9% below the $350,000 simplified acquisition threshold" in second
    assert "repeat sole source" not in second  # the first of the two
    window = flags_line(console, "Facial Recognition Software Licenses")
    assert "intent window: responses due 2026-10-12 (stated in the notice) — 10 days left" in window
    for text in (slack, plain, html):
        assert "repeat sole source: 2nd non-competed award or J&amp;A" in text or \
               "repeat sole source: 2nd non-competed award or J&A" in text
        assert "$340,000 is 2.9% below the $350,000 simplified acquisition threshold" in text
        assert "responses due 2026-10-12" in text and "10 days left" in text
    assert "*Flags:*" in slack and ">Flags</td>" in html and "Flags:    " in plain


def test_show_and_search_json_carry_the_flags(make_app, fake_sam, capsys):
    app = make_app()
    app.once()
    capsys.readouterr()
    config = ["--config", str(app.config.path)]
    assert main(config + ["show", "sam:aa000000000000000000000000000001", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert {f["flag"] for f in shown["flags"]} == {"repeat_vendor", "after_the_fact"}
    assert main(config + ["show", "sam:aa000000000000000000000000000001"]) == 0
    assert "  flag:     J&A after the award: J&A posted 2026-10-01" in capsys.readouterr().out
    assert main(config + ["search", "Clearview", "--json"]) == 0
    found = {r["uid"]: r["flags"] for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert sorted(found["sam:bb000000000000000000000000000011"]) == ["after_the_fact", "near_threshold"]
    assert sorted(found["sam:aa000000000000000000000000000001"]) == ["after_the_fact", "repeat_vendor"]


def test_a_watchlist_requiring_a_flag_gets_only_flagged_notices(make_app, fake_sam, capsys):
    extra = '\n[watchlists.near]\nagencies = ["CBP"]\nflags = ["near_threshold"]\n' \
            '\n[channels.near]\nkind = "console"\nwatchlists = ["near"]\n'
    app = make_app(source_extra=extra)
    app.once()
    db = Database(app.config.bot.database)
    matched = {r["uid"] for r in db.rows("SELECT uid FROM matches WHERE watchlist = 'near'")}
    assert matched == {"sam:bb000000000000000000000000000011"}  # the $225,000 J&A is CBP's too


def test_unknown_flag_in_a_watchlist_is_a_config_error(make_app, fake_sam, capsys):
    with pytest.raises(Exception) as e:
        make_app(source_extra='\n[watchlists.x]\nkeywords = ["a"]\nflags = ["repeat_vendr"]\n')
    assert "unknown flag 'repeat_vendr'" in "\n".join(getattr(e.value, "problems", [str(e.value)]))


def test_thresholds_are_dated_by_the_award_date(make_app, httpserver, capsys):
    """$245,000 was near the $250,000 SAT in June 2025; $340,000 is not near anything then."""
    old = ja("cc000000000000000000000000000021", "70B0OA25P00000021", "245000.00", "2025-06-01", "2026-10-01",
             "Old award near the old SAT")
    other = ja("cc000000000000000000000000000022", "70B0OA25P00000022", "340000.00", "2025-06-02", "2026-10-01",
               "Old award above the old SAT", vendor="OTHER CO", uei="SYNTHUEI0009")
    FakeSam(httpserver, [old, other])
    app = make_app()
    app.once()
    db = Database(app.config.bot.database)
    assert [f["detail"] for f in db.flags("sam:cc000000000000000000000000000021") if f["flag"] == "near_threshold"] == \
        ["$245,000 is 2.0% below the $250,000 simplified acquisition threshold (FAR 2.101)"]
    assert "near_threshold" not in {f["flag"] for f in db.flags("sam:cc000000000000000000000000000022")}


def test_repeat_counts_procurements_not_notices_and_only_within_twelve_months(make_app, httpserver):
    same_thread = ja("dd000000000000000000000000000031", "70B0OA26P00000117", "225000.00", "2026-09-30", "2026-10-01",
                     "Clearview J&A amended")  # same award number as the recorded J&A: one procurement
    too_old = ja("dd000000000000000000000000000032", "70B0OA24P00000001", "100000.00", "2025-09-01", "2026-10-01",
                 "Clearview J&A from 2025")
    FakeSam(httpserver, [copy.deepcopy(CLEARVIEW_JA), same_thread, too_old])
    app = make_app()
    app.once()
    db = Database(app.config.bot.database)
    assert not [f for f in db.flags("sam:aa000000000000000000000000000001") if f["flag"] == "repeat_vendor"]


# -- award records: growth, one bid, a justification that never came --------------------------------

AWARDS = """
[bot]
database = "{db}"
first_run_alert_days = 400
contact = "tests@example.org"

[sources.awards]
kind = "sam_contract_awards"
base_url = "{base}"
api_key_env = "SAM_API_KEY"
extent_competed_codes = []  # every award, so one-bid competition on competed awards is seen

[sources.sam]
kind = "sam_opportunities"
base_url = "{base}"
api_key_env = "SAM_API_KEY"

[watchlists.prisons]
agencies = ["BUREAU OF PRISONS"]

[watchlists.onebid]
agencies = ["BUREAU OF PRISONS"]
competition = ["competed"]
flags = ["one_bid"]

[channels.console]
kind = "console"
watchlists = ["prisons", "onebid"]
"""


def signed(record: dict, day: str) -> dict:
    record["awardDetails"]["dates"]["dateSigned"] = f"{day}T00:00:00Z"
    return record


@pytest.fixture
def awards(make_app, httpserver, tmp_path):
    """(app factory on the awards config, contract-awards fake, SAM fake)."""
    text = AWARDS.format(db=tmp_path / "state" / "procwatch.db", base=httpserver.url_for("").rstrip("/"))
    fake, sam = FakeContractAwards(httpserver, []), FakeSam(httpserver, [])
    return (lambda clock=lambda: NOW: make_app(text=text, clock=clock)), fake, sam


def test_growth_by_modification_is_flagged_on_the_modification_alert(awards, capsys):
    make, fake, _ = awards
    fake.records = [signed(ge_order("0", total="400000", day="2026-09-30"), "2026-09-01"),
                    signed(ge_order("P00001", total="650000", day="2026-10-01"), "2026-09-01")]
    make().once()
    out = capsys.readouterr().out
    assert "growth by modification: value grew 62% by modification P00001: $400,000 → $650,000" in out


def test_growth_below_half_is_not_flagged(awards, capsys):
    make, fake, _ = awards
    fake.records = [signed(ge_order("0", total="400000", day="2026-09-30"), "2026-09-01"),
                    signed(ge_order("P00001", total="590000", day="2026-10-01"), "2026-09-01")]
    make().once()
    assert "growth by modification" not in capsys.readouterr().out


def test_one_bid_competition_is_a_flag_a_watchlist_can_require(awards, capsys):
    make, fake, _ = awards
    one_bid = signed(ge_order("0", total="90000", day="2026-10-01"), "2026-09-20")
    one_bid["coreData"]["competitionInformation"] = {"extentCompeted": {"code": "A", "name": "FULL AND OPEN"}}
    fake.records = [one_bid]
    make().once()
    out = capsys.readouterr().out
    assert "Flags:    one-bid competition: one-bid competition (1 offer received)" in out
    assert "-- onebid: 1 --" in out


def test_award_without_its_justification_is_rechecked_daily_alerted_once_and_cleared(awards, capsys):
    make, fake, sam = awards
    fake.records = [signed(ge_order("0", total="400000", day="2026-10-01"), "2026-09-28")]
    make().once()  # day 0: signed 4 days ago, the J&A is not due yet
    first = capsys.readouterr().out
    assert "X-RAY" in first.upper() and "award without its J&A" not in first
    later = lambda days: make(clock=lambda: NOW + timedelta(days=days))  # noqa: E731
    later(13).once()  # 2026-10-15: 17 days after award, nothing published
    update = capsys.readouterr().out
    assert "[UPDATE]" in update and "award without its J&A: no J&A stored 17 days after the award of " \
           "2026-09-28; FAR 6.305(a)-(b) required it by 2026-10-12" in update
    later(14).once()  # the next day: still missing, not alerted again
    assert "award without its J&A" not in capsys.readouterr().out
    sam.rows.append(ja("ee000000000000000000000000000041", "15B61524P00000105", "400000.00", "2026-09-28",
                       "2026-10-16", "X-ray maintenance - Justification", vendor="GE PRECISION HEALTHCARE LLC",
                       uei="SYNTHUEI0077"))
    later(15).once()
    db = Database(make().config.bot.database)
    uid = db.rows("SELECT uid FROM notices WHERE source = 'awards' AND kind = 'award'")[0]["uid"]
    assert "missing_justification" not in flags.codes(db, uid)
    assert db.rows("SELECT cleared_at FROM flags WHERE uid = ? AND flag = 'missing_justification'", (uid,))[0]["cleared_at"]


# -- the rules themselves ----------------------------------------------------------------------------

def test_every_threshold_row_is_dated_and_the_2025_change_is_on_october_first():
    table = flags.rules()
    names = {t["name"] for t in table["threshold"]}
    for name in names:
        rows = sorted((t for t in table["threshold"] if t["name"] == name), key=lambda t: t.get("from", date.min))
        assert rows[0]["until"] == rows[1]["from"] == date(2025, 10, 1), name
    assert {t["amount"] for t in flags.in_force(table["threshold"], date(2025, 9, 30))} == \
        {10000, 250000, 750000, 15000000, 75000000}
    assert {t["amount"] for t in flags.in_force(table["threshold"], date(2025, 10, 1))} == \
        {15000, 350000, 900000, 20000000, 90000000}


@pytest.mark.parametrize("codes,kind,regime,due", [
    ({"notice_type": ["Advance Contract Award Notice"]}, "intent", "ca_acan", "2026-10-16"),
    ({"notice_type": ["veat"]}, "intent", "eu_veat", "2026-10-11"),
    ({"notice_type": ["UK5"]}, "intent", "uk5", "2026-10-13"),  # 8 working days from Thursday 1 October
    ({"notice_type": ["Special Notice"]}, "intent", "us_intent", "2026-10-16"),
])
def test_intent_windows_per_regime(codes, kind, regime, due):
    notice = Notice("x", "1", kind=kind, posted_at="2026-10-01", codes=codes, competition="sole_source")
    assert flags.intent_regime(notice) == regime
    assert flags.intent_window(notice, flags.rules()).due == due


def test_watch_test_applies_a_watchlists_flags(make_app, fake_sam, capsys):
    extra = '\n[watchlists.near]\nagencies = ["CBP"]\nflags = ["near_threshold"]\n'
    app = make_app(source_extra=extra)
    app.once()
    capsys.readouterr()
    assert main(["--config", str(app.config.path), "watch", "test", "near", "--days", "36500"]) == 0
    out = capsys.readouterr().out
    assert "Clearview AI investigative licences" in out and "1 of 3 stored notices" in out


def test_a_closed_intent_window_is_followed_up_once_where_the_intent_was_alerted(make_app, fake_sam, capsys):
    make_app().once()
    assert "responses due 2026-10-12" in capsys.readouterr().out
    make_app(clock=lambda: NOW + timedelta(days=11)).once()  # 2026-10-13: the window has closed
    update = capsys.readouterr().out
    assert "[UPDATE] Facial Recognition Software Licenses" in update
    assert "window closed 2026-10-12; no award stored yet" in update
    make_app(clock=lambda: NOW + timedelta(days=12)).once()
    assert "window closed" not in capsys.readouterr().out


def test_award_record_flags_reach_slack_and_both_email_parts(make_app, httpserver, fake_slack, smtp_server, tmp_path):
    text = AWARDS.format(db=tmp_path / "state" / "procwatch.db", base=httpserver.url_for("").rstrip("/"))
    text += f"""
[channels.team]
kind = "slack"
channel = "C0PROCWATCH"
token_env = "SLACK_BOT_TOKEN"
base_url = "{fake_slack.base_url}"
watchlists = ["prisons", "onebid"]

[channels.mail]
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp_server.port}
smtp_security = "none"
from = "alerts@example.org"
subscribers = [{{ address = "ana@example.org", watchlists = ["prisons", "onebid"] }}]
"""
    fake, _ = FakeContractAwards(httpserver, []), FakeSam(httpserver, [])
    one_bid = signed(ge_order("0", total="90000", day="2026-10-01"), "2026-09-20")
    one_bid["contractId"]["piid"] = "15B61524P00000999"
    one_bid["coreData"]["competitionInformation"] = {"extentCompeted": {"code": "A", "name": "FULL AND OPEN"}}
    fake.records = [signed(ge_order("0", total="400000", day="2026-09-30"), "2026-09-01"),
                    signed(ge_order("P00001", total="650000", day="2026-10-01"), "2026-09-01"), one_bid]
    assert make_app(text=text).once() == 0
    slack = "\n".join(fake_slack.text_of(p) for p in fake_slack.posts)
    [mail] = mails(smtp_server.sink, "ana@example.org")
    plain, html = mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()
    for shown in (slack, plain, html):
        assert "award without its J&amp;A: no J&amp;A stored 31 days" in shown or \
            "award without its J&A: no J&A stored 31 days" in shown
        assert "growth by modification: value grew 62% by modification P00001" in shown
        assert "one-bid competition: one-bid competition (1 offer received)" in shown


# -- repeat sole source counted in the store ------------------------------------------------------

def _award(n: int, day: str, reference: str = "", vendor: str = "Acme Widgets Ltd") -> Notice:
    return Notice(source="bench", native_id=f"r{n:03d}", title=f"award {n}", kind="award", competition="sole_source",
                  vendor_name=vendor, agency_path=["DEPT OF THINGS", "OFFICE"], awarded_at=day, reference=reference,
                  amount=None, currency="USD")


def test_repeat_vendor_counts_distinct_threads_in_sql_and_names_the_first_three(tmp_path):
    db = Database(str(tmp_path / "p.db"))
    stamp = "2026-10-02T12:00:00+00:00"
    # seven earlier records of one vendor at one agency: six threads (two share a reference, one has none)
    records = [_award(1, "2026-03-01", "REF-E"), _award(2, "2026-03-02", "REF-E"), _award(3, "2026-04-01", "REF-C"),
               _award(4, "2026-05-01", ""), _award(5, "2026-06-01", "REF-A"), _award(6, "2026-07-01", "REF-B"),
               _award(7, "2026-08-01", "REF-D"), _award(8, "2025-01-01", "REF-OLD"),  # outside the 12 months
               _award(9, "2026-08-02", "REF-X", vendor="Someone Else Inc")]
    with db.transaction():
        db.preload(n.uid for n in records)
        for notice in records:
            db.save(notice, stamp)
            flags.refresh(db, notice, stamp)
    last = _award(10, "2026-09-01", "REF-D")  # the thread of record 7: not counted twice
    with db.transaction():
        db.preload([last.uid])
        db.save(last, stamp)
        assert flags.refresh(db, last, stamp) >= {"repeat_vendor"}
    [flag] = [f for f in db.flags(last.uid) if f["flag"] == "repeat_vendor"]
    assert flag["detail"] == ("6th non-competed award or J&A to Acme Widgets Ltd from DEPT OF THINGS › OFFICE in 365 days"
                              " (also REF-A, REF-B, REF-C, …)")
    # arriving late, an earlier record recounts the vendor's later ones (order does not matter)
    with db.transaction():
        early = _award(11, "2026-02-01", "REF-F")
        db.preload([early.uid])
        db.save(early, stamp)
        flags.refresh(db, early, stamp)
    [flag] = [f for f in db.flags(last.uid) if f["flag"] == "repeat_vendor"]
    assert flag["detail"].startswith("7th non-competed")
    # a withdrawn record is no longer counted
    with db.transaction():
        db.mark_withdrawn(records[4].uid, "withdrawn by the source (test)", stamp)
        db.preload([last.uid])
        flags.refresh(db, last, stamp)
    [flag] = [f for f in db.flags(last.uid) if f["flag"] == "repeat_vendor"]
    assert flag["detail"] == ("6th non-competed award or J&A to Acme Widgets Ltd from DEPT OF THINGS › OFFICE in 365 days"
                              " (also REF-B, REF-C, REF-E, …)")


def test_repeat_vendor_queries_read_the_covering_index(tmp_path):
    db = Database(str(tmp_path / "p.db"))
    plans = []
    real = db._execute

    def explain(sql, params=()):
        if "flag_vendors f" in sql:
            plans.append(" | ".join(r[3] for r in real("EXPLAIN QUERY PLAN " + sql, params).fetchall()))
        return real(sql, params)

    db._execute = explain
    notice = _award(1, "2026-03-01", "REF-A")
    db.save(notice, "2026-10-02T12:00:00+00:00")
    flags.refresh(db, notice, "2026-10-02T12:00:00+00:00")
    assert len(plans) == 1  # the vendor's filed records around it, listed once (few, as most vendors have)
    # a busy vendor's: its threads counted, its later records to recount
    db.vendor_threads(notice.uid, ["acme"], "DEPT", "2025-03-01", "2026-03-01", "REF-A")
    db.later_same_vendor(notice.uid, ["acme"], "DEPT", "2026-03-01", "2027-03-01")
    assert len(plans) == 3
    for plan in plans:
        assert "SEARCH f USING COVERING INDEX idx_flag_vendors_threads (vendor=? AND agency=? AND day>" in plan
        assert "SCAN f" not in plan
        # withdrawn notices left out through their partial index, not a look-up of each row's notice
        assert "SCAN notices USING INDEX idx_notices_withdrawn" in plan and "SEARCH n" not in plan


@pytest.mark.parametrize("kind", ["tender", "intent", "other", "idv"])
def test_only_awards_jas_and_modifications_read_their_thread(kind):
    """refresh skips the thread lookup for other kinds: no flag of theirs may depend on it."""
    assert kind not in flags.THREAD_KINDS
    notice = Notice(source="sam", native_id="x", kind=kind, competition="sole_source", currency="USD",
                    amount=None, posted_at="2026-09-01", awarded_at="2026-08-01", reference="R",
                    codes={"extent_competed": ["C"], "notice_type": ["Presolicitation"]})
    thread = [{"uid": "sam:j", "source": "sam", "kind": "justification", "amount": "100", "currency": "USD",
               "competition": "sole_source", "posted_at": "2026-09-20", "awarded_at": "2026-08-01"},
              {"uid": "sam:a", "source": "sam", "kind": "award", "amount": "100", "currency": "USD",
               "competition": "sole_source", "posted_at": "2026-08-01", "awarded_at": "2026-08-01"}]
    assert flags.evaluate(notice, thread, None, date(2026, 10, 2)) == flags.evaluate(notice, [], None, date(2026, 10, 2))
