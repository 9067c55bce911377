"""Any other OCDS publisher, by URL: release or record packages, same mapping as the named sources.

`base_url` is the full URL of the package list. With `from_param`/`to_param` set, each poll asks
for the windows since the last one; without them, each poll reads the URL and its `links.next`
pages (stored notices make the re-read free).
"""

from __future__ import annotations

from datetime import datetime

from .ocds_paging import OcdsPackages


class Ocds(OcdsPackages):
    kind = "ocds"
    BASE_URL = ""  # required: the publisher's package URL
    OPTIONS = OcdsPackages.OPTIONS | {"window_hours": 24, "from_param": "", "to_param": "",
                                      "date_format": "%Y-%m-%dT%H:%M:%SZ"}

    @classmethod
    def check_options(cls, options: dict) -> list[tuple[str, str]]:
        problems = super().check_options(options)
        if bool(options["from_param"]) != bool(options["to_param"]):
            problems.append(("from_param", "set both from_param and to_param, or neither"))
        return problems

    def windows(self, cursor: dict, now: datetime) -> list[tuple[datetime, datetime]]:
        """Date windows when the publisher filters by date, else the whole list once."""
        if self.options["from_param"]:
            return super().windows(cursor, now)
        return [(now, now)]

    def backfill_span(self) -> int | None:
        """A past window can be asked for only when the publisher filters by date."""
        return self.BACKFILL_SPAN if self.options["from_param"] else None

    def first_request(self, start: datetime, end: datetime) -> tuple[str, dict]:
        if not self.options["from_param"]:
            return self.base_url, {}
        fmt = self.options["date_format"]
        return self.base_url, {self.options["from_param"]: start.strftime(fmt),
                               self.options["to_param"]: end.strftime(fmt)}
