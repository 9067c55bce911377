"""The source registry: `kind` in feeds.toml → implementation. One line per source."""

from .base import Source
from .canadabuys import CanadaBuys
from .feed import Feed
from .page import Page
from .austender import AusTender
from .ocds import Ocds
from .fpds_atom import FpdsAtom
from .sam_contract_awards import SamContractAwards
from .sam_extract import SamExtract
from .sam_opportunities import SamOpportunities
from .ted import Ted
from .uk_contracts_finder import UkContractsFinder
from .uk_find_a_tender import UkFindATender
from .usaspending import UsaSpending

REGISTRY: dict[str, type[Source]] = {
    "sam_opportunities": SamOpportunities,
    "sam_extract": SamExtract,
    "sam_contract_awards": SamContractAwards,
    "usaspending": UsaSpending,
    "fpds_atom": FpdsAtom,
    "ted": Ted,
    "uk_find_a_tender": UkFindATender,
    "uk_contracts_finder": UkContractsFinder,
    "austender": AusTender,
    "ocds": Ocds,
    "canadabuys": CanadaBuys,
    "feed": Feed,
    "page": Page,
}
