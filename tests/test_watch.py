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
    assert "watchlist drones now has 1 vendor, 1 keyword" in capsys.readouterr().out
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


HAND_WRITTEN = """[bot]
database = "{db}"

[watchlists.ice]
agencies = ["ICE"]

[watchlists.surveillance]
keywords = ["facial recognition"]

[watchlists.janitorial]
keywords = ["janitorial"]

[channels.console]
kind = "console"
watchlists = ["surveillance"]

[channels.mail]
kind = "email"
from = "alerts@example.org"
smtp_host = "127.0.0.1"
subscribers = [{{ address = "ana@example.org", watchlists = ["surveillance", "ice"] }}]
"""


@pytest.fixture
def hand_written(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(HAND_WRITTEN.format(db=tmp_path / "db.sqlite"))
    return path


def test_rm_works_on_a_watchlist_without_every_term_key_and_ignores_case(hand_written):
    """`watch rm ice --agency ice` on a list with no vendors key (it crashed with NonExistentKey)."""
    watch(hand_written, "add", "ice", "--agency", "Immigration and Customs Enforcement")
    assert watch(hand_written, "rm", "ice", "--agency", "ice") == 0
    assert load(str(hand_written)).watchlists["ice"].agencies == ("Immigration and Customs Enforcement",)


def test_adding_a_term_that_matching_treats_as_present_adds_nothing(hand_written):
    watch(hand_written, "add", "surveillance", "--keyword", "Facial Récognition")
    assert load(str(hand_written)).watchlists["surveillance"].keywords == ("facial recognition",)


def test_removing_the_last_term_is_refused_instead_of_matching_everything(hand_written, capsys):
    before = hand_written.read_bytes()
    assert watch(hand_written, "rm", "janitorial", "--keyword", "janitorial") == 1
    err = capsys.readouterr().err
    assert "without a term" in err and "procwatch watch rm janitorial" in err
    assert hand_written.read_bytes() == before


@pytest.mark.parametrize("args, message", [
    (["add", "", "--keyword", "x"], "bad watchlist name ''"),
    (["add", "facial recognition", "--keyword", "x"], "bad watchlist name 'facial recognition'"),
    (["add", "drones", "--keyword", ""], "empty --keyword"),
    (["add", "drones", "--vendor", "  "], "empty --vendor"),
])
def test_empty_terms_and_names_that_are_not_toml_bare_keys_are_refused(hand_written, capsys, args, message):
    before = hand_written.read_bytes()
    assert watch(hand_written, *args) == 1
    assert message in capsys.readouterr().err
    assert hand_written.read_bytes() == before


def test_list_add_and_check_name_who_really_receives_each_watchlist(hand_written, capsys):
    """mail has no `watchlists` key, but its one subscriber follows only surveillance and ice."""
    assert watch(hand_written, "list") == 0
    out = capsys.readouterr().out
    assert "surveillance  → console; mail: ana@example.org" in out
    assert "ice  → mail: ana@example.org" in out
    assert "janitorial  → no one" in out
    assert watch(hand_written, "add", "drones", "--keyword", "drone", "--channel", "console") == 0
    out = capsys.readouterr().out
    assert "delivered to console\n" in out and "mail" not in out
    assert watch(hand_written, "add", "cleaning", "--keyword", "mop") == 0
    assert "warning: its matches are stored but sent to no one" in capsys.readouterr().out
    assert main(["--config", str(hand_written), "check"]) == 0
    out = capsys.readouterr().out
    assert "watchlist janitorial reaches no channel or subscriber" in out
    assert "watchlist ice: 0 vendors, 0 keywords, 1 agency; verdicts sole_source; to mail: ana@example.org" in out


def test_parallel_edits_all_land(hand_written):
    """Eight pairs of `watch add` at once, as real processes: every term is kept (12 of 17 were, unlocked)."""
    import subprocess
    import sys
    procs = [subprocess.Popen([sys.executable, "-m", "bot", "--config", str(hand_written), "watch", "add",
                               f"list{i % 2}", "--keyword", f"term{i}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE) for i in range(16)]
    errors = [p.communicate()[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    lists = load(str(hand_written)).watchlists
    assert sorted(lists["list0"].keywords + lists["list1"].keywords) == sorted(f"term{i}" for i in range(16))


def test_output_into_a_closed_pipe_ends_quietly(hand_written):
    """`procwatch watch list | head -c 1`: no BrokenPipeError traceback when the reader leaves early."""
    import subprocess
    import sys
    terms = ", ".join(f'"word{i}"' for i in range(20000))  # ~250 kB of output, more than a pipe holds
    hand_written.write_text(hand_written.read_text().replace('keywords = ["janitorial"]', f"keywords = [{terms}]"))
    shell = f"{sys.executable} -m bot --config {hand_written} watch list | head -c 1 >/dev/null"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True)
    assert done.stderr == ""
