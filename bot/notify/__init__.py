"""The channel registry: `kind` in feeds.toml → implementation. One line per channel."""

from .apprise import Apprise
from .base import Channel
from .console import Console
from .email import Email
from .slack import Slack

REGISTRY: dict[str, type[Channel]] = {
    "apprise": Apprise,
    "console": Console,
    "email": Email,
    "slack": Slack,
}
