"""Crash safety of delivery: `procwatch once` and `procwatch run` killed with SIGKILL while posting to
Slack or sending email, then `once` run again; and two processes delivering at the same time.

Each trial runs a real `python -m bot` subprocess against a local SAM.gov (conftest's FakeSam), the
fake Slack Web API and a real SMTP server (aiosmtpd), all on 127.0.0.1, and kills it:
- slack-landed: while chat.postMessage is held after Slack accepted the post (a lost confirmation);
- slack-sent: up to 30 ms after Slack answered;
- smtp-landed: while the SMTP server holds its 250 after accepting the message;
- smtp-sent: up to 30 ms after the server answered.
Then `once` runs to the end. Every alerted notice must reach Slack exactly once and the subscriber at
least once, with at most one duplicate email per crash, carrying the same Message-ID.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import SLACK_TOKEN, FakeSlack, SmtpSink, fixture_bytes, free_port
from pytest_httpserver import HTTPServer
from test_faults_crash import ALERTED, KillSwitch, recent_rows

ROOT = Path(__file__).resolve().parents[2]
TRIALS, WORKERS = 12, 2
PHASES = ("slack-landed", "slack-sent", "smtp-landed", "smtp-sent")

CONFIG = """
[bot]
database = "{folder}/procwatch.db"
first_run_alert_days = 7
contact = "faults@example.org"

[sources.sam]
kind = "sam_opportunities"
base_url = "{base}"
api_key_env = "SAM_API_KEY"

[watchlists.surveillance]
vendors = ["Clearview AI", "Palantir", "Cellebrite"]
keywords = ["facial recognition", "biometric"]
agencies = ["CBP", "ICE"]

[channels.team]
kind = "slack"
channel = "C0PROCWATCH"
token_env = "SLACK_BOT_TOKEN"
base_url = "{slack}"
timeout = {timeout}

[channels.mail]
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp}
smtp_security = "none"
from = "procwatch alerts <alerts@example.org>"
timeout = {timeout}
subscribers = [{{ address = "ana@example.org" }}]
"""


class Gate:
    """Where a trial stops the subprocess: `reached` when the armed phase happens, held until `release`."""

    def __init__(self):
        self.hold = 15  # seconds a "landed" answer is held at most
        self.arm(None)

    def arm(self, phase: str | None) -> None:
        self.phase, self.reached, self.release = phase, threading.Event(), threading.Event()

    def at(self, phase: str) -> None:
        if self.phase == phase:
            self.reached.set()
            if phase.endswith("landed"):
                self.release.wait(self.hold)  # hold the answer until the process is dead (or released)


class GatedSlack(FakeSlack):
    def __init__(self, server, gate: Gate):
        super().__init__(server)
        self.gate = gate

    def _post(self, request):
        answer = super()._post(request)  # recorded: the post has landed
        self.gate.at("slack-landed")
        self.gate.at("slack-sent")
        return answer


class GatedSink(SmtpSink):
    def __init__(self, gate: Gate):
        super().__init__()
        self.gate = gate

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        hold = asyncio.get_running_loop().run_in_executor  # the server keeps serving others meanwhile
        await hold(None, self.gate.at, "smtp-landed")
        await hold(None, self.gate.at, "smtp-sent")
        return answer


class Rig:
    """One local SAM.gov + Slack + SMTP, shared by a worker's trials (each trial has its own folder)."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        self.gate = Gate()
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.start()
        self.sam = KillSwitch(self.server, recent_rows())
        self.sam.descriptions["aa000000000000000000000000000002"] = (
            200, fixture_bytes("sam_opportunities", "synthetic_noticedesc_json_intent_ice_clearview.json").decode(),
            "application/json")
        self.slack = GatedSlack(self.server, self.gate)
        self.sink = GatedSink(self.gate)
        self.smtp = Controller(self.sink, hostname="127.0.0.1", port=free_port())
        self.smtp.start()

    def reset(self) -> None:
        self.slack.posts.clear()
        self.sink.messages.clear()

    def stop(self) -> None:
        self.gate.release.set()
        self.smtp.stop()
        self.server.clear()
        self.server.stop()

    def config(self, folder: Path, timeout: int = 5) -> Path:
        """A trial's feeds.toml; `timeout` is the channels' (the client gives up on a held answer after it)."""
        folder.mkdir()
        path = folder / "feeds.toml"
        path.write_text(CONFIG.format(folder=folder, base=self.server.url_for("").rstrip("/"),
                                      slack=self.slack.base_url, smtp=self.smtp.port, timeout=timeout))
        return path

    def delivered(self) -> dict:
        """Per alerted uid: Slack posts naming it, emails showing it; and the emails' Message-IDs."""
        slack = {uid: sum(f"sam:{uid}" in p["metadata"]["event_payload"]["uids"] for p in self.slack.posts)
                 for uid in ALERTED}
        bodies = [m.get_body(("plain",)).get_content() for _, m in self.sink.messages]
        mail = {uid: sum(title in body for body in bodies) for uid, title in ALERTED.items()}
        return {"slack": slack, "mail": mail, "message_ids": [m["Message-ID"] for _, m in self.sink.messages]}


