"""Refuses requests to IP-literal hosts that are not public, before anything is sent.

Hostnames are checked by :class:`crawler.resolver.GuardedResolver` on the address actually
dialled; this middleware covers the cases a resolver never sees (``http://127.0.0.1/``,
``http://[::1]/``) and gives them a clear reason.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.addresses import is_forbidden_address, literal_address
from crawler.errors import ForbiddenAddress


class AddressGuardMiddleware:
    """Downloader middleware (runs first): no request to a non-public literal address."""

    def __init__(self, crawler: Crawler) -> None:
        self._stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        if crawler.settings.getbool("CITEWATCH_ALLOW_PRIVATE"):
            raise NotConfigured("private addresses allowed")
        return cls(crawler)

    def process_request(self, request: Request) -> Request | Response | None:
        host = urlsplit(request.url).hostname or ""
        address = literal_address(host)
        if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
            address = "127.0.0.1"
        if address is not None and is_forbidden_address(address):
            if self._stats is not None:
                self._stats.inc_value("citewatch/forbidden_address")
            raise ForbiddenAddress(host, address)
        return None
