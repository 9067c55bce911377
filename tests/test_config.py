"""feeds.toml → Config: the public contract, checked the way a user meets it (messages with lines)."""

from __future__ import annotations

import dataclasses
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import BotConfig, config_path, load, parse
from bot.errors import ConfigError
from bot.sources.sam_opportunities import SamOpportunities

SHIPPED = Path(__file__).resolve().parent.parent / "feeds.toml"
SAM = '[sources.s]\nkind = "sam_opportunities"\n'
SECRET = "s3cr3t-VALUE-4242"


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as e:
        parse(text, "f.toml", {})
    return e.value.problems


def marked_line(text: str) -> int:
    """The 1-based line carrying the `# <-` marker: where the problem must be reported."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if "# <-" in line)


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.strip() == needle)


# --- the shipped example ---------------------------------------------------------------------

def test_shipped_example_loads_with_key():
    config = load(str(SHIPPED), {"SAM_API_KEY": SECRET})
    sam = config.sources["sam"]
    assert (sam.kind, sam.enabled, sam.every, sam.secrets) == ("sam_opportunities", True, 1800.0, {"api_key": SECRET})
    assert config.warnings == ()
    assert config.watchlists["surveillance"].vendors == ("Clearview AI", "Palantir", "Cellebrite")
    assert config.watchlists["surveillance"].agencies == ("CBP", "ICE")
    assert config.channels["console"].watchlists == ("surveillance",)


def test_shipped_example_without_key_disables_source_with_warning():
    config = load(str(SHIPPED), {})
    assert config.sources["sam"].enabled is False
    assert config.sources["sam"].secrets == {}
    assert "console" in config.channels  # the rest still runs
    [warning] = config.warnings
    assert warning.startswith(f"{SHIPPED}:{line_of(SHIPPED, '[sources.sam]')}: sources.sam: ")
    assert "SAM_API_KEY" in warning and "disabled" in warning
    extract = config.sources["sam_extract"]  # with no key at all, SAM is still read: the extract
    assert (extract.kind, extract.enabled, extract.options["notice_source"]) == ("sam_extract", True, "sam")
    assert {"u", "s", "p", "r"} <= set(extract.options["notice_types"])


@pytest.mark.parametrize("content, enabled", [(f"{SECRET}\n", True), ("   \n", False)])
def test_secret_file_supplies_key_and_blank_file_does_not(tmp_path, content, enabled):
    secret = tmp_path / "sam_key"
    secret.write_text(content)  # the trailing newline `echo` writes is stripped
    config = load(str(SHIPPED), {"SAM_API_KEY_FILE": str(secret)})
    assert config.sources["sam"].enabled is enabled
    assert config.sources["sam"].secrets == ({"api_key": SECRET} if enabled else {})
    assert len(config.warnings) == (0 if enabled else 1)


def test_secret_file_that_is_missing_disables_source(tmp_path):
    config = load(str(SHIPPED), {"SAM_API_KEY_FILE": str(tmp_path / "absent")})
    assert config.sources["sam"].enabled is False and len(config.warnings) == 1


def test_secret_never_in_repr(tmp_path):
    config = load(str(SHIPPED), {"SAM_API_KEY": SECRET})
    assert config.sources["sam"].secrets["api_key"] == SECRET  # it is there ...
    assert SECRET not in repr(config)  # ... but never printed
    assert SECRET not in str(config) and SECRET not in repr(config.sources["sam"])


# --- every kind of error, with its line and key ----------------------------------------------

ERRORS = [  # (toml with the bad line marked `# <-`, dotted key, expected message fragment)
    (SAM + 'evrey = "30m"  # <-\n', "sources.s.evrey", "unknown key (did you mean every?)"),
    (SAM + 'colour = "red"  # <-\n', "sources.s.colour", "unknown key (known keys: "),
    ('[watchlists.w]\nkeywordz = ["drone"]  # <-\n', "watchlists.w.keywordz", "unknown key (did you mean keywords?)"),
    ('[watchlists.w]\nkeywords = ["drone", " "]  # <-\n', "watchlists.w.keywords", "empty term"),
    ('[watchlists."facial recognition"]  # <-\nkeywords = ["x"]\n', "watchlists.facial recognition",
     "bad watchlist name 'facial recognition'"),
    ('[bot]\ncontact = "x"\n\n[sourcs.s]  # <-\nkind = "sam_opportunities"\n', "sourcs", "unknown key"),
    ('[bot]\ncontact = "x"\ntimezon = "UTC"  # <-\n', "bot.timezon", "did you mean timezone?"),
    ('[bot]\nfirst_run_alert_days = "7"  # <-\n', "bot.first_run_alert_days", "must be a whole number, not a string"),
    ('[watchlists.w]\nvendors = 5  # <-\n', "watchlists.w.vendors", "must be a list of strings, not a whole number"),
    (SAM + "limit = true  # <-\n", "sources.s.limit", "must be a whole number, not true/false"),
    (SAM + "fetch_descriptions = 1  # <-\n", "sources.s.fetch_descriptions", "must be true/false"),
    ('[watchlists.w]\nmin_amount = "1000"  # <-\n', "watchlists.w.min_amount", "must be a number, not a string"),
    ('[sources.s]\nkind = "sam_opportunites"  # <-\n', "sources.s.kind",
     "unknown kind 'sam_opportunites' (one of: austender, canadabuys, feed, fpds_atom, ocds, page, sam_contract_awards,"),
    ('[channels.c]\nkind = "slak"  # <-\n', "channels.c.kind", "unknown kind 'slak' (one of: apprise, console, email, slack)"),
    ('[channels.c]  # <-\ndeliver = "instant"\n', "channels.c.kind", "missing (one of: apprise, console, email, slack)"),
    ('[watchlists.w]\n\n[channels.c]\nkind = "console"\nwatchlists = ["w", "nope"]  # <-\n', "channels.c.watchlists",
     "no watchlist named 'nope' (define [watchlists.nope])"),
    ('[watchlists.w]\nsources = ["sam"]  # <-\n', "watchlists.w.sources", "no source named 'sam' (define [sources.sam])"),
    (SAM + 'every = "5x"  # <-\n', "sources.s.every", "bad duration '5x'"),
    (SAM + 'every = "0m"  # <-\n', "sources.s.every", "bad duration '0m'"),
    (SAM + "every = 30  # <-\n", "sources.s.every", "bad duration 30"),
    (SAM + 'base_url = "ftp://mirror"  # <-\n', "sources.s.base_url", "bad URL 'ftp://mirror'"),
    (SAM + 'enabled = "yes"  # <-\n', "sources.s.enabled", "must be true or false"),
    ('[channels.c]\nkind = "console"\ndeliver = "daily 25:00"  # <-\n', "channels.c.deliver", "bad schedule 'daily 25:00'"),
    ('[channels.c]\nkind = "console"\ndeliver = "weekly funday 07:00"  # <-\n', "channels.c.deliver",
     "bad schedule 'weekly funday 07:00'"),
    ('[bot]\ntimezone = "Mars/Olympus"  # <-\n', "bot.timezone", "unknown timezone 'Mars/Olympus'"),
    ('[bot]\ntimezone = "America"  # <-\n', "bot.timezone", "unknown timezone 'America'"),  # a tzdata directory
    ('[bot]\nfirst_run_alert_days = -1  # <-\n', "bot.first_run_alert_days", "must be 0 or more"),
    ('[watchlists.w]\ncompetition = ["solesource"]  # <-\n', "watchlists.w.competition",
     "unknown verdict 'solesource' (one of: sole_source, limited, competed, unknown)"),
    ('[watchlists.w]\ncodes = ["541511"]  # <-\n', "watchlists.w.codes", "bad code '541511' (write scheme:value"),
    ('[watchlists.w]\nmin_amount = -5  # <-\n', "watchlists.w.min_amount", "must be 0 or more"),
    ('[watchlists.w]\nmin_amount = nan  # <-\n', "watchlists.w.min_amount", "must be 0 or more"),
    (SAM + 'api_key = "abc123"  # <-\n', "sources.s.api_key",
     "unknown key (secrets come from environment variables: use api_key_env)"),
    (SAM + 'api_key_env = "SAM-KEY"  # <-\n', "sources.s.api_key_env", "must name an environment variable"),
    (SAM + 'notice_types = ["u", "z"]  # <-\n', "sources.s.notice_types", "unknown notice type 'z'"),
    (SAM + "limit = 0  # <-\n", "sources.s.limit", "must be between 1 and 1000"),
    (SAM + "limit = 1001  # <-\n", "sources.s.limit", "must be between 1 and 1000"),
    (SAM + "lookback_days = 365  # <-\n", "sources.s.lookback_days", "must be between 1 and 364"),
    ('[aliases]\nCBP = "Customs"  # <-\n', "aliases.CBP", "must be a list of strings"),
    ("\nsources = 5  # <-\n", "sources", "must be a table (write [sources])"),
]


@pytest.mark.parametrize("text, key, fragment", ERRORS, ids=[f"{k}:{f[:24]}" for _, k, f in ERRORS])
def test_error_names_line_key_and_problem(text, key, fragment):
    [line] = problems(text)
    assert line.startswith(f"f.toml:{marked_line(text)}: {key}: "), line
    assert fragment in line
    assert "abc123" not in line  # a pasted secret is not echoed back


def test_all_problems_reported_at_once(tmp_path):
    text = ('[bot]\ntimezone = "Nowhere/Land"  # <-\n\n' + SAM + 'evrey = "1h"\n\n'
            '[channels.c]\nkind = "console"\nwatchlists = ["missing"]\n')
    found = problems(text)
    assert len(found) == 3
    assert {re.match(r"f\.toml:(\d+): ([\w.]+): ", p).groups() for p in found} == {
        ("2", "bot.timezone"), ("6", "sources.s.evrey"), ("10", "channels.c.watchlists")}


@pytest.mark.parametrize("text, line", [('[bot]\ncontact = "unterminated\n', 2),
                                        ('[bot]\n\n[sources.s\nkind = "x"\n', 3),
                                        ('[bot]\ndatabase = "a"\ndatabase = "b"\n', 3)])
def test_toml_syntax_error_is_one_line(text, line):
    [found] = problems(text)
    assert found.startswith(f"f.toml:{line}: syntax: ")


def test_unreadable_file_is_one_line(tmp_path):
    with pytest.raises(ConfigError) as e:
        load(str(tmp_path / "nope.toml"), {})
    [line] = e.value.problems
    assert line.startswith(f"{tmp_path / 'nope.toml'}: cannot read: ") and "--config" in line


# --- what valid files give ---------------------------------------------------------------------

@pytest.mark.parametrize("deliver", ["instant", "hourly", "daily 07:00", "daily 23:59", "weekly mon 07:00",
                                     "weekly sun 00:00"])
def test_valid_schedules_accepted(deliver):
    config = parse(f'[channels.c]\nkind = "console"\ndeliver = "{deliver}"\n', "f.toml", {})
    assert config.channels["c"].deliver == deliver


@pytest.mark.parametrize("every, seconds", [("30s", 30.0), ("6h", 21600.0), ("1d", 86400.0), ("1h30m", 5400.0)])
def test_durations(every, seconds):
    assert parse(SAM + f'every = "{every}"\n', "f.toml", {}).sources["s"].every == seconds


def test_defaults_filled():
    text = SAM + '\n[watchlists.w]\nkeywords = ["biometric"]\n\n[channels.c]\nkind = "console"\n'
    config = parse(text, "f.toml", {})
    assert config.bot == BotConfig(database=os.path.abspath("state/procwatch.db"))
    s = config.sources["s"]
    assert (s.every, s.base_url) == (1800.0, "https://api.sam.gov")  # SAM's default every
    assert not s.enabled and "api_key_env is not set" in config.warnings[0]  # no key: disabled, warned
    assert dict(s.options) == SamOpportunities.OPTIONS
    assert s.options["notice_types"] == ["u", "s", "p", "r", "a", "k", "o"] and s.options["limit"] == 1000
    w = config.watchlists["w"]
    assert w.competition == ("sole_source",) and w.vendors == () and w.sources == ()
    assert w.min_amount == Decimal(0) and isinstance(w.min_amount, Decimal)
    c = config.channels["c"]
    assert (c.deliver, c.watchlists) == ("instant", ("w",))  # no watchlists key = all of them
    assert len(config.warnings) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.every = 1.0


def test_explicit_values_kept():
    text = (SAM + 'every = "2h"\nbase_url = "http://127.0.0.1:8080/"\nnotice_types = ["u"]\nlimit = 50\n'
            '\n[watchlists.w]\nmin_amount = 2500.50\ncompetition = ["sole_source", "limited"]\ncodes = ["naics:541511"]\n'
            '\n[aliases]\nCBP = ["Border Patrol"]\n')
    config = parse(text, "f.toml", {})
    s = config.sources["s"]
    assert (s.every, s.base_url, s.options["notice_types"], s.options["limit"]) == (
        7200.0, "http://127.0.0.1:8080", ["u"], 50)
    assert s.options["overlap_days"] == 2  # untouched options keep their default
    w = config.watchlists["w"]
    assert w.min_amount == Decimal("2500.5") and w.competition == ("sole_source", "limited")
    assert w.codes == ("naics:541511",) and config.aliases == {"CBP": ("Border Patrol",)}


def test_disabled_source_without_key_gives_no_warning():
    config = parse(SAM + 'api_key_env = "SAM_API_KEY"\nenabled = false\n', "f.toml", {})
    assert config.sources["s"].enabled is False and config.warnings == ()


def test_config_path_precedence(monkeypatch):
    monkeypatch.delenv("PROCWATCH_CONFIG", raising=False)
    assert config_path(None) == "feeds.toml"
    monkeypatch.setenv("PROCWATCH_CONFIG", "/etc/pw.toml")
    assert config_path(None) == "/etc/pw.toml"
    assert config_path("mine.toml") == "mine.toml"


# --- the CLI -------------------------------------------------------------------------------------

def test_cli_check_bad_file_exits_1_with_lines(tmp_path, capsys):
    path = tmp_path / "feeds.toml"
    path.write_text('[bot]\ntimezone = "Nowhere/Land"\n\n' + SAM + 'evrey = "1h"\nlimit = 0\n')
    assert main(["--config", str(path), "check"]) == 1
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 3 and "Traceback" not in err + out
    assert all(re.match(rf"{re.escape(str(path))}:\d+: [\w.]+: ", line) for line in lines), lines
    assert f"{path}:6: sources.s.evrey: unknown key" in err


@pytest.mark.parametrize("text", ['[bot\n', '[bot]\ntimezone = "America"\n'])
def test_cli_check_never_shows_a_traceback(tmp_path, capsys, text):
    path = tmp_path / "feeds.toml"
    path.write_text(text)
    assert main(["--config", str(path), "check"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out and "internal error" not in err
    assert err.startswith(f"{path}:") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("key, state", [(SECRET, "enabled"), (None, "DISABLED")])
def test_cli_check_shipped_example_exits_0(monkeypatch, capsys, key, state):
    monkeypatch.delenv("SAM_API_KEY_FILE", raising=False)
    if key:
        monkeypatch.setenv("SAM_API_KEY", key)
    else:
        monkeypatch.delenv("SAM_API_KEY", raising=False)
    assert main(["--config", str(SHIPPED), "check"]) == 0
    out, err = capsys.readouterr()
    assert f"{SHIPPED}: OK" in out and f"source   sam (sam_opportunities) every 30m, {state}" in out
    assert SECRET not in out + err and "Traceback" not in out + err


def test_kinds_that_need_a_full_address_say_so():
    with pytest.raises(ConfigError) as caught:
        parse('[sources.pub]\nkind = "ocds"\n', "f.toml", {})
    assert caught.value.problems == ["f.toml:1: sources.pub.base_url: required for this kind "
                                     "(the publisher's full http(s) address)"]
    feed = parse('[sources.f]\nkind = "feed"\nurl = "https://agency.example/intent.rss"\n', "f.toml", {})
    assert feed.sources["f"].base_url == "" and feed.sources["f"].options["url"].endswith("intent.rss")


def test_relative_database_is_beside_feeds_toml_not_the_working_directory(tmp_path, monkeypatch):
    """A cron job started in another folder must open the same database, not create an empty one."""
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "feeds.toml").write_text('[bot]\ndatabase = "state/pw.db"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load(str(folder / "feeds.toml"), {}).bot.database == str(folder / "state" / "pw.db")
    assert load("../conf/feeds.toml", {}).bot.database == str(folder / "state" / "pw.db")
    absolute = tmp_path / "abs.db"
    (folder / "feeds.toml").write_text(f'[bot]\ndatabase = "{absolute}"\n')
    assert load(str(folder / "feeds.toml"), {}).bot.database == str(absolute)
