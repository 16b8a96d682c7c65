"""Crawler errors. Per-URL failures are data (a capture with an error), not exceptions."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class ForbiddenAddress(IgnoreRequest):
    """A URL whose host is, or resolves to, a loopback/private/link-local address."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(
            f"refused to fetch {host}: it is a non-public address ({address}); "
            "set CITEWATCH_ALLOW_PRIVATE=1 to allow loopback and private networks"
        )
        self.host = host
        self.address = address
