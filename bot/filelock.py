"""An exclusive advisory lock on a file beside the thing it guards (feeds.toml edits, schema migration)."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def exclusive(lock_path: str) -> Iterator[None]:
    """Block until this process holds `lock_path` (created when missing); released on exit."""
    with open(lock_path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
