"""`procwatch watch`: tomlkit edits keep every other byte of feeds.toml; results are validated first."""

from __future__ import annotations

import difflib

import pytest

from bot import config_edit
from bot.cli import main
from bot.config import load
from bot.errors import ConfigError

FEEDS = """# procwatch configuration (comments must survive edits)
[bot]
database = "{db}"   # keep this comment

[sources.sam]
kind = "sam_opportunities"
api_key_env = "SAM_API_KEY"
base_url = "{base}"

# What to watch for.
[watchlists.surveillance]
vendors = ["Clearview AI", "Palantir"]   # vendors we follow
keywords = ["facial recognition"]

# Where alerts go.
[channels.console]
kind = "console"
watchlists = ["surveillance"]
"""


@pytest.fixture
def feeds(tmp_path, httpserver, monkeypatch):
    monkeypatch.setenv("SAM_API_KEY", "test-key-123")
    path = tmp_path / "feeds.toml"
    path.write_text(FEEDS.format(db=tmp_path / "state" / "db.sqlite", base=httpserver.url_for("").rstrip("/")))
    return path


def watch(feeds, *args) -> int:
    return main(["--config", str(feeds), "watch", *args])


def test_add_new_watchlist_keeps_every_other_line_and_routes_it(feeds, capsys):
    before = feeds.read_text()
    assert watch(feeds, "add", "drones", "--vendor", "Anduril", "--keyword", "drone swarm",
                 "--channel", "console") == 0
    after = feeds.read_text()
    assert "watchlist drones now has 1 vendors, 1 keywords" in capsys.readouterr().out
    config = load(str(feeds))
    assert config.watchlists["drones"].vendors == ("Anduril",)
    assert config.channels["console"].watchlists == ("surveillance", "drones")
    # Every original line is still there, in order, except the one channel list that changed.
    old, lines = before.splitlines(), after.splitlines()
    ops = difflib.SequenceMatcher(None, old, lines, autojunk=False).get_opcodes()
    lost = [old[i] for tag, i1, i2, _, _ in ops if tag in ("delete", "replace") for i in range(i1, i2)]
    assert lost == ['watchlists = ["surveillance"]']
    # The comment that introduces [channels.console] still sits right above it.
    assert lines[lines.index("[channels.console]") - 1] == "# Where alerts go."


def test_add_then_rm_gives_back_the_same_bytes(feeds):
    before = feeds.read_bytes()
    watch(feeds, "add", "drones", "--keyword", "drone", "--channel", "console")
    assert watch(feeds, "rm", "drones") == 0
    assert feeds.read_bytes() == before


def test_add_and_rm_terms_of_an_existing_watchlist(feeds):
    watch(feeds, "add", "surveillance", "--vendor", "NSO Group", "--agency", "CBP")
    assert 'vendors = ["Clearview AI", "Palantir", "NSO Group"]   # vendors we follow' in feeds.read_text()
    watch(feeds, "rm", "surveillance", "--vendor", "Palantir")
    w = load(str(feeds)).watchlists["surveillance"]
    assert w.vendors == ("Clearview AI", "NSO Group") and w.agencies == ("CBP",)


def test_removing_a_watchlist_removes_it_from_channels(feeds):
    watch(feeds, "rm", "surveillance")
    config = load(str(feeds))
    assert config.watchlists == {} and config.channels["console"].watchlists == ()
    assert "# Where alerts go.\n[channels.console]" in feeds.read_text()


def test_unknown_term_or_watchlist_is_an_error_and_the_file_is_untouched(feeds, capsys):
    before = feeds.read_bytes()
    assert watch(feeds, "rm", "surveillance", "--vendor", "Nobody") == 1
    assert watch(feeds, "add", "drones", "--keyword", "x", "--channel", "nosuch") == 1
    assert watch(feeds, "add", "empty") == 1
    err = capsys.readouterr().err
    assert "has no vendor 'Nobody'" in err and "no channel named 'nosuch'" in err and "needs a term" in err
    assert feeds.read_bytes() == before


def test_an_invalid_result_is_never_written(feeds):
    before = feeds.read_bytes()
    broken = config_edit.add(feeds.read_text(), "bad", {"keywords": ["x"]}).replace(
        '[watchlists.bad]', '[watchlists.bad]\ncompetition = ["maybe"]')
    with pytest.raises(ConfigError) as e:
        config_edit.write_validated(str(feeds), broken)
    assert "unknown verdict 'maybe'" in str(e.value)
    assert feeds.read_bytes() == before
    assert [p.name for p in feeds.parent.iterdir() if p.name.startswith(".feeds.")] == []


def test_list_shows_terms_and_channels(feeds, capsys):
    assert watch(feeds, "list") == 0
    out = capsys.readouterr().out
    assert "surveillance  → console" in out and "Clearview AI, Palantir" in out


def test_watch_test_shows_what_would_have_matched_without_sending(make_app, fake_sam, tmp_path, capsys):
    app = make_app()
    app.once()
    capsys.readouterr()
    path = app.config.path
    main(["--config", path, "watch", "add", "cleaning", "--keyword", "janitorial"])
    capsys.readouterr()
    assert main(["--config", path, "watch", "test", "cleaning", "--days", "3650"]) == 0
    out = capsys.readouterr().out
    assert "Janitorial services" in out and 'keyword "janitorial" in title' in out
    assert "1 of 6 stored notices" in out and "nothing was sent" in out
    db = app.database()
    assert db.rows("SELECT count(*) AS n FROM outbox WHERE uid LIKE '%07'")[0]["n"] == 0
    db.close()
