"""Which paid-for descriptions to read: rank the candidates, then spend only what the budget allows.

A source ranks each notice (`Source.detail_rank`: 0 first, None never) and says how many detail
requests it may spend now (`Source.detail_allowance`, after its reserve for searches). The plan
takes candidates best-first up to that allowance; the rest wait for a later poll (SAM's searches
overlap the last days, so an unread notice comes round again once the budget allows).
"""

from __future__ import annotations

from datetime import datetime

from .match import Matcher
from .notice import Notice
from .sources.base import Source


def choose(source: Source, matcher: Matcher, notices: list[Notice], now: datetime) -> tuple[set[str], int]:
    """(uids whose description to read, candidates left unread for lack of budget)."""
    ranked = sorted((rank, i, n.uid) for i, n in enumerate(notices)
                    if (rank := source.detail_rank(n, matcher.prefilter(n))) is not None)
    allowance = source.detail_allowance(now)
    taken = ranked if allowance is None else ranked[:max(0, allowance)]
    return {uid for _, _, uid in taken}, len(ranked) - len(taken)
