"""Fault soak: `procwatch run` for N minutes with Slack and email behind a fault proxy.

A fake SAM.gov publishes two new sole-source Clearview AI notices every poll interval and answers
with the newest 40 (so the answer stays the size of a day's search); every one matches the watchlist, so each must reach Slack and email once. Slack (a fake Web API) and SMTP
(aiosmtpd) sit behind a TCP proxy whose phase flips every `--phase` seconds between calm and one
fault: 5xx (HTTP 503 / SMTP 421), 429 with Retry-After, connection reset, truncated answer (the
request landed, the confirmation is lost), slow drip, garbage. After the soak the proxy stays calm
until the outbox is drained (or `--drain` seconds pass).
Counted: notices published, lost (published but never delivered, per channel), duplicate Slack
posts (one uid in two posts), distinct emails per uid; the daemon's RSS, threads and open fds
sampled every 5 s. Warm-up is the first `--warm-up` polls of the source (counted at the fake
SAM.gov): min/median/max are over the samples after it, and growth is printed both from the end
of warm-up and from the first poll. With py-spy installed, the daemon's threads are also listed by
name at the end of warm-up and at the end.
Usage: .venv/bin/python bench/soak.py [--minutes 10] [--phase 30] [--every 10s] [--warm-up 6]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import json
import os
import re
import signal
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = json.loads((ROOT / "tests/fixtures/sam_opportunities/"
                       "synthetic_sam_opportunities_justification_ptype_u_window.json").read_text())["opportunitiesData"][0]
WINDOW = 40  # notices per answer: the newest, as a day's search stays about the same size
FAULTS = ("5xx", "429", "reset", "truncate", "drip", "garbage")
UID = re.compile(r"soak-\d{5}")


class Sam(ThreadingHTTPServer):
    """SAM.gov search answering with every notice published so far (two more per interval)."""

    def __init__(self, every: float, one_procurement: bool = False):
        super().__init__(("127.0.0.1", 0), SamHandler)
        self.one_procurement = one_procurement
        self.started, self.every = time.monotonic(), every
        self.today = time.strftime("%Y-%m-%d", time.gmtime())
        self.frozen: int | None = None  # set when the soak ends: nothing new during the drain
        self.polls = 0  # first-page searches: one per poll of the source

    def award_number(self, uid: str) -> str:
        """Each notice its own procurement; with --one-procurement all share the template's award."""
        return TEMPLATE["award"]["number"] if self.one_procurement else f"70B0OA26P{uid[5:]:0>8}"

    def published(self) -> list[str]:
        n = self.frozen or 2 * (1 + int((time.monotonic() - self.started) / self.every))
        return [f"soak-{i:05d}" for i in range(n)]


class SamHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urlsplit(self.path)
        args = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path.endswith("/noticedesc"):
            return self._json(404, {"message": "Description Not Found"})
        rows = [dict(TEMPLATE, noticeId=uid, title=f"Clearview AI licences {uid} - Justification",
                     postedDate=self.server.today, solicitationNumber=uid,
                     award=dict(TEMPLATE["award"], number=self.server.award_number(uid)))
                for uid in self.server.published()[-WINDOW:]]
        offset, limit = int(args.get("offset", 0)), int(args.get("limit", 1000))
        self.server.polls += offset == 0
        self._json(200, {"totalRecords": len(rows), "limit": limit, "offset": offset,
                         "opportunitiesData": rows[offset:offset + limit]})

    def _json(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Slack(ThreadingHTTPServer):
    """A fake Slack Web API: chat.postMessage stores the post; conversations.* list them."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SlackHandler)
        self.posts: list[dict] = []
        self.lock = threading.Lock()
        self.ts = itertools.count(1)


class SlackHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)) or 0)
        method = self.path.rsplit("/", 1)[-1]
        if method == "chat.postMessage":
            post = json.loads(body or b"{}")
            with self.server.lock:
                post["ts"] = f"{time.time():.0f}.{next(self.server.ts):06d}"
                self.server.posts.append(post)
            return self._json({"ok": True, "channel": post.get("channel"), "ts": post["ts"]})
        with self.server.lock:
            messages = [{"ts": p["ts"], "metadata": p.get("metadata")} for p in reversed(self.server.posts)]
        self._json({"ok": True, "messages": messages[:200], "has_more": False})

    do_GET = do_POST

    def _json(self, body: dict):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Mailbox:
    """aiosmtpd handler keeping every message's Message-ID and the soak uids it lists."""

    def __init__(self):
        self.messages: list[tuple[str, set[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = " ".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")
        self.messages.append((str(message["Message-ID"]), set(UID.findall(text))))
        return "250 OK"


class FaultProxy:
    """A TCP proxy to `target`; each new connection gets the current phase's fault (or none)."""

    def __init__(self, target: tuple[str, int], protocol: str):
        self.target, self.protocol = target, protocol
        self.mode = "calm"
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client, self.mode), daemon=True).start()

    def _handle(self, client: socket.socket, mode: str):
        client.settimeout(30)
        try:
            if mode == "reset":
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                return
            if mode in ("5xx", "429", "garbage"):
                return self._refuse(client, mode)
            upstream = socket.create_connection(self.target, timeout=30)
            threading.Thread(target=self._pipe, args=(client, upstream, "calm"), daemon=True).start()
            self._pipe(upstream, client, mode)
        except OSError:
            pass
        finally:
            client.close()

    def _refuse(self, client: socket.socket, mode: str):
        if self.protocol == "smtp":
            client.sendall(os.urandom(64) if mode == "garbage" else b"421 4.3.2 busy, try later\r\n")
            return
        client.recv(65536)
        if mode == "garbage":
            client.sendall(os.urandom(300))
            return
        status = b"503 Service Unavailable" if mode == "5xx" else b"429 Too Many Requests\r\nRetry-After: 5"
        client.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def _pipe(self, src: socket.socket, dst: socket.socket, mode: str):
        sent = 0
        try:
            while data := src.recv(65536):
                if mode == "truncate" and sent + len(data) > 40:
                    dst.sendall(data[:max(0, 40 - sent)])
                    break
                if mode == "drip":
                    for i in range(len(data)):
                        dst.sendall(data[i:i + 1])
                        time.sleep(0.2)
                else:
                    dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample(pid: int) -> dict:
    """RSS (MB; also split into heap and mapped files, which grow as new code is first run), threads
    and open fds of the daemon, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    mb = {key: round(int(re.search(rf"{key}:\s+(\d+)", status).group(1)) / 1024, 1)
          for key in ("VmRSS", "RssAnon", "RssFile")}
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
    return {"rss_mb": mb["VmRSS"], "anon_mb": mb["RssAnon"], "file_mb": mb["RssFile"], "threads": threads,
            "fds": len(os.listdir(f"/proc/{pid}/fd"))}


def thread_names(pid: int) -> list[str] | None:
    """The daemon's Python threads by name (py-spy), or None when py-spy is not installed or may not attach."""
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if not spy:
        return None
    try:
        dump = subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return sorted(re.findall(r'^Thread \d+ \([^)]*\): "([^"]*)"', dump, re.M)) or None


def config(folder: Path, sam: Sam, slack: FaultProxy, smtp: FaultProxy, every: str) -> Path:
    path = folder / "feeds.toml"
    path.write_text(f"""
[bot]
database = "{folder / 'procwatch.db'}"
first_run_alert_days = 7

[sources.sam]
kind = "sam_opportunities"
every = "{every}"
base_url = "http://127.0.0.1:{sam.server_address[1]}"
api_key_env = "SOAK_SAM_KEY"
timeout = 5

[watchlists.surveillance]
vendors = ["Clearview AI"]

[channels.slack]
kind = "slack"
channel = "C0SOAK"
base_url = "http://127.0.0.1:{slack.port}/api/"
token_env = "SOAK_SLACK_TOKEN"
timeout = 3.0

[channels.email]
kind = "email"
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
smtp_security = "none"
from = "procwatch@example.org"
timeout = 3.0
subscribers = [{{ address = "desk@example.org" }}]
""")
    return path


def backlog(db_path: Path) -> int:
    """Outbox rows not yet sent, read through a read-only connection: a read-write one, closing,
    may checkpoint and remove the daemon's WAL (see the README's soak notes)."""
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM outbox WHERE state != 'sent'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--phase", type=float, default=30, help="seconds per phase (calm / one fault)")
    parser.add_argument("--every", default="10s", help="the source's poll interval")
    parser.add_argument("--drain", type=float, default=900, help="longest calm wait for the outbox to empty")
    parser.add_argument("--warm-up", type=int, default=6, help="polls of the source before figures count")
    parser.add_argument("--one-procurement", action="store_true",
                        help="every notice in one procurement thread (one award number): per-notice work grows "
                             "with the thread, as it did before each notice had its own")
    args = parser.parse_args()
    every = float(args.every.rstrip("s"))
    sam, slack = Sam(every, args.one_procurement), Slack()
    mailbox = Mailbox()
    smtpd = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtpd.start()
    for server in (sam, slack):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    slack_proxy = FaultProxy(slack.server_address, "http")
    smtp_proxy = FaultProxy((smtpd.hostname, smtpd.port), "smtp")
    folder = Path(tempfile.mkdtemp(prefix="procwatch-soak-"))
    path = config(folder, sam, slack_proxy, smtp_proxy, args.every)
    env = dict(os.environ, SOAK_SAM_KEY="soak-sam-key", SOAK_SLACK_TOKEN="xoxb-soak-token")
    log = open(folder / "run.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(path), "run"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    samples, phases = [], itertools.cycle(itertools.chain.from_iterable(("calm", f) for f in FAULTS))
    started = time.monotonic()
    end = started + args.minutes * 60
    next_phase = started
    names: dict[str, list[str] | None] = {}
    print(f"soak: {args.minutes:g} min, phase {args.phase:g}s, poll every {args.every}, warm-up {args.warm_up} "
          f"polls; log {folder / 'run.log'}")
    while time.monotonic() < end and proc.poll() is None:
        if time.monotonic() >= next_phase:
            slack_proxy.mode = smtp_proxy.mode = next(phases)
            next_phase += args.phase
        samples.append({"t": round(time.monotonic() - started), "polls": sam.polls, **sample(proc.pid)})
        if "warm" not in names and sam.polls >= args.warm_up:
            names["warm"] = thread_names(proc.pid)
        if len(samples) % 6 == 1:
            s = samples[-1]
            print(f"  t={s['t']:>4}s phase={slack_proxy.mode:8} rss={s['rss_mb']:.1f} MB (heap {s['anon_mb']:.1f}, "
                  f"files {s['file_mb']:.1f}) threads={s['threads']} "
                  f"fds={s['fds']} polls={s['polls']} published={len(sam.published())} slack posts={len(slack.posts)}")
        time.sleep(5)
    if proc.poll() is None:
        names["end"] = thread_names(proc.pid)
    published = set(sam.published())
    sam.frozen = len(published)  # nothing new from here on: drain what is queued
    slack_proxy.mode = smtp_proxy.mode = "calm"
    drain_end = time.monotonic() + args.drain
    while time.monotonic() < drain_end and proc.poll() is None and backlog(folder / "procwatch.db") != 0:
        time.sleep(5)
    crashed = proc.poll() is not None
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    smtpd.stop()
    (folder / "samples.json").write_text(json.dumps(samples))
    print(f"every sample: {folder / 'samples.json'}")
    report(published, slack, mailbox, samples, crashed, time.monotonic() - started, args.warm_up, names)


def spread(samples: list[dict], key: str) -> list[float]:
    """[min, median, max] of one figure over samples."""
    values = [s[key] for s in samples]
    return [min(values), statistics.median(values), max(values)]


def report(published: set[str], slack: Slack, mailbox: Mailbox, samples: list[dict], crashed: bool,
           seconds: float, warm_up: int, names: dict) -> None:
    posted = [uid for p in slack.posts for uid in (p.get("metadata") or {}).get("event_payload", {}).get("uids", [])]
    slack_uids = {u.split(":", 1)[1] for u in posted}
    per_uid: dict[str, set[str]] = {}
    for message_id, uids in mailbox.messages:
        for uid in uids:
            per_uid.setdefault(uid, set()).add(message_id)
    running = [s for s in samples if s["polls"] >= 1] or samples  # from the first poll
    warm = [s for s in samples if s["polls"] >= warm_up] or running
    result = {
        "seconds": round(seconds), "published": len(published), "crashed": crashed,
        "slack_lost": len(published - slack_uids), "slack_duplicates": len(posted) - len(set(posted)),
        "email_lost": len(published - set(per_uid)),
        "email_duplicates": sum(len(ids) - 1 for ids in per_uid.values()),
        "warm_up": {"polls": warm_up, "ended_at_s": warm[0]["t"]}, "polls": samples[-1]["polls"],
        "samples_after_warm_up": len(warm),
        "rss_growth": round(warm[-1]["rss_mb"] / warm[0]["rss_mb"] - 1, 3),
        "rss_growth_max": round(max(s["rss_mb"] for s in warm) / warm[0]["rss_mb"] - 1, 3),
        "rss_growth_from_first_poll": round(warm[-1]["rss_mb"] / running[0]["rss_mb"] - 1, 3),
    }
    for key in ("rss_mb", "anon_mb", "file_mb", "threads", "fds"):
        result[key] = {"at_warm_up": warm[0][key], "min_median_max": spread(warm, key), "last": warm[-1][key],
                       "at_first_poll": running[0][key]}
    result["thread_names"] = names
    print(f"published {result['published']}; lost: slack {result['slack_lost']}, email {result['email_lost']}; "
          f"duplicate Slack posts {result['slack_duplicates']}, duplicate emails {result['email_duplicates']}"
          f"{'; THE DAEMON EXITED EARLY' if crashed else ''}")
    print(f"warm-up: the first {warm_up} polls (ended at t={warm[0]['t']}s); {len(warm)} samples after it, "
          f"{result['polls']} polls in all")
    for key, unit in (("rss_mb", " MB"), ("anon_mb", " MB"), ("file_mb", " MB"), ("threads", ""), ("fds", "")):
        r = result[key]
        print(f"{key:8} at first poll {r['at_first_poll']}{unit}, at warm-up end {r['at_warm_up']}{unit}, "
              f"after warm-up min/median/max {r['min_median_max']}, last {r['last']}{unit}")
    print(f"RSS growth from warm-up end {result['rss_growth']:+.1%} (max {result['rss_growth_max']:+.1%}); "
          f"from first poll {result['rss_growth_from_first_poll']:+.1%}")
    for when, listed in names.items():
        print(f"threads at {when}: {', '.join(listed) if listed else '(py-spy not available)'}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
