"""Who receives each watchlist: the channels, and for channels with subscribers the subscribers who follow it.

A channel's `watchlists` (all of them when the key is absent) is only what it *offers*; an email
channel with subscribers delivers a watchlist only to those who follow it, so this is what
`watch list`, `watch add` and `check` report.
"""

from __future__ import annotations

from .config import Config


def receivers(config: Config, watchlist: str) -> list[str]:
    """'console', 'mail: ana@example.org' ... for every channel or subscriber that gets `watchlist`."""
    out = []
    for channel in config.channels.values():
        subscribers = channel.options.get("subscribers")
        if subscribers:
            addresses = [s["address"] for s in subscribers if watchlist in s["watchlists"]]
            if addresses:
                out.append(f"{channel.name}: {', '.join(addresses)}")
        elif watchlist in channel.watchlists:
            out.append(channel.name)
    return out


def unreached(config: Config) -> list[str]:
    """Watchlists that no channel or subscriber receives: their matches are stored but never sent."""
    return [name for name in config.watchlists if not receivers(config, name)]
