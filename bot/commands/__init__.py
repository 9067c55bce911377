"""Command implementations too big for cli.py: each module has `arguments(parser)` and `main(args, config)`."""

from __future__ import annotations

import argparse
from datetime import date


def iso_date(text: str) -> str:
    """argparse type: YYYY-MM-DD, refused otherwise (`--since yesterday` used to find nothing, silently)."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad date {text!r}: write YYYY-MM-DD") from None
