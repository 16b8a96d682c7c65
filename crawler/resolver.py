"""A DNS resolver that drops non-public addresses, so the check holds for the IP actually dialled.

Checking a hostname in a middleware and letting Twisted resolve it again later would leave a
window for DNS rebinding; filtering inside the resolver closes it: the connection can only use
addresses that passed the check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy.crawler import Crawler
from scrapy.resolver import CachingHostnameResolver
from twisted.internet.interfaces import IAddress, IHostResolution, IResolutionReceiver
from zope.interface import implementer

from crawler.addresses import is_forbidden_address


@implementer(IResolutionReceiver)
class _FilteringReceiver:
    def __init__(self, wrapped: IResolutionReceiver, host: str, refused: dict[str, str]) -> None:
        self._wrapped = wrapped
        self._host = host
        self._refused = refused

    def resolutionBegan(self, resolution: IHostResolution) -> None:  # noqa: N802 (Twisted API)
        self._wrapped.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:  # noqa: N802
        host = str(getattr(address, "host", ""))
        if is_forbidden_address(host):
            self._refused[self._host] = host
            return
        self._wrapped.addressResolved(address)

    def resolutionComplete(self) -> None:  # noqa: N802
        self._wrapped.resolutionComplete()


class GuardedResolver(CachingHostnameResolver):
    """Scrapy's caching resolver, minus loopback/private/link-local answers (unless allowed)."""

    def __init__(self, reactor: Any, cache_size: int, allow_private: bool) -> None:
        super().__init__(reactor, cache_size)
        self.allow_private = allow_private
        # host -> the first non-public address it resolved to; read by the spider to explain failures
        self.refused: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        cache_size = crawler.settings.getint("DNSCACHE_SIZE") if crawler.settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, crawler.settings.getbool("CITEWATCH_ALLOW_PRIVATE"))

    def resolveHostName(  # noqa: N802
        self,
        resolutionReceiver: IResolutionReceiver,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Sequence[type[IAddress]] | None = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> IHostResolution:
        receiver = resolutionReceiver
        if not self.allow_private:
            receiver = _FilteringReceiver(resolutionReceiver, hostName, self.refused)
        return super().resolveHostName(receiver, hostName, portNumber, addressTypes, transportSemantics)
