"""A database procwatch cannot use is one line naming the file and what to do, never an internal error."""

from __future__ import annotations

import sqlite3

import pytest

from bot.cli import main


@pytest.fixture
def feeds(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text('[bot]\ndatabase = "state/procwatch.db"\n\n[watchlists.w]\nkeywords = ["drone"]\n')
    return path


def damage(db_path) -> None:
    with open(db_path, "r+b") as f:  # overwrite pages past the header: sqlite3 reports "malformed"
        f.seek(5000)
        f.write(b"garbage" * 2000)


@pytest.mark.parametrize("command", [["search", "drone"], ["status"], ["show", "x"], ["watch", "test", "w"], ["check"]])
def test_a_damaged_database_is_one_line_with_the_file_and_the_fix(feeds, capsys, command):
    assert main(["--config", str(feeds), "check"]) == 0
    assert "database opens, is sound (quick_check) and writable" in capsys.readouterr().out
    db = feeds.parent / "state" / "procwatch.db"
    damage(db)
    assert main(["--config", str(feeds), *command]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error" not in err[0], err
    assert str(db) in err[0] and "procwatch db backup" in err[0]


def test_a_locked_database_says_another_process_is_writing(feeds, capsys, monkeypatch):
    assert main(["--config", str(feeds), "check"]) == 0
    capsys.readouterr()
    holder = sqlite3.connect(feeds.parent / "state" / "procwatch.db", timeout=0)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    original = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda path, timeout=30: original(path, timeout=0.2))  # not 30 s
    try:
        assert main(["--config", str(feeds), "check"]) == 1
    finally:
        holder.rollback()
        holder.close()
    err = capsys.readouterr().err
    assert "cannot use the database" in err and "locked" in err and "another procwatch" in err