def procwatch(config: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "SAM_API_KEY": "faults-key", "SLACK_BOT_TOKEN": SLACK_TOKEN}
    return subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env)


def trial(seed: int, rig: Rig, root: Path) -> dict:
    rng = random.Random(seed)
    phase, command = PHASES[seed % len(PHASES)], ("once", "run")[seed // len(PHASES) % 2]
    config = rig.config(root / f"trial{seed:02d}")
    rig.reset()
    rig.gate.arm(phase)
    proc = procwatch(config, command)
    reached = rig.gate.reached.wait(30)
    if reached and phase.endswith("sent"):
        time.sleep(rng.uniform(0, 0.03))
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    rig.gate.release.set()
    rig.gate.arm(None)
    again = procwatch(config, "once")
    err = again.communicate(timeout=60)[1].decode()
    return {"seed": seed, "phase": phase, "command": command, "reached": reached, "killed": proc.returncode,
            "again": again.returncode, "stderr": err[-500:], **rig.delivered()}


def test_sigkill_while_delivering_loses_nothing_posts_nothing_twice(tmp_path):
    rigs = [Rig() for _ in range(WORKERS)]
    try:
        def worker(w: int) -> list[dict]:
            return [trial(seed, rigs[w], tmp_path) for seed in range(w, TRIALS, WORKERS)]

        with ThreadPoolExecutor(WORKERS) as pool:
            results = [r for batch in pool.map(worker, range(WORKERS)) for r in batch]
    finally:
        for rig in rigs:
            rig.stop()
    report = json.dumps(results, indent=1)
    assert len(results) == TRIALS and {(r["phase"], r["command"]) for r in results} == \
        {(p, c) for p in PHASES for c in ("once", "run")}, report
    assert all(r["reached"] for r in results), report
    landed = [r for r in results if r["phase"].endswith("landed")]
    assert all(r["killed"] == -signal.SIGKILL for r in landed), report  # killed while the answer was held
    assert sum(r["killed"] == -signal.SIGKILL for r in results) >= TRIALS - 3, report  # "sent": may finish first
    assert all(r["again"] == 0 for r in results), report
    assert all(set(r["slack"].values()) == {1} for r in results), report  # 0 lost, 0 duplicate Slack posts
    assert all(min(r["mail"].values()) >= 1 for r in results), report  # 0 lost emails
    assert all(len(r["message_ids"]) <= 2 and len(set(r["message_ids"])) == 1 for r in results), report
    assert any(len(r["message_ids"]) == 2 for r in results if r["phase"] == "smtp-landed"), report  # the window exists


def test_a_second_process_never_sends_what_another_is_sending(tmp_path):
    """`once` holds the SMTP answer; meanwhile `digest mail` and another `once` run to the end."""
    rig = Rig()
    try:
        # The answer is held while three other processes run to the end, which takes longer than the
        # usual 5 s channel timeout on a loaded machine: the held client must wait, not time out.
        config = rig.config(tmp_path / "both", timeout=120)
        rig.gate.hold = 120
        rig.gate.arm("smtp-landed")
        first = procwatch(config, "once")
        assert rig.gate.reached.wait(30)
        for args in (("digest", "mail"), ("once",), ("digest", "team")):
            other = procwatch(config, *args)
            assert other.wait(60) == 0, other.stderr.read().decode()
        assert len(rig.sink.messages) == 1  # only the held one: nobody took the rows it is sending
        rig.gate.release.set()
        assert first.wait(60) == 0
        delivered = rig.delivered()
    finally:
        rig.stop()
    assert set(delivered["slack"].values()) == {1} and set(delivered["mail"].values()) == {1}
    assert len(delivered["message_ids"]) == 1
