"""The durable outbox: idempotent enqueue, claim/recover under the same digest id, backoff, dead letters."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from test_slack import notice

from bot import digest, outbox
from bot.config import ChannelConfig
from bot.delivery import deliver
from bot.notify.console import Console
from bot.store import Database

T0 = "2026-10-02T12:00:00+00:00"


@pytest.fixture
def db():
    database = Database(":memory:")
    yield database
    database.close()


def queue(db, n=1, version=1, changes=None, recipient="ana@example.org", watchlists=("surveillance",)):
    with db.transaction():
        saved = db.save(notice(n), T0) if version == 1 else None
        return outbox.enqueue(db, "mail", recipient, f"sam:aa{n:030d}", version, list(watchlists),
                              {w: [] for w in watchlists}, changes or {}, T0) and saved


def state(db):
    return [(r["uid"][-2:], r["state"], r["attempts"], r["next_attempt_at"], r["last_error"])
            for r in db.rows("SELECT * FROM outbox ORDER BY id")]


def test_enqueue_is_idempotent(db):
    assert queue(db)
    with db.transaction():
        again = outbox.enqueue(db, "mail", "ana@example.org", "sam:aa" + "0" * 29 + "1", 1, ["x"], {}, {}, T0)
    assert again is False and len(state(db)) == 1


def test_recovered_rows_are_resent_under_the_same_digest_id(db):
    queue(db)
    first_id, rows = outbox.claim(db, "mail", "ana@example.org", T0)
    assert len(rows) == 1 and outbox.claim(db, "mail", "ana@example.org", T0)[1] == []  # claimed once
    assert outbox.recover(db, T0) == 0  # a live claim is nobody else's to take
    db.db.execute("UPDATE outbox SET owner = ?", (f"{socket.gethostname()}:{dead_pid()}:0000",))
    assert outbox.recover(db, T0) == 1  # the process died mid-send
    again_id, rows = outbox.claim(db, "mail", "ana@example.org", T0)
    assert again_id == first_id and rows[0]["attempts"] == 1  # same id → same Message-ID / Slack lookup
    built = digest.build(db, again_id, "mail", "ana@example.org", rows, now=T0)
    assert built.resend is True


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_a_claim_is_taken_over_only_when_its_lease_ran_out_or_its_owner_died(db):
    queue(db)
    outbox.claim(db, "mail", "ana@example.org", T0)
    db.db.execute("UPDATE outbox SET owner = 'elsewhere:1:abcd'")  # another host's live daemon
    assert outbox.recover(db, "2026-10-02T12:09:59+00:00") == 0
    assert outbox.claim(db, "mail", "ana@example.org", "2026-10-02T12:09:59+00:00")[1] == []
    assert outbox.recover(db, "2026-10-02T12:10:01+00:00") == 1  # its 10-minute lease ran out
    _, rows = outbox.claim(db, "mail", "ana@example.org", "2026-10-02T12:10:01+00:00")
    assert len(rows) == 1 and rows[0]["attempts"] == 1
    assert db.rows("SELECT owner FROM outbox")[0]["owner"] == outbox.me()
    db.db.execute("UPDATE outbox SET owner = ?", (outbox.me()[:-8] + "00000000",))  # our pid, an earlier life
    assert outbox.recover(db, T0) == 1


def test_an_unconfirmed_batch_goes_alone_before_fresh_rows(db):
    queue(db, 1)
    old_id, _ = outbox.claim(db, "mail", "ana@example.org", T0)
    outbox.mark_failed(db, old_id, "timeout", T0, retry_after=0)
    queue(db, 2)
    retry_id, retry_rows = outbox.claim(db, "mail", "ana@example.org", T0)
    fresh_id, fresh_rows = outbox.claim(db, "mail", "ana@example.org", T0)
    assert retry_id == old_id and [r["uid"][-1] for r in retry_rows] == ["1"]
    assert fresh_id != old_id and [r["uid"][-1] for r in fresh_rows] == ["2"]


def test_failures_back_off_then_die_and_are_listed(db):
    queue(db)
    now = datetime.fromisoformat(T0)
    dues = []
    for _ in range(outbox.MAX_ATTEMPTS):
        stamp = now.isoformat(timespec="seconds")
        digest_id, rows = outbox.claim(db, "mail", "ana@example.org", stamp)
        assert rows
        outbox.mark_failed(db, digest_id, "SMTP server said 451", stamp)
        due = db.rows("SELECT next_attempt_at FROM outbox")[0]["next_attempt_at"]
        dues.append((datetime.fromisoformat(due) - now).total_seconds())
        now = datetime.fromisoformat(due)
    assert dues[:4] == [30, 60, 120, 240] and max(dues) <= 3600
    assert outbox.claim(db, "mail", "ana@example.org", "2030-01-01T00:00:00+00:00")[1] == []
    [dead] = outbox.dead_letters(db)
    assert dead["attempts"] == outbox.MAX_ATTEMPTS and dead["last_error"] == "SMTP server said 451"
    assert outbox.backlog(db) == {"dead": 1}


def test_retry_after_is_honoured(db):
    queue(db)
    digest_id, _ = outbox.claim(db, "mail", "ana@example.org", T0)
    outbox.mark_failed(db, digest_id, "Slack rate limit", T0, retry_after=120)
    assert state(db)[0][1:4] == ("pending", 1, "2026-10-02T12:02:00+00:00")
    assert outbox.claim(db, "mail", "ana@example.org", "2026-10-02T12:01:59+00:00")[1] == []


def test_two_queued_versions_are_one_item_with_the_changes_merged(db):
    queue(db)
    with db.transaction():
        for version, (old, new) in ((2, ("225000.00", "250000.00")), (3, ("250000.00", "275000.00"))):
            db.save(notice(1, amount=Decimal(new)), T0)
            outbox.enqueue(db, "mail", "ana@example.org", notice(1).uid, version, ["surveillance"], {},
                           {"amount": [old, new]}, T0)
    outbox.mark_sent(db, outbox.claim(db, "mail", "ana@example.org", T0)[0], T0)  # v1 was sent
    db.db.execute("UPDATE outbox SET state = 'pending', digest_id = NULL WHERE version = 1")  # and again
    _, rows = outbox.claim(db, "mail", "ana@example.org", T0)
    built = digest.build(db, "d", "mail", "ana@example.org", rows)
    assert len(built.items) == 1 and built.items[0].changes == {}  # v1 is news: shown as new, not update
    rows = db.rows("SELECT * FROM outbox WHERE version > 1")  # two updates queued, none sent yet
    built = digest.build(db, "d", "mail", "ana@example.org", rows)
    assert [i.changes for i in built.items] == [{"amount": ["225000.00", "275000.00"]}]
    assert digest.change_lines(built.items[0].changes) == ["Amount: $225,000 → $275,000"]


def test_updates_find_the_thread_of_their_notice_or_procurement(db):
    queue(db, 1)
    digest_id, _ = outbox.claim(db, "mail", "ana@example.org", T0)
    outbox.mark_sent(db, digest_id, T0, "1790000000.000100", {notice(1).uid: "1790000000.000100"})
    assert outbox.thread_for(db, "mail", "ana@example.org", notice(1).uid, "") == "1790000000.000100"
    # Another notice of the same procurement (same reference) joins that thread.
    assert outbox.thread_for(db, "mail", "ana@example.org", notice(9).uid, notice(1).reference) == "1790000000.000100"
    assert outbox.thread_for(db, "mail", "ben@example.org", notice(1).uid, notice(1).reference) == ""
    assert outbox.thread_for(db, "mail", "ana@example.org", notice(9).uid, "") == ""


def test_a_row_whose_notice_is_gone_is_never_sent_as_an_empty_digest(db):
    with db.transaction():
        outbox.enqueue(db, "console", "", "sam:gone", 1, ["surveillance"], {}, {}, T0)
    out = io.StringIO()
    console = Console(ChannelConfig("console", "console", ("surveillance",), "instant"), out=out)
    lines = deliver(db, [console], datetime(2026, 10, 2, 12, tzinfo=timezone.utc))
    assert out.getvalue() == "" and lines == []
    assert state(db) == [("ne", "dead", 1, T0, "notice no longer stored; nothing to send")]


def test_channel_health_counts_unsent_rows_and_lists_configured_channels_with_nothing_waiting(db):
    queue(db, 1)
    queue(db, 2)
    digest_id, _ = outbox.claim(db, "mail", "ana@example.org", T0)
    outbox.mark_sent(db, digest_id, T0)
    queue(db, 3)
    digest_id, _ = outbox.claim(db, "mail", "ana@example.org", T0)
    outbox.mark_failed(db, digest_id, "SMTP server said 451", T0)
    health = {c["channel"]: c for c in outbox.channel_health(db, ["mail", "team"])}
    assert (health["mail"]["pending"], health["mail"]["retrying"], health["mail"]["dead"]) == (0, 1, 0)
    assert health["mail"]["last_error"] == "SMTP server said 451"
    assert health["team"] == {"channel": "team", "pending": 0, "retrying": 0, "sending": 0, "dead": 0,
                              "next_retry": None, "last_error": None}
    assert outbox.describe(health["team"]) == "  team: nothing waiting"
