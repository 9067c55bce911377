"""The console channel: the digest as readable text on stdout (the default when nothing is set up)."""

from __future__ import annotations

import sys

from ..digest import Digest, render_text
from .base import Channel, Result


class Console(Channel):
    kind = "console"

    def __init__(self, config, out=None):
        super().__init__(config)
        self.out = out

    def send(self, digest: Digest) -> Result:
        """Print the digest; a closed or broken stdout is a failure the outbox retries."""
        out = self.out or sys.stdout
        try:
            out.write(render_text(digest) + "\n")
            out.flush()
        except OSError as e:
            return Result(False, f"cannot write to the console: {e}")
        return Result(True)
