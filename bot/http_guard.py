"""The HTTP client's guards, enforced on the socket itself: a wall-clock deadline and the address rule.

A per-read timeout lets a server that drips one byte at a time hold a request for ever; so each
request gets a `Watch`, and one shared deadline thread shuts its sockets down when the deadline
passes (which wakes a thread blocked reading); SIGTERM can cut every request in flight. The feed/page address rule
is checked on the peer a connection actually reached — the DNS answer, after every redirect and on
kept-alive connections — not on the configured name.
"""

from __future__ import annotations

import heapq
import ipaddress
import itertools
import threading
import time

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class Expired(Exception):
    """The request's wall-clock deadline passed."""


class _Live:
    """The connections of requests in flight, so a deadline or SIGTERM can cut them off."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_watch: dict[int, list] = {}

    def add(self, watch: "Watch", conn) -> None:
        with self.lock:
            self.by_watch.setdefault(id(watch), []).append(conn)

    def drop(self, watch: "Watch") -> list:
        with self.lock:
            return self.by_watch.pop(id(watch), [])

    def shutdown(self, watch: "Watch") -> None:
        with self.lock:
            conns = list(self.by_watch.get(id(watch), []))
        for conn in conns:
            _cut(conn)

    def shutdown_all(self) -> None:
        with self.lock:
            conns = [c for cs in self.by_watch.values() for c in cs]
        for conn in conns:
            _cut(conn)


class _Deadlines:
    """One thread cutting the requests whose deadline passed (a timer thread per request made the
    daemon's thread count jump with every fetch and post)."""

    def __init__(self):
        self.cond = threading.Condition()
        self.heap: list[tuple[float, int, "Watch"]] = []  # finished watches drop out when they reach the top
        self.order = itertools.count()
        self.thread: threading.Thread | None = None

    def add(self, watch: "Watch") -> None:
        with self.cond:
            heapq.heappush(self.heap, (watch.ends, next(self.order), watch))
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="procwatch-deadlines", daemon=True)
                self.thread.start()
            self.cond.notify()

    def _run(self) -> None:
        while True:
            with self.cond:
                while self.heap and self.heap[0][2].done:
                    heapq.heappop(self.heap)
                if not self.heap:
                    self.cond.wait()
                    continue
                left = self.heap[0][0] - time.monotonic()
                if left > 0:
                    self.cond.wait(left)
                    continue
                watch = heapq.heappop(self.heap)[2]
            _LIVE.shutdown(watch)


_LIVE = _Live()
_DEADLINES = _Deadlines()
_CURRENT = threading.local()


def _cut(conn) -> None:
    """Shut a connection's socket down, which wakes a thread blocked reading from it."""
    sock = getattr(conn, "sock", None)
    try:
        if sock is not None:
            sock.shutdown(2)
    except OSError:
        pass


class Watch:
    """One request's deadline (its sockets are cut when it passes) and address rule."""

    def __init__(self, seconds: float, allow_private: bool):
        self.seconds, self.allow_private = seconds, allow_private
        self.ends = time.monotonic() + seconds
        self.refused: str | None = None
        self.done = False

    def __enter__(self):
        _CURRENT.watch = self
        _DEADLINES.add(self)
        return self

    def __exit__(self, *exc):
        self.done = True
        _CURRENT.watch = None
        _LIVE.drop(self)

    def timeouts(self) -> tuple[float, float]:
        left = max(0.01, self.ends - time.monotonic())
        return min(left, 10.0), left

    def expired(self) -> bool:
        return time.monotonic() >= self.ends

    def check(self) -> None:
        if self.expired():
            raise Expired()


def refusal(address: str) -> str | None:
    """Why a connected peer address may not be used by a feed/page source, or None when it may."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    for test, what in (("is_loopback", "loopback"), ("is_link_local", "link-local"), ("is_private", "private"),
                       ("is_multicast", "multicast"), ("is_reserved", "reserved"), ("is_unspecified", "unspecified")):
        if getattr(ip, test):
            return f"it resolves to {ip}, a {what} address"
    return None


class _Guarded:
    """Connection mix-in: registers with the current request's watch; checks the peer it reached."""

    def connect(self):
        super().connect()
        self._check_peer()

    def request(self, *args, **kwargs):
        watch = getattr(_CURRENT, "watch", None)
        if watch is not None:
            _LIVE.add(watch, self)
            if self.sock is not None:  # a kept-alive connection opened for another source
                self._check_peer()
        return super().request(*args, **kwargs)

    def _check_peer(self) -> None:
        """Refuse the connection when the address actually reached is not allowed for this request."""
        watch = getattr(_CURRENT, "watch", None)
        if watch is None or watch.allow_private:
            return
        why = refusal(self.sock.getpeername()[0])
        if why:
            watch.refused = why
            self.close()
            raise OSError(why)


class _GuardedHTTP(_Guarded, HTTPConnection):
    pass


class _GuardedHTTPS(_Guarded, HTTPSConnection):
    pass


class _GuardedPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTP


class _GuardedPoolTLS(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPS


class GuardedAdapter(HTTPAdapter):
    """requests' adapter with connections that honour the deadline and the address rule."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedPool, "https": _GuardedPoolTLS}



def abort_all() -> None:
    """Cut every request in flight, in every thread (SIGTERM)."""
    _LIVE.shutdown_all()
