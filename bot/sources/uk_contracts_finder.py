"""UK Contracts Finder OCDS search, by published window (notes/sources-intl.md §2b).

Contracts Finder answers "too many requests" with HTTP 403 and asks for five minutes' silence, so
a 403 ends the poll with RetryLater(300) and the cursor stays where it was.
"""

from __future__ import annotations

from datetime import datetime

from ..errors import RetryLater
from ..http import Response
from .ocds_paging import OcdsPackages

PATH = "/Published/Notices/OCDS/Search"


class UkContractsFinder(OcdsPackages):
    kind = "uk_contracts_finder"
    BASE_URL = "https://www.contractsfinder.service.gov.uk"
    OPTIONS = OcdsPackages.OPTIONS | {"window_hours": 24, "stages": ["award"]}
    WAIT_STATUSES = (403,)
    BACKFILL_SPAN = 15  # Kingfisher's window for this endpoint; requests stay `window_hours` long

    def first_request(self, start: datetime, end: datetime) -> tuple[str, dict]:
        params = {"publishedFrom": start.strftime("%Y-%m-%dT%H:%M:%S"),
                  "publishedTo": end.strftime("%Y-%m-%dT%H:%M:%S"), "limit": 100}
        if self.options["stages"]:
            params["stages"] = ",".join(self.options["stages"])
        return self.base_url + PATH, params

    def check_wait(self, resp: Response) -> None:
        if resp.status == 403:
            raise RetryLater("Contracts Finder refused the request (HTTP 403: too many requests)", 300,
                             "it asks for no further requests for 5 minutes; the next poll resumes the window")
