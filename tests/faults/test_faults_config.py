"""30 broken feeds.toml files: each is one clean `file:line: key: problem` line, never a traceback.

Every variant is a whole, otherwise valid feeds.toml with one defect on the line marked `# <-`.
A few run as a real `python -m bot --config X check` subprocess, the rest through bot.cli.main;
then a running daemon is handed every broken file in turn and keeps its configuration.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.scheduler import Daemon

ROOT = Path(__file__).resolve().parents[2]
SECRET = "pasted-s3cr3t-9876"

BASE = """[bot]
database = "{db}"
contact = "ops@example.org"
timezone = "UTC"

[sources.sam]
kind = "sam_opportunities"
api_key_env = "FAULTS_SAM_KEY"
every = "30m"

[watchlists.w]
vendors = ["Clearview AI"]
keywords = ["facial recognition"]

[channels.console]
kind = "console"
watchlists = ["w"]
deliver = "instant"
"""


def variant(old: str, new: str) -> str:
    """BASE with `old` replaced by `new` (which carries the `# <-` marker on the faulty line)."""
    assert old in BASE
    return BASE.replace(old, new, 1)


# (id, feeds.toml text, dotted key or "syntax", fragment of the message)
BROKEN = [
    # bad TOML
    ("unterminated string", variant('contact = "ops@example.org"', 'contact = "ops@example.org  # <-'), "syntax", ""),
    ("unclosed table header", variant("[sources.sam]", "[sources.sam  # <-"), "syntax", ""),
    ("duplicate key", variant('every = "30m"', 'every = "30m"\nevery = "1h"  # <-'), "syntax", ""),
    ("value without key", variant('timezone = "UTC"', 'timezone = "UTC"\n= 5  # <-'), "syntax", ""),
    ("bare word value", variant('timezone = "UTC"', "timezone = UTC  # <-"), "syntax", ""),
    # duplicate names
    ("duplicate source", BASE + '\n[sources.sam]  # <-\nkind = "ted"\n', "syntax", ""),
    ("duplicate watchlist", BASE + "\n[watchlists.w]  # <-\nkeywords = [\"x\"]\n", "syntax", ""),
    # wrong types
    ("every as number", variant('every = "30m"', "every = 30  # <-"), "sources.sam.every", "bad duration"),
    ("days as string", variant('timezone = "UTC"', 'timezone = "UTC"\nfirst_run_alert_days = "7"  # <-'),
     "bot.first_run_alert_days", "must be a whole number"),
    ("vendors as string", variant('vendors = ["Clearview AI"]', 'vendors = "Clearview AI"  # <-'),
     "watchlists.w.vendors", "must be a list of strings"),
    ("min_amount as string", variant('keywords = ["facial recognition"]',
                                     'keywords = ["facial recognition"]\nmin_amount = "1000"  # <-'),
     "watchlists.w.min_amount", "must be a number"),
    ("enabled as string", variant('every = "30m"', 'every = "30m"\nenabled = "yes"  # <-'),
     "sources.sam.enabled", "must be true or false"),
    ("limit as bool", variant('every = "30m"', 'every = "30m"\nlimit = true  # <-'), "sources.sam.limit",
     "must be a whole number"),
    ("sources as number", "sources = 5  # <-\n" + BASE.split("[sources.sam]")[0], "sources", "must be a table"),
    # unknown keys and kinds
    ("typo in source key", variant('every = "30m"', 'evrey = "30m"  # <-'), "sources.sam.evrey", "unknown key"),
    ("typo in table", variant("[sources.sam]", "[sourcs.sam]  # <-"), "sourcs", "unknown key"),
    ("typo in bot key", variant('timezone = "UTC"', 'timezon = "UTC"  # <-'), "bot.timezon", "unknown key"),
    ("unknown source kind", variant('kind = "sam_opportunities"', 'kind = "sam_opportunites"  # <-'),
     "sources.sam.kind", "unknown kind 'sam_opportunites'"),
    ("unknown channel kind", variant('kind = "console"', 'kind = "slak"  # <-'), "channels.console.kind",
     "unknown kind 'slak'"),
    ("pasted secret", variant('api_key_env = "FAULTS_SAM_KEY"', f'api_key = "{SECRET}"  # <-'),
     "sources.sam.api_key", "use api_key_env"),
    ("bad env var name", variant('api_key_env = "FAULTS_SAM_KEY"', 'api_key_env = "SAM-KEY"  # <-'),
     "sources.sam.api_key_env", "must name an environment variable"),
    # bad schedules
    ("bad duration", variant('every = "30m"', 'every = "5x"  # <-'), "sources.sam.every", "bad duration '5x'"),
    ("zero duration", variant('every = "30m"', 'every = "0m"  # <-'), "sources.sam.every", "bad duration '0m'"),
    ("bad daily time", variant('deliver = "instant"', 'deliver = "daily 25:00"  # <-'), "channels.console.deliver",
     "bad schedule"),
    ("bad weekday", variant('deliver = "instant"', 'deliver = "weekly funday 07:00"  # <-'),
     "channels.console.deliver", "bad schedule"),
    ("unknown timezone", variant('timezone = "UTC"', 'timezone = "Mars/Olympus"  # <-'), "bot.timezone",
     "unknown timezone"),
    # references and values
    ("missing watchlist", variant('watchlists = ["w"]', 'watchlists = ["w", "nope"]  # <-'),
     "channels.console.watchlists", "no watchlist named 'nope'"),
    ("unknown verdict", variant('keywords = ["facial recognition"]',
                                'keywords = ["facial recognition"]\ncompetition = ["solesource"]  # <-'),
     "watchlists.w.competition", "unknown verdict"),
    ("ftp base_url", variant('every = "30m"', 'every = "30m"\nbase_url = "ftp://mirror"  # <-'),
     "sources.sam.base_url", "bad URL"),
    ("limit out of range", variant('every = "30m"', 'every = "30m"\nlimit = 5000  # <-'), "sources.sam.limit",
     "between 1 and 1000"),
]
assert len(BROKEN) == 30
SUBPROCESS = {"unterminated string", "duplicate source", "unknown source kind", "bad daily time", "pasted secret"}


def marked_line(text: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if "# <-" in line)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(text.format(db=tmp_path / "state" / "procwatch.db"))
    return path


def check_subprocess(path: Path, env: dict | None = None) -> tuple[int, str, str]:
    run = subprocess.run([sys.executable, "-m", "bot", "--config", str(path), "check"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60, env={**os.environ, **(env or {})})
    return run.returncode, run.stdout, run.stderr


@pytest.mark.parametrize("name, text, key, fragment", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_is_one_clean_line_with_file_and_line(name, text, key, fragment, tmp_path, capsys):
    path = write(tmp_path, text)
    if name in SUBPROCESS:
        code, out, err = check_subprocess(path)
    else:
        code = main(["--config", str(path), "check"])
        out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 1 and out == ""
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{path}:{marked_line(text)}: {key}: "), lines[0]
    assert fragment in lines[0]
    assert "Traceback" not in err and SECRET not in err and len(lines[0]) < 400


@pytest.mark.parametrize("env, needle", [
    ({}, "FAULTS_SAM_KEY"),
    ({"FAULTS_SAM_KEY_FILE": "/nonexistent/faults/key"}, "FAULTS_SAM_KEY"),
])
def test_missing_env_var_disables_the_source_with_one_warning_line(env, needle, tmp_path):
    path = write(tmp_path, BASE)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FAULTS_")}
    run = subprocess.run([sys.executable, "-m", "bot", "--config", str(path), "check"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60, env={**environ, **env})
    warnings = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == 0 and "sam (sam_opportunities)" in run.stdout and "DISABLED" in run.stdout
    assert len(warnings) == 1 and needle in warnings[0] and "Traceback" not in run.stderr
    assert re.search(rf"{re.escape(str(path))}:{BASE.splitlines().index('[sources.sam]') + 1}: sources\.sam: ",
                     warnings[0])


def test_missing_slack_token_falls_back_with_one_warning_line(tmp_path):
    text = BASE + '\n[channels.alerts]\nkind = "slack"\nchannel = "C0123"\ntoken_env = "FAULTS_SLACK_TOKEN"\n'
    path = write(tmp_path, text)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FAULTS_")}
    run = subprocess.run([sys.executable, "-m", "bot", "--config", str(path), "check"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60, env={**environ, "FAULTS_SAM_KEY": "k"})
    warnings = [line for line in run.stderr.splitlines() if line.strip()]
    assert run.returncode == 0 and "Traceback" not in run.stderr
    assert len(warnings) == 1 and "FAULTS_SLACK_TOKEN" in warnings[0]
    assert f"{path}:{text.splitlines().index('[channels.alerts]') + 1}: channels.alerts: " in warnings[0]


def test_a_running_daemon_keeps_its_configuration_through_every_broken_edit(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("FAULTS_SAM_KEY", "k")
    good = BASE.format(db=tmp_path / "state" / "procwatch.db")
    daemon = Daemon(make_app(text=good))
    daemon.start(paused=True)
    try:
        before = daemon.app.config
        for name, text, _, _ in BROKEN:
            Path(daemon.path).write_text(text.format(db=tmp_path / "state" / "procwatch.db"))
            assert daemon.reload(name) is False, name
            assert daemon.app.config is before
        assert daemon.scheduler.get_job("source:sam").trigger.interval.total_seconds() == 1800
        Path(daemon.path).write_text(good.replace('every = "30m"', 'every = "1h"'))
        assert daemon.reload("fixed") is True  # and a good edit is still taken
        assert daemon.scheduler.get_job("source:sam").trigger.interval.total_seconds() == 3600
    finally:
        daemon.scheduler.shutdown(wait=False)
