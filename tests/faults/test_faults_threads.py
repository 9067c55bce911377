"""Issue 14 item 11, the soak's "threads flat": the scheduler starts all its workers at once (Python's
pool added one each time jobs overlapped, 4 → 6 threads in the soak) and requests share one
deadline thread (a timer thread each made the count jump with every fetch). bench/soak.py measures
the running daemon; these pin the two causes."""

from __future__ import annotations

import threading

from werkzeug import Response

from bot.http import Http
from bot.scheduler import Daemon, pool_size


def names(prefix: str) -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(prefix)]


def test_the_scheduler_starts_one_worker_per_job_that_can_run_at_once(make_app):
    app = make_app()
    daemon = Daemon(app)
    daemon.start(paused=True)
    try:
        assert pool_size(app.config) == 5  # delivery, heartbeat, reload, maintenance, one source
        assert len(names("procwatch-job")) == 5, "workers appear only when jobs overlap"
        daemon.scheduler.remove_all_jobs()  # the pool alone, with jobs that all run at once
        done = threading.Barrier(6)
        for _ in range(5):  # five jobs at once: no sixth worker, no new thread
            daemon.scheduler.add_job(done.wait, args=(5,))
        daemon.scheduler.resume()
        done.wait(5)
        assert len(names("procwatch-job")) == 5
    finally:
        daemon.scheduler.shutdown(wait=True)


def test_requests_share_one_deadline_thread(httpserver):
    during: set[threading.Thread] = set()  # the local server runs in this process: the threads alive
    httpserver.expect_request("/ok").respond_with_handler(  # while each request is in flight
        lambda request: during.update(threading.enumerate()) or Response("fine"))
    http = Http(timeout=5)
    http.request("GET", httpserver.url_for("/ok"))
    before = set(threading.enumerate()) | during
    for _ in range(20):
        http.request("GET", httpserver.url_for("/ok"))
    assert during - before == set(), "a thread was started for a request"
    assert names("procwatch-deadlines") == ["procwatch-deadlines"]
