"""The channel registry: `kind` in feeds.toml → implementation, imported on first use. One line per channel."""

from ..kinds import Registry

REGISTRY = Registry(__name__, {
    "apprise": ".apprise:Apprise",
    "console": ".console:Console",
    "email": ".email:Email",
    "slack": ".slack:Slack",
})
