"""Issue 14 item 3: a slow-drip server cannot hang a poll, health says so, and SIGTERM still stops
`run` within 10 s even in the middle of a request (a real subprocess against a real dripping socket)."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import NOW

from bot.commands import status
from bot.errors import SourceError
from bot.http import Http

ROOT = Path(__file__).resolve().parents[2]


class Drip:
    """A server that answers every connection one byte every `every` seconds, for ever."""

    def __init__(self, headers_too: bool = False, every: float = 0.05):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.headers_too, self.every = headers_too, every
        self.connected = threading.Event()
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connected.set()
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        try:
            conn.recv(65536)
            if not self.headers_too:
                conn.sendall(head)
            data = (head if self.headers_too else b"") + b" " * 100000
            for byte in data:
                if self.stopped.is_set():
                    break
                conn.sendall(bytes([byte]))
                time.sleep(self.every)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()


@pytest.fixture
def drip():
    servers = []

    def make(**kw) -> Drip:
        servers.append(Drip(**kw))
        return servers[-1]
    yield make
    for s in servers:
        s.close()


@pytest.mark.parametrize("headers_too", [False, True], ids=["body drips", "headers drip"])
def test_a_dripping_server_is_cut_off_at_the_wall_clock_deadline(drip, headers_too):
    server = drip(headers_too=headers_too)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"timed out after 0.5s waiting for http://127.0.0.1:\d+/slow"):
        Http(timeout=0.5).request("GET", server.url("/slow"))
    assert time.monotonic() - started < 2.0  # per-read timeouts alone would wait for ever


def test_all_requests_of_one_poll_share_the_poll_deadline(drip):
    server = drip()
    http = Http(timeout=5).for_source("s", poll_seconds=0.6)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"poll of s stopped: over its deadline of 0.6s while waiting for"):
        http.request("GET", server.url("/page1"))
    assert time.monotonic() - started < 2.0  # the poll's deadline, not the 5 s request timeout
    with pytest.raises(SourceError, match=r"poll of s stopped: over its deadline of 0.6s \(the pages read so far"):
        http.request("GET", server.url("/page2"))


def test_a_poll_over_its_deadline_is_a_failure_in_health(drip, make_app, tmp_path):
    server = drip()
    app = make_app(f'timeout = 0.5\n')
    text = open(app.config.path).read().replace(app.config.sources["sam"].base_url, server.url("").rstrip("/"))
    Path(app.config.path).write_text(text)
    app = make_app(text=text)
    started = time.monotonic()
    assert app.once() == 2
    assert time.monotonic() - started < 3.0
    db = app.database()
    row = db.health()[0]
    assert row["consecutive_failures"] == 1 and "timed out after 0.5s" in row["last_error"]


def test_status_check_fails_when_a_source_has_not_completed_a_poll_in_three_intervals(make_app, fake_sam):
    app = make_app()
    assert app.once() == 0  # `every = "30m"`

    def check(minutes: int) -> tuple[int, str]:
        out = io.StringIO()
        code = status.main(SimpleNamespace(json=False, check=True), app.config, out,
                           now=NOW + timedelta(minutes=minutes))
        return code, out.getvalue()
    assert check(89) == (0, "")
    code, text = check(91)
    assert code == 1 and "UNHEALTHY: sam: no poll has completed since 2026-10-02T12:00" in text
    db = app.database()
    db.set_meta("started_at", (NOW + timedelta(minutes=80)).isoformat())  # the daemon restarted after downtime
    db.set_meta("heartbeat", (NOW + timedelta(minutes=90)).isoformat())
    assert check(91) == (0, "")  # a restart is not a stall
    assert check(171)[0] == 1


def test_sigterm_stops_run_within_ten_seconds_in_the_middle_of_a_request(drip, tmp_path):
    server = drip()
    (tmp_path / "feeds.toml").write_text(f"""
[bot]
database = "{tmp_path / 'state' / 'procwatch.db'}"

[sources.sam]
kind = "sam_opportunities"
base_url = "{server.url('').rstrip('/')}"
api_key_env = "SAM_API_KEY"
timeout = "10m"

[watchlists.w]
keywords = ["x"]

[channels.console]
kind = "console"
""")
    env = dict(os.environ, SAM_API_KEY="drip-key-1234")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(tmp_path / "feeds.toml"), "run"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert server.connected.wait(30), "the daemon never polled"
        time.sleep(0.5)  # well inside the request: headers sent, body dripping
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    log = proc.stdout.read().decode()
    assert took < 10, f"run took {took:.1f}s to stop:\n{log}"
    assert code == 0, log
    assert "received SIGTERM" in log and "drip-key-1234" not in log


class Silent:
    """An SMTP relay that accepts connections and never says a word (a delivery job stuck in it)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connected = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            self.connected.set()


def stuck_in_delivery(tmp_path, httpserver) -> tuple[subprocess.Popen, Silent]:
    """`procwatch run` whose first delivery hangs in an SMTP relay that never answers (60 s timeout)."""
    from conftest import FakeSam, fixture_json
    yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    rows = fixture_json("sam_opportunities", "synthetic_sam_opportunities_justification_ptype_u_window.json")
    FakeSam(httpserver, [dict(r, postedDate=yesterday) for r in rows["opportunitiesData"]])
    relay = Silent()
    (tmp_path / "feeds.toml").write_text(f"""
[bot]
database = "{tmp_path / 'state' / 'procwatch.db'}"

[sources.sam]
kind = "sam_opportunities"
base_url = "{httpserver.url_for('').rstrip('/')}"
api_key_env = "SAM_API_KEY"

[watchlists.surveillance]
vendors = ["Clearview AI"]

[channels.mail]
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {relay.port}
smtp_security = "none"
from = "bot@example.org"
timeout = 60.0
subscribers = [{{ address = "desk@example.org" }}]
""")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(tmp_path / "feeds.toml"), "run"],
                            cwd=ROOT, env=dict(os.environ, SAM_API_KEY="stuck-key-1234"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert relay.connected.wait(30), "the daemon never tried to deliver"
    return proc, relay


def stop(proc: subprocess.Popen, *signals) -> tuple[int, float, str]:
    sent = time.monotonic()
    try:
        for sig in signals:
            proc.send_signal(sig)
            time.sleep(0.3)
        code = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    return code, time.monotonic() - sent, proc.stdout.read().decode()


def test_sigterm_ends_run_within_ten_seconds_even_with_a_job_stuck_outside_http(tmp_path, httpserver):
    proc, _ = stuck_in_delivery(tmp_path, httpserver)
    code, took, log = stop(proc, signal.SIGTERM)
    assert took < 10, f"run took {took:.1f}s to stop:\n{log}"
    assert "did not finish within 8s of the stop request" in log and code == 0


def test_a_second_ctrl_c_exits_at_once(tmp_path, httpserver):
    proc, _ = stuck_in_delivery(tmp_path, httpserver)
    code, took, log = stop(proc, signal.SIGINT, signal.SIGINT)
    assert took < 3, f"run took {took:.1f}s to stop:\n{log}"
    assert "received SIGINT again: exiting now" in log and code == 130
