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


def rank_inputs(notice: Notice) -> tuple:
    """What a source's rank reads of a notice (its title, codes, vendor and agency: the watchlist
    prefilter and the cues of the title); classify and a description leave them as they were."""
    return notice.title, notice.codes, notice.vendor_name, notice.vendor_ids, notice.agency_path


def ranks(source: Source, matcher: Matcher, notices: list[Notice]) -> dict[str, int | None]:
    """Each notice's description rank (None: not worth a request); the pipeline keeps them, so a
    notice that still reads the same is not ranked again."""
    return {n.uid: source.detail_rank(n, matcher.prefilter(n)) for n in notices}


def choose(source: Source, notices: list[Notice], ranks: dict[str, int | None],
           now: datetime) -> tuple[set[str], int]:
    """(uids whose description to read, candidates left unread for lack of budget), best rank first."""
    ranked = sorted((ranks[n.uid], i, n.uid) for i, n in enumerate(notices) if ranks[n.uid] is not None)
    allowance = source.detail_allowance(now)
    taken = ranked if allowance is None else ranked[:max(0, allowance)]
    return {uid for _, _, uid in taken}, len(ranked) - len(taken)
