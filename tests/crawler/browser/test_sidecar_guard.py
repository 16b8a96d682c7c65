"""The sidecar's address guard, as a unit: which addresses it dials, and that it dials what it checked."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from crawler.addresses import is_forbidden_address
from crawler.browser.sidecar_main import AddressGuard, RefusedAddress

ADDRESSES = [
    "127.0.0.1",
    "127.0.0.2",
    "10.1.2.3",
    "169.254.169.254",
    "::1",
    "::ffff:127.0.0.1",
    "0.0.0.0",
    "8.8.8.8",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_default_rule_is_the_http_crawlers(address: str) -> None:
    assert AddressGuard(False, []).allows(address) is not is_forbidden_address(address)


def test_allow_list_opens_only_the_listed_addresses() -> None:
    guard = AddressGuard.from_environ({"CITEWATCH_ALLOW_ADDRESSES": "127.0.0.2,127.0.0.3"})
    assert guard.allows("127.0.0.2") and guard.allows("127.0.0.3")
    assert not guard.allows("127.0.0.1") and not guard.allows("169.254.0.99")
    assert not guard.allows_localhost  # warcprox keeps refusing 127.0.0.1 too


def test_allow_private_opens_everything_and_localhost() -> None:
    guard = AddressGuard.from_environ({"CITEWATCH_ALLOW_PRIVATE": "1"})
    assert all(guard.allows(a) for a in ADDRESSES)
    assert guard.allows_localhost
    assert not AddressGuard.from_environ({"CITEWATCH_ALLOW_PRIVATE": "0"}).allows_localhost


def test_guard_dials_the_address_it_checked_never_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {
        "rebind.example": [("127.0.0.2", 0), ("10.0.0.5", 0)],
        "only-private.example": [("10.0.0.5", 0)],
    }

    def fake_getaddrinfo(host: str, port: int, *args: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip, _ in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    dialled: list[tuple[str, int]] = []

    def fake_connect(address: tuple[str, int], *args: Any) -> socket.socket:
        dialled.append(address)
        return socket.socket()

    guarded = AddressGuard(False, ["127.0.0.2"]).wrap(fake_connect)
    guarded(("rebind.example", 80)).close()
    assert dialled == [("127.0.0.2", 80)]
    with pytest.raises(
        RefusedAddress, match=r"only-private\.example.*10\.0\.0\.5.*CITEWATCH_ALLOW_PRIVATE=1"
    ):
        guarded(("only-private.example", 80))
    assert dialled == [("127.0.0.2", 80)]
