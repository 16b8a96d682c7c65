"""GuardedResolver drops non-public answers, whether they come from DNS or from Scrapy's cache."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from scrapy import resolver as scrapy_resolver
from scrapy.resolver import HostResolution
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IAddress, IHostnameResolver, IHostResolution, IResolutionReceiver
from zope.interface import implementer

from crawler.resolver import GuardedResolver

Answer = IPv4Address | IPv6Address


def v4(host: str) -> IPv4Address:
    return IPv4Address("TCP", host, 0)


def v6(host: str) -> IPv6Address:
    return IPv6Address("TCP", host, 0)


@implementer(IHostnameResolver)
class FakeResolver:
    """Answers every lookup from a fixed table, synchronously, and counts the lookups."""

    def __init__(self, answers: dict[str, list[Answer]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        self.lookups.append(hostName)
        resolution = HostResolution(hostName)
        # zope interfaces declare methods without self, so mypy cannot type calls through one.
        receiver: Any = resolutionReceiver
        receiver.resolutionBegan(resolution)
        for address in self.answers.get(hostName, []):
            receiver.addressResolved(address)
        receiver.resolutionComplete()
        return resolution  # type: ignore[return-value]


@dataclass
class FakeReactor:
    nameResolver: FakeResolver


@implementer(IResolutionReceiver)
@dataclass
class Recorder:
    began: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    completed: int = 0

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        self.began.append(str(getattr(resolution, "name", "")))

    def addressResolved(self, address: IAddress) -> None:
        self.addresses.append(str(getattr(address, "host", "")))

    def resolutionComplete(self) -> None:
        self.completed += 1


ANSWERS: dict[str, list[Answer]] = {
    "public.example": [v4("93.184.216.34"), v6("2606:2800:220:1:248:1893:25c8:1946")],
    "rebind.example": [v4("127.0.0.1")],
    "mixed.example": [v4("10.0.0.5"), v4("93.184.216.34"), v6("::1"), v6("fe80::1")],
    "mapped.example": [v6("::ffff:169.254.169.254")],
}


@pytest.fixture(autouse=True)
def _clean_dnscache() -> Iterator[None]:
    # Scrapy's DNS cache is module-level; keep one test's answers out of the next.
    limit = scrapy_resolver.dnscache.limit
    scrapy_resolver.dnscache.clear()
    yield
    scrapy_resolver.dnscache.clear()
    scrapy_resolver.dnscache.limit = limit


def guarded(*, allow_private: bool = False, cache_size: int = 100) -> tuple[GuardedResolver, FakeResolver]:
    original = FakeResolver(ANSWERS)
    return GuardedResolver(FakeReactor(original), cache_size, allow_private), original


def resolve(resolver: GuardedResolver, host: str) -> Recorder:
    receiver = Recorder()
    resolver.resolveHostName(receiver, host, 443)  # type: ignore[arg-type]
    return receiver


def test_public_answers_pass_through() -> None:
    resolver, _ = guarded()

    receiver = resolve(resolver, "public.example")

    assert receiver.addresses == ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    assert receiver.began == ["public.example"]
    assert receiver.completed == 1
    assert resolver.refused == {}


def test_a_host_resolving_to_loopback_gets_no_address_and_is_recorded() -> None:
    resolver, _ = guarded()

    receiver = resolve(resolver, "rebind.example")

    assert receiver.addresses == []
    assert receiver.completed == 1, "the resolution must still complete, so the connection fails fast"
    assert resolver.refused == {"rebind.example": "127.0.0.1"}


def test_only_the_private_answers_of_a_mixed_host_are_dropped() -> None:
    resolver, _ = guarded()

    receiver = resolve(resolver, "mixed.example")

    assert receiver.addresses == ["93.184.216.34"]
    assert resolver.refused["mixed.example"] in {"10.0.0.5", "::1", "fe80::1"}


def test_ipv4_mapped_answers_are_unwrapped_before_judging() -> None:
    resolver, _ = guarded()

    assert resolve(resolver, "mapped.example").addresses == []
    assert "mapped.example" in resolver.refused


def test_unknown_host_completes_with_nothing_refused() -> None:
    resolver, _ = guarded()

    receiver = resolve(resolver, "nx.example")

    assert receiver.addresses == []
    assert receiver.completed == 1
    assert resolver.refused == {}


def test_allow_private_passes_everything() -> None:
    resolver, _ = guarded(allow_private=True)

    assert resolve(resolver, "rebind.example").addresses == ["127.0.0.1"]
    assert resolve(resolver, "mixed.example").addresses == ["10.0.0.5", "93.184.216.34", "::1", "fe80::1"]
    assert resolver.refused == {}


def test_cached_answers_are_filtered_too() -> None:
    resolver, original = guarded()
    resolve(resolver, "mixed.example")
    resolver.refused.clear()

    receiver = resolve(resolver, "mixed.example")

    assert original.lookups == ["mixed.example"], "the second answer must come from the cache"
    assert receiver.addresses == ["93.184.216.34"]
    assert receiver.began == ["mixed.example"]
    assert receiver.completed == 1
    assert "mixed.example" in resolver.refused


def test_an_answer_cached_while_private_was_allowed_is_still_filtered() -> None:
    permissive, original = guarded(allow_private=True)
    resolve(permissive, "rebind.example")
    strict = GuardedResolver(FakeReactor(original), 100, allow_private=False)

    receiver = resolve(strict, "rebind.example")

    assert original.lookups == ["rebind.example"]
    assert receiver.addresses == []
    assert strict.refused == {"rebind.example": "127.0.0.1"}


def test_without_a_cache_every_lookup_is_filtered() -> None:
    resolver, original = guarded(cache_size=0)

    first = resolve(resolver, "rebind.example")
    second = resolve(resolver, "public.example")

    assert first.addresses == []
    assert second.addresses == ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    assert original.lookups == ["rebind.example", "public.example"]
