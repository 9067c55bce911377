"""Source-health incidents: an operator alert once when a problem starts and once when it clears."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import NOW, FakeSam

from bot.config import parse
from bot.errors import ConfigError

OPS = """
[bot]
database = "{db}"

[sources.sam]
kind = "sam_opportunities"
every = "30m"
base_url = "{base}"
api_key_env = "SAM_API_KEY"
{extra}

[watchlists.surveillance]
vendors = ["Clearview AI"]

[channels.console]
kind = "console"
watchlists = ["surveillance"]

[channels.ops]
kind = "console"
watchlists = []
operator = true
"""


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def ops_app(make_app, tmp_path, httpserver):
    def make(extra: str = "", clock=None):
        text = OPS.format(db=tmp_path / "state" / "db.sqlite", base=httpserver.url_for("").rstrip("/"), extra=extra)
        return make_app(text=text, clock=clock or Clock())
    return make


def failing(httpserver):
    httpserver.clear_all_handlers()
    httpserver.expect_request("/opportunities/v2/search").respond_with_data("upstream down", status=500)


def alerts(capsys) -> list[str]:
    return [line for line in capsys.readouterr().out.splitlines() if line.startswith("procwatch operator alert")]


def test_failures_alert_once_at_the_threshold_and_once_on_recovery(ops_app, httpserver, sam_rows, capsys):
    clock = Clock()
    app = ops_app("failures_before_alert = 2", clock)
    failing(httpserver)
    app.once()
    assert alerts(capsys) == []  # one failure is not an incident yet
    for _ in range(3):
        clock.now += timedelta(minutes=30)
        app.once()
    sent = alerts(capsys)
    assert len(sent) == 1
    assert sent[0].startswith("procwatch operator alert: PROBLEM sam: 2 polls in a row failed; last error: HTTP 500")
    httpserver.clear_all_handlers()
    FakeSam(httpserver, sam_rows)
    clock.now += timedelta(minutes=30)
    app.once()
    clock.now += timedelta(minutes=30)
    app.once()
    assert alerts(capsys) == ["procwatch operator alert: RECOVERED sam: failing cleared (since 2026-10-02T12:30)"]


def test_silence_key_expiry_and_spent_budget_are_incidents(ops_app, fake_sam, capsys):
    clock = Clock()
    extra = 'expect_new_within = "2d"\napi_key_expires = 2026-10-10\ndaily_request_limit = {}'
    app = ops_app(extra.format(1000), clock)
    app.once()  # one search and some descriptions
    db = app.database()
    used = db.rows("SELECT used FROM request_budget")[0]["used"]
    db.close()
    app = ops_app(extra.format(used + 1), clock)
    text = "\n".join(alerts(capsys))
    assert "PROBLEM sam: API key expires on 2026-10-10 (in 8 days); renew it" in text
    assert "silent" not in text and "budget" not in text
    clock.now += timedelta(minutes=1)
    app.once()  # one more search: the last request of the day
    text = "\n".join(alerts(capsys))
    assert text.count(f"PROBLEM sam: the daily request budget of {used + 1} is spent") == 1
    clock.now += timedelta(days=3)
    app.once()
    text = "\n".join(alerts(capsys))
    assert text.count("PROBLEM sam: no new notice since 2026-10-02T12:00 (3.0 days); expected one within 2.0 days") == 1
    assert "RECOVERED sam: budget cleared" in text
    assert "API key" not in text  # told once already


def test_healthy_polls_tell_operators_nothing(ops_app, fake_sam, capsys):
    clock = Clock()
    app = ops_app('expect_new_within = "1d"', clock)
    for _ in range(3):
        app.once()
        clock.now += timedelta(minutes=30)
    out = capsys.readouterr().out
    assert "operator alert" not in out and "Clearview AI Facial Recognition Licenses" in out


def test_operator_keys_are_validated():
    base = '[sources.s]\nkind = "sam_opportunities"\n{}\n[channels.c]\nkind = "console"\noperator = "yes"\n'
    with pytest.raises(ConfigError) as e:
        parse(base.format('failures_before_alert = 0\nexpect_new_within = "soon"\napi_key_expires = "2027"'),
              "f.toml", {})
    text = str(e.value)
    assert "f.toml:3: sources.s.failures_before_alert: must be a whole number of 1 or more" in text
    assert "sources.s.expect_new_within: bad duration 'soon'" in text
    assert "sources.s.api_key_expires: must be a date" in text
    assert "channels.c.operator: must be true or false" in text
    ok = parse(base.format('expect_new_within = "3d"').replace('"yes"', "true"), "f.toml", {"SAM_API_KEY": "k"})
    assert ok.sources["s"].expect_new_within == 3 * 86400 and ok.channels["c"].operator is True
