"""Who counts as one client for `serve`'s cap on connections, and how the cap counts
(the real server under a client holding connections: tests/integration/test_serve.py)."""

from __future__ import annotations

import pytest

from citewatch.server import ClientConnections, client_key


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.2", "127.0.0.2"),
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),  # an IPv4 client on a dual-stack socket
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),  # same /64: the same client
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::1", "::/64"),
        (None, ""),
        ("", ""),
        ("not-an-address", "not-an-address"),
    ],
)
def test_client_key(host: str | None, expected: str) -> None:
    assert client_key(host) == expected


def test_each_client_is_capped_on_its_own_and_released_connections_are_forgotten() -> None:
    clients = ClientConnections(3)
    assert [clients.admit("a") for _ in range(5)] == [True, True, True, False, False]
    assert clients.holding("a") == 3  # refused connections are not counted
    assert clients.admit("b") and clients.holding("b") == 1
    clients.release("a")
    assert clients.admit("a") and not clients.admit("a")
    for _ in range(3):
        clients.release("a")
    assert clients.holding("a") == 0
    assert clients.admit("a")
