"""Issue 14 item 5: reload reads only a regular file, waits for it to settle, says what a reload
dropped, and alerts what changed while a watchlist was briefly absent once it returns."""

from __future__ import annotations

import copy
import io
import logging
import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.commands import status
from bot.config import load
from bot.errors import ConfigError
from bot.scheduler import Daemon


@pytest.fixture
def daemon(make_app):
    made = []

    def make(**kw) -> Daemon:
        d = Daemon(make_app(**kw))
        d.start(paused=True)
        made.append(d)
        return d
    yield make
    for d in made:
        d.scheduler.shutdown(wait=False)


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_feeds_toml_that_is_not_a_regular_file_is_refused_without_blocking(kind, tmp_path):
    path = tmp_path / "feeds.toml"
    os.mkfifo(path) if kind == "fifo" else path.mkdir()
    result = {}
    reader = threading.Thread(target=lambda: result.setdefault("error", _load_error(str(path))), daemon=True)
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "reading feeds.toml blocked"
    assert f"it is a {'FIFO' if kind == 'fifo' else 'directory'}, not a regular file" in result["error"]


def _load_error(path: str) -> str:
    try:
        load(path)
    except ConfigError as e:
        return str(e)
    return ""


def test_a_daemon_whose_feeds_toml_becomes_a_fifo_keeps_running_and_stops_on_reload(daemon, caplog):
    d = daemon()
    os.replace(d.path, d.path + ".bak")
    os.mkfifo(d.path)
    done = threading.Thread(target=lambda: d.reload("SIGHUP"), daemon=True)
    done.start()
    done.join(5)
    assert not done.is_alive(), "SIGHUP reload blocked on the FIFO"
    assert "not a regular file" in caplog.text and "still running the previous configuration" in caplog.text
    assert d.app.config.channels  # the running configuration kept


def test_a_file_still_being_written_is_not_applied_until_it_settles(daemon):
    d = daemon()
    path = Path(d.path)
    whole = path.read_text()
    clock = SimpleNamespace(now=100.0)
    path.write_text(whole.split("[channels.console]")[0])  # cut at a line boundary: valid TOML
    d.reload_if_changed(monotonic=lambda: clock.now)
    clock.now += 1
    path.write_text(whole.replace('every = "30m"', 'every = "2h"'))  # the writer finishes
    os.utime(path, ns=(1, 1))
    d.reload_if_changed(monotonic=lambda: clock.now)
    assert d.app.config.channels and d.app.config.sources["sam"].every == 1800  # nothing applied yet
    clock.now += 5
    d.reload_if_changed(monotonic=lambda: clock.now)
    assert d.app.config.sources["sam"].every == 7200 and "console" in d.app.config.channels


WITHOUT_SURVEILLANCE = ("[watchlists.surveillance]", "[watchlists.cleaning]\nkeywords = [\"janitorial\"]\n\n"
                        "[watchlists.surveillance_off]")


def test_a_watchlist_briefly_absent_gets_what_changed_meanwhile(daemon, fake_sam, sam_rows, capsys, caplog):
    d = daemon()
    d.reconcile()  # as `run` does at start: the configuration in use is remembered
    d.app.poll("sam")
    d.app.deliver()
    assert "Clearview AI Facial Recognition Licenses" in capsys.readouterr().out
    path = Path(d.path)
    whole = path.read_text()
    path.write_text(whole.replace(*WITHOUT_SURVEILLANCE).replace('watchlists = ["surveillance"]',
                                                                   'watchlists = ["cleaning"]'))
    with caplog.at_level(logging.WARNING):
        assert d.reload("feeds.toml changed")
    assert "dropped watchlists: surveillance" in caplog.text
    out = io.StringIO()
    status.main(SimpleNamespace(json=False, check=False), d.app.config, out)
    assert "last configuration change dropped watchlists surveillance" in out.getvalue()

    late = copy.deepcopy(sam_rows[0])  # a new Clearview justification posted while the watchlist was gone
    late.update(noticeId="aa0000000000000000000000000000ff", title="Clearview AI renewal - Justification")
    fake_sam.rows.append(late)
    d.app.poll("sam")
    d.app.deliver()
    assert "Clearview AI renewal" not in capsys.readouterr().out  # no watchlist wants it right now

    path.write_text(whole)
    assert d.reload("feeds.toml changed")
    d.app.deliver()
    shown = capsys.readouterr().out
    assert shown.count("Clearview AI renewal") == 1
    assert "Clearview AI Facial Recognition Licenses" not in shown  # alerted before: not again
    assert d.reload("SIGHUP")  # the same file once more: nothing new queued
    d.app.deliver()
    assert "Clearview" not in capsys.readouterr().out
