"""AusTender OCDS contract notices by date (notes/sources-intl.md §4).

`findByDates/{date_type}/{from}Z/{to}Z`, 100 releases a page through `links.next`; the first call
never carries a `cursor` (an empty `cursor=` answers 502). AusTender has no `direct` method: a
`limited` tender with a limited-tender reason is the sole-source marker, and the buyer is the
`procuringEntity` party.
"""

from __future__ import annotations

from datetime import datetime

from .. import __version__
from .ocds_paging import OcdsPackages

DATE_TYPES = ("contractPublished", "contractLastModified", "contractStart", "contractEnd")
FIND_BY_ID = "https://api.tenders.gov.au/ocds/findById/{}"


class AusTender(OcdsPackages):
    kind = "austender"
    BASE_URL = "https://api.tenders.gov.au"
    OPTIONS = OcdsPackages.OPTIONS | {"window_hours": 24, "date_type": "contractPublished"}
    BACKFILL_EARLIEST = "2013-01-01"  # the API's data starts there

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = super().check_options(options)
        if options["date_type"] not in DATE_TYPES:
            problems.append(("date_type", "one of " + ", ".join(DATE_TYPES)))
        return problems

    def first_request(self, start: datetime, end: datetime) -> tuple[str, dict]:
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        path = f"/ocds/findByDates/{self.options['date_type']}/{start.strftime(stamp)}/{end.strftime(stamp)}"
        return self.base_url + path, {}

    def headers(self) -> dict:
        """The AusTender firewall reportedly turns away user agents not starting with "Mozilla"."""
        return {"User-Agent": f"Mozilla/5.0 (compatible; procwatch/{__version__})"}

    def notice_url(self, release: dict) -> str:
        """The contract notice by CN number (`contracts[0].id`), else a published document."""
        contracts = [c for c in release.get("contracts") or [] if isinstance(c, dict) and c.get("id")]
        return FIND_BY_ID.format(contracts[0]["id"]) if contracts else super().notice_url(release)
