"""Catch-up: a watchlist added or edited after notices were stored still alerts them, once."""

from __future__ import annotations

from bot.app import App
from bot.cli import main
from bot.config import load
from bot.http import Http

from conftest import NOW


def _app(path) -> App:
    return App(load(str(path)), Http(contact="tests@example.org", timeout=2, sleep=lambda s: None), clock=lambda: NOW)


def _outbox(app, uid_end: str) -> list[dict]:
    db = app.database()
    try:
        return db.rows("SELECT channel, watchlists, hits, state FROM outbox WHERE uid LIKE ?", (f"%{uid_end}",))
    finally:
        db.close()


def test_watch_add_queues_the_stored_notice_it_now_matches_and_says_so(make_app, fake_sam, capsys, monkeypatch):
    """Janitorial J&A (posted 2026-09-30) is stored by the morning poll; `cleaning` is added after."""
    app = make_app()
    app.once()
    assert _outbox(app, "07") == []
    capsys.readouterr()
    monkeypatch.setattr("bot.clock.utc_now", lambda: NOW)  # `watch add` runs on the real clock otherwise
    assert main(["--config", app.config.path, "watch", "add", "cleaning", "--keyword", "janitorial",
                 "--channel", "console"]) == 0
    assert "1 stored notice from the last 7 days now matches and will be alerted" in capsys.readouterr().out
    rows = _outbox(app, "07")
    assert [(r["channel"], r["state"]) for r in rows] == [("console", "pending")]
    later = _app(app.config.path)
    later.once()
    out = capsys.readouterr().out
    assert "Janitorial services" in out and "cleaning: keyword \"janitorial\"" in out
    assert "(found after a watchlist change)" in out
    later.once()  # the next poll and the next reload do not alert it again
    assert _app(app.config.path).catch_up() == 0
    assert "Janitorial services" not in capsys.readouterr().out
    assert len(_outbox(app, "07")) == 1


def test_hand_edit_picked_up_by_the_next_command_alerts_within_catch_up_days_only(make_app, fake_sam, capsys):
    app = make_app()
    app.once()
    path = app.config.path
    text = open(path).read().replace('keywords = ["facial recognition", "biometric"]',
                                     'keywords = ["facial recognition", "biometric", "janitorial", "gotham"]')
    open(path, "w").write(text.replace("first_run_alert_days = 7", "first_run_alert_days = 7\ncatch_up_days = 3"))
    capsys.readouterr()
    edited = _app(path)
    assert edited.config.bot.catch_up_days == 3
    assert edited.catch_up() == 1  # janitorial (2026-09-30); the Palantir J&A of 2026-08-01 is too old
    assert _outbox(app, "05") == []
    edited.deliver()
    assert "Janitorial services" in capsys.readouterr().out


def test_notices_already_alerted_or_matched_are_not_alerted_again_after_an_edit(make_app, fake_sam):
    app = make_app()
    app.once()
    before = _outbox(app, "01")
    assert len(before) == 1 and before[0]["state"] == "sent"  # the Clearview J&A went out this morning
    path = app.config.path
    open(path, "w").write(open(path).read().replace('vendors = ["Clearview AI",', 'vendors = ["Clearview AI", "NSO",'))
    assert _app(path).catch_up() == 0
    assert _outbox(app, "01") == before


def test_catch_up_days_is_checked(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text("[bot]\ncatch_up_days = -1\n")
    assert main(["--config", str(path), "check"]) == 1
