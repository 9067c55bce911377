"""The channel registry: `kind` in feeds.toml → implementation. One line per channel."""

from .base import Channel
from .console import Console

REGISTRY: dict[str, type[Channel]] = {
    "console": Console,
}
