"""The source registry: `kind` in feeds.toml → implementation. One line per source."""

from .base import Source
from .sam_opportunities import SamOpportunities

REGISTRY: dict[str, type[Source]] = {
    "sam_opportunities": SamOpportunities,
}
