"""`procwatch db prune|check|backup` and the refusal of a database file that is not one (issues 12, 14)."""

from __future__ import annotations

import os
import sqlite3
from decimal import Decimal

import pytest

from bot.cli import main
from bot.notice import Notice
from bot.retention import file_size
from bot.store import Database

OLD = "2025-01-10T00:00:00+00:00"  # older than any retention the tests set


def _config(tmp_path, extra: str = "") -> str:
    db = tmp_path / "state" / "procwatch.db"
    path = tmp_path / "feeds.toml"
    path.write_text(f'[bot]\ndatabase = "{db}"\ncontact = "t@example.org"\n{extra}\n')
    return str(path)


def _raw(i: int) -> str:
    return '{"noticeId": "%d", "blob": "%s"}' % (i, os.urandom(3000).hex())  # incompressible


def _fill(path: str, n: int = 600, matched: int = 10) -> None:
    db = Database(path)
    with db.transaction():
        for i in range(n):
            db.save(Notice(source="sam", native_id=str(i), title=f"Licences {i}", amount=Decimal(i),
                           competition="sole_source", raw=_raw(i)), OLD)
        for i in range(matched):
            db.save_match(f"sam:{i}", 1, "surveillance", [], OLD)
        db.db.execute("INSERT INTO outbox (channel, recipient, uid, version, watchlists, state, created_at,"
                      " sent_at, digest_id) VALUES ('console', '', 'sam:0', 1, '[]', 'sent', ?, ?, 'd1'),"
                      " ('console', '', 'sam:0', 2, '[]', 'sent', ?, ?, 'd2')", (OLD, OLD, OLD, OLD))
        db.db.execute("INSERT INTO digests (id, channel, recipient, created_at, sent_at, items) VALUES"
                      " ('d1', 'console', '', ?, ?, 1), ('d2', 'console', '', ?, ?, 1)", (OLD, OLD, OLD, OLD))
    db.close()


def test_prune_drops_unmatched_raw_records_and_old_history_and_shrinks_the_file(tmp_path, capsys):
    config = _config(tmp_path, "keep_unmatched_raw_days = 30\nkeep_history_days = 30")
    path = str(tmp_path / "state" / "procwatch.db")
    _fill(path)
    before = file_size(path)
    assert main(["--config", config, "db", "prune"]) == 0
    captured = capsys.readouterr()
    assert "pruned 590 raw records, 1 outbox rows, 1 digests" in captured.out
    assert "notices scanned: 600/600 (100%)" in captured.err and "incremental vacuum" in captured.out
    assert file_size(path) < before / 3
    db = Database(path)
    assert db.notice("sam:3").raw.startswith('{"noticeId": "3"') and db.notice("sam:300").raw == ""  # 3 matched
    assert db.notice("sam:300").title == "Licences 300" and db.count("notices") == 600  # the notice stays
    assert [r["version"] for r in db.rows("SELECT version FROM outbox")] == [2]  # the last row per recipient
    assert [r["id"] for r in db.rows("SELECT id FROM digests")] == ["d2"]
    db.close()


def test_prune_with_zero_days_keeps_everything(tmp_path, capsys):
    config = _config(tmp_path, "keep_unmatched_raw_days = 0\nkeep_history_days = 0")
    path = str(tmp_path / "state" / "procwatch.db")
    _fill(path, n=20)
    assert main(["--config", config, "db", "prune"]) == 0
    assert "pruned 0 raw records;" in capsys.readouterr().out
    db = Database(path)
    assert db.notice("sam:15").raw.startswith('{"noticeId": "15"') and db.count("outbox") == 2
    db.close()


def test_check_backup_and_a_damaged_file(tmp_path, capsys):
    config = _config(tmp_path)
    path = str(tmp_path / "state" / "procwatch.db")
    _fill(path, n=300)
    assert main(["--config", config, "db", "check"]) == 0
    assert "ok (300 notices" in capsys.readouterr().out
    copy = str(tmp_path / "backup.db")
    assert main(["--config", config, "db", "backup", copy]) == 0
    assert f"to {copy}" in capsys.readouterr().out
    assert sqlite3.connect(copy).execute("SELECT count(*) FROM notices").fetchone()[0] == 300
    assert main(["--config", config, "db", "backup", copy]) == 1
    assert "already exists" in capsys.readouterr().err
    # damage the middle of the file (notice and version pages), as a failing disk would
    plain = sqlite3.connect(path)
    plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    plain.close()
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff" * 8192)
    assert main(["--config", config, "db", "check"]) == 1
    assert "is damaged" in capsys.readouterr().err
    assert main(["--config", config, "run"]) == 1  # the daemon refuses to start on it
    assert "is damaged" in capsys.readouterr().err


@pytest.mark.parametrize("content, message", [(b"", "is an empty file (0 bytes)"),
                                              (b"hello, not a database\n" * 10, "is not an SQLite database")])
def test_an_empty_or_foreign_file_is_refused_with_the_path_and_the_fix(tmp_path, capsys, content, message):
    config = _config(tmp_path)
    path = tmp_path / "state" / "procwatch.db"
    path.parent.mkdir()
    path.write_bytes(content)
    for command in (["db", "check"], ["status"], ["run"]):
        assert main(["--config", config, *command]) == 1
        err = capsys.readouterr().err
        assert f"{path} {message}" in err and ("restore" in err or "move that file away" in err)
    assert path.read_bytes() == content  # left as it was


LOCK_PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 510, 0x40000002)  # SQLite's shared-lock range
    print("taken")
except OSError:
    print("held")
"""


def test_opening_the_database_again_keeps_the_locks_of_a_live_connection(tmp_path):
    """The daemon opens the database per job while its connection reads; a second opener in the
    process must not drop that connection's locks (closing any descriptor of the file drops all the
    process's POSIX locks on it), or another process may checkpoint and remove the WAL under it."""
    import subprocess
    import sys
    path = str(tmp_path / "procwatch.db")
    live = Database(path)
    live.db.execute("BEGIN")
    live.rows("SELECT count(*) FROM notices")  # a read in progress: SQLite holds its shared lock

    def probe() -> str:
        return subprocess.run([sys.executable, "-c", LOCK_PROBE, path], capture_output=True, text=True,
                              check=True).stdout.strip()

    assert probe() == "held"
    Database(path).close()  # another opener in the same process
    assert probe() == "held"
    live.db.execute("COMMIT")
    live.close()


def test_another_programs_sqlite_file_is_refused(tmp_path, capsys):
    config = _config(tmp_path)
    path = tmp_path / "state" / "procwatch.db"
    path.parent.mkdir()
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE photos (id INTEGER)")
    other.commit()
    other.close()
    assert main(["--config", config, "db", "check"]) == 1
    assert "not procwatch's" in capsys.readouterr().err


def test_the_daemon_checks_and_prunes_daily(tmp_path, caplog):
    from bot.app import App
    from bot.config import load
    from bot.http import Http
    from bot.scheduler import MAINTENANCE_SECONDS, Daemon
    config = _config(tmp_path, "keep_unmatched_raw_days = 30")
    _fill(str(tmp_path / "state" / "procwatch.db"), n=20, matched=5)
    app = App(load(config), Http(contact="t@example.org"))
    daemon = Daemon(app)
    daemon.start(paused=True)
    try:
        assert daemon.scheduler.get_job("maintenance").trigger.interval.total_seconds() == MAINTENANCE_SECONDS == 86400
        with caplog.at_level("INFO", logger="procwatch"):
            daemon.maintain()
    finally:
        daemon.scheduler.shutdown(wait=False)
    assert "database: pruned 15 raw records" in caplog.text
