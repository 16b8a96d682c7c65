"""A DNS resolver that drops non-public addresses, so the check holds for the IP actually dialled.

Checking a hostname in a middleware and letting Twisted resolve it again later would leave a
window for DNS rebinding; filtering inside the resolver closes it: the connection can only use
addresses that passed the check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, cast

from scrapy.crawler import Crawler
from scrapy.resolver import CachingHostnameResolver
from twisted.internet.interfaces import IAddress, IHostResolution, IResolutionReceiver
from zope.interface import implementer

from crawler.addresses import is_forbidden_address


class _Receiver(Protocol):
    """IResolutionReceiver as mypy can read it.

    zope interfaces declare methods without ``self``, so without the mypy-zope plugin mypy takes
    the first parameter for ``self`` and rejects every call on an ``IResolutionReceiver``.
    """

    def resolutionBegan(self, resolution: IHostResolution) -> None: ...
    def addressResolved(self, address: IAddress) -> None: ...
    def resolutionComplete(self) -> None: ...


@implementer(IResolutionReceiver)
class _FilteringReceiver:
    def __init__(self, wrapped: _Receiver, host: str, refused: dict[str, str]) -> None:
        self._wrapped = wrapped
        self._host = host
        self._refused = refused

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        self._wrapped.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:
        host = str(getattr(address, "host", ""))
        if is_forbidden_address(host):
            self._refused[self._host] = host
            return
        self._wrapped.addressResolved(address)

    def resolutionComplete(self) -> None:
        self._wrapped.resolutionComplete()


class GuardedResolver(CachingHostnameResolver):
    """Scrapy's caching resolver, minus loopback/private/link-local answers (unless allowed)."""

    def __init__(self, reactor: Any, cache_size: int, allow_private: bool) -> None:
        super().__init__(reactor, cache_size)
        self.allow_private = allow_private
        # host -> a non-public address it resolved to (the latest); read by the spider to explain failures
        self.refused: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, crawler.settings.getbool("CITEWATCH_ALLOW_PRIVATE"))

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        receiver = resolutionReceiver
        if not self.allow_private:
            # The casts only bridge zope interfaces and typing (see _Receiver); nothing changes at runtime.
            filtering = _FilteringReceiver(cast(_Receiver, resolutionReceiver), hostName, self.refused)
            receiver = cast(IResolutionReceiver, filtering)
        return super().resolveHostName(receiver, hostName, portNumber, addressTypes, transportSemantics)
