"""UK Find a Tender Service OCDS release packages, by last-updated window (notes/sources-intl.md §2a).

Small windows (6 hours by default) because the endpoint drops releases on longer ones; 429 with
Retry-After and 503 are handled by the shared HTTP client.
"""

from __future__ import annotations

from datetime import datetime

from .ocds_paging import OcdsPackages

PATH = "/api/1.0/ocdsReleasePackages"
NOTICE_URL = "https://www.find-tender.service.gov.uk/Notice/{}"


class UkFindATender(OcdsPackages):
    kind = "uk_find_a_tender"
    BASE_URL = "https://www.find-tender.service.gov.uk"
    OPTIONS = OcdsPackages.OPTIONS | {"stages": ["tender", "award"]}
    BACKFILL_SPAN = 7  # a week a backfill window, asked 6 hours at a time (longer steps drop releases)

    def first_request(self, start: datetime, end: datetime) -> tuple[str, dict]:
        params = {"updatedFrom": _fts_time(start), "updatedTo": _fts_time(end), "limit": 100}
        if self.options["stages"]:
            params["stages"] = ",".join(self.options["stages"])
        return self.base_url + PATH, params

    def notice_url(self, release: dict) -> str:
        """The notice page: FTS release ids are notice ids (`001060-2020`)."""
        return NOTICE_URL.format(release.get("id")) if release.get("id") else super().notice_url(release)

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        bad = [s for s in options["stages"] if s not in ("planning", "tender", "award")]
        return super().check_options(options) + [("stages", f"unknown stage {s!r} (planning, tender, award)")
                                                 for s in bad]


def _fts_time(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS` in UTC (19 characters; FTS rejects other forms)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")
