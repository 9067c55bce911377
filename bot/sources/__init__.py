"""The source registry: `kind` in feeds.toml → implementation, imported on first use. One line per source."""

from ..kinds import Registry

REGISTRY = Registry(__name__, {
    "sam_opportunities": ".sam_opportunities:SamOpportunities",
    "sam_extract": ".sam_extract:SamExtract",
    "sam_contract_awards": ".sam_contract_awards:SamContractAwards",
    "usaspending": ".usaspending:UsaSpending",
    "fpds_atom": ".fpds_atom:FpdsAtom",
    "ted": ".ted:Ted",
    "uk_find_a_tender": ".uk_find_a_tender:UkFindATender",
    "uk_contracts_finder": ".uk_contracts_finder:UkContractsFinder",
    "austender": ".austender:AusTender",
    "ocds": ".ocds:Ocds",
    "canadabuys": ".canadabuys:CanadaBuys",
    "feed": ".feed:Feed",
    "page": ".page:Page",
})
