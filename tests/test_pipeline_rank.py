"""The pipeline ranks each notice for a description once: the detail plan's rank is reused when
the notice reads the same after its description and classify, and the verdicts do not change."""

from __future__ import annotations

import sqlite3

from bot import detail_plan
from bot.sources.sam_opportunities import SamOpportunities


def _stored(app) -> list[tuple]:
    conn = sqlite3.connect(app.config.bot.database)
    return conn.execute("SELECT uid, kind, competition, competition_evidence FROM notices ORDER BY uid").fetchall() + \
        conn.execute("SELECT uid, watchlist, hits FROM matches ORDER BY uid, watchlist").fetchall() + \
        conn.execute("SELECT uid, flag, detail, due FROM flags ORDER BY uid, flag").fetchall()


def _counting(monkeypatch) -> dict[str, int]:
    calls: dict[str, int] = {}
    rank = SamOpportunities.detail_rank

    def counted(self, notice, watched):
        calls[notice.uid] = calls.get(notice.uid, 0) + 1
        return rank(self, notice, watched)

    monkeypatch.setattr(SamOpportunities, "detail_rank", counted)
    return calls


def test_each_notice_is_ranked_once_with_the_same_verdicts(make_app, fake_sam, tmp_path, monkeypatch):
    calls = _counting(monkeypatch)
    app = make_app()
    assert app.once() == 0
    assert calls and set(calls.values()) == {1}
    carried = _stored(app)
    (tmp_path / "state" / "procwatch.db").unlink()
    calls.clear()
    monkeypatch.setattr(detail_plan, "rank_inputs", lambda notice: (object(),))  # never the same: ranked again
    again = make_app()
    assert again.once() == 0
    assert max(calls.values()) == 2  # the second ranking, after classify, was asked for
    assert _stored(again) == carried
