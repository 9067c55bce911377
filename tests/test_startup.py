"""What a command pays to start: loading feeds.toml imports only the kinds it names, and those
kinds do not drag in parsers and clients a command like `status` never uses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = """
[bot]
database = "{folder}/procwatch.db"

[sources.sam]
kind = "sam_opportunities"
api_key_env = "SAM_API_KEY"

[sources.extract]
kind = "sam_extract"

[sources.fpds]
kind = "fpds_atom"

[sources.news]
kind = "feed"
url = "https://example.org/feed.xml"
"""


def loaded_by_config(tmp_path: Path) -> set[str]:
    """The modules a fresh interpreter holds after loading (and checking) that configuration."""
    path = tmp_path / "feeds.toml"
    path.write_text(CONFIG.format(folder=tmp_path))
    code = ("import json, sys; from bot.config import load; load(sys.argv[1], {}); "
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return set(json.loads(out.stdout))


def test_loading_the_configuration_imports_only_the_named_kinds(tmp_path):
    modules = loaded_by_config(tmp_path)
    assert {"bot.sources.sam_opportunities", "bot.sources.fpds_atom", "bot.sources.feed"} <= modules
    assert "bot.sources.ted" not in modules and "bot.sources.page" not in modules  # not named
    assert "bot.notify.slack" not in modules


def test_loading_the_configuration_imports_no_html_parser_or_pipeline(tmp_path):
    modules = loaded_by_config(tmp_path)
    assert not {m for m in modules if m == "bs4" or m.startswith("bs4.")}
    assert "bot.pipeline" not in modules


def test_loading_the_configuration_leaves_the_cue_tables_unloaded(tmp_path):
    """The statement reader and its cue tables are the classifier's, loaded when a notice is read."""
    assert "bot.statements" not in loaded_by_config(tmp_path)


def test_loading_the_configuration_imports_no_http_client(tmp_path):
    """requests comes with the first request: status, show and search never make one."""
    modules = loaded_by_config(tmp_path)
    assert "requests" not in modules and "urllib3" not in modules


def loaded_by_command(config: str, *argv: str) -> tuple[int, set[str]]:
    """(exit code, modules held) after one command run in a fresh interpreter."""
    code = ("import contextlib, io, json, sys; from bot.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): code = main(sys.argv[1:])\n"
            "print(json.dumps([code, sorted(sys.modules)]))")
    out = subprocess.run([sys.executable, "-c", code, "--config", config, *argv], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    code, modules = json.loads(out.stdout.splitlines()[-1])
    return code, set(modules)


def test_reading_a_migrated_database_does_not_import_sqlite_utils(make_app, fake_sam):
    """sqlite-utils (click, dateutil, pluggy: ~50 ms) creates and migrates the schema; search,
    show and status on an up-to-date database open it with sqlite3 alone."""
    app = make_app()
    app.once()  # the database exists, migrated, with notices
    for argv in (("search", "clearview"), ("show", "aa000000000000000000000000000001"), ("status",)):
        code, modules = loaded_by_command(app.config.path, *argv)
        assert code == 0, argv
        assert "bot.store" in modules and "sqlite_utils" not in modules, argv
        assert "bot.evidence" not in modules and "bot.documents" not in modules, argv  # show --evidence's


def test_a_database_with_a_pending_migration_is_still_upgraded_on_open(tmp_path):
    """The plain-SQL pending check still hands a missing migration to sqlite-utils to apply."""
    import sqlite3

    from bot.migrations import migrations
    path = str(tmp_path / "procwatch.db")
    last = migrations.names()[-1]
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.apply(conn, stop_before=last)  # a database one release behind
    assert migrations.pending(conn) == [last]
    conn.close()
    code = ("import sys; from bot.store import Database; Database(sys.argv[1]).close();"
            " print('sqlite_utils' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "True" and f"upgrading the database {path} ({last})" in out.stderr
    assert migrations.pending(sqlite3.connect(path)) == []
