"""The source registry: `kind` in feeds.toml → implementation. One line per source."""

from .base import Source
from .canadabuys import CanadaBuys
from .feed import Feed
from .page import Page
from .sam_opportunities import SamOpportunities

REGISTRY: dict[str, type[Source]] = {
    "sam_opportunities": SamOpportunities,
    "canadabuys": CanadaBuys,
    "feed": Feed,
    "page": Page,
}
