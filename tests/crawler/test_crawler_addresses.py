"""Which addresses the SSRF guard refuses, including the IPv6 spellings of private IPv4 hosts."""

from __future__ import annotations

import pytest

from crawler.addresses import is_forbidden_address, literal_address


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "::1",
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata endpoint
        "fe80::1",
        "fe80::1%eth0",  # zone ids are stripped, not a reason to let the address through
        "fc00::1",
        "fd12:3456:789a::1",
        "100.64.0.1",
        "100.127.255.254",
        "0.0.0.0",
        "::",
        "224.0.0.1",
        "239.255.255.250",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 for 127.0.0.1
        "2002:a00:1::1",  # 6to4 for 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 for 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 for 169.254.169.254
        "240.0.0.1",  # reserved
        "255.255.255.255",
    ],
)
def test_non_public_addresses_are_forbidden(address: str) -> None:
    assert is_forbidden_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",  # just outside 172.16/12
        "100.128.0.1",  # just outside 100.64/10
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",  # NAT64 for 8.8.8.8
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert not is_forbidden_address(address)


@pytest.mark.parametrize("garbage", ["", "example.com", "999.1.1.1", "1.2.3", "[::1]", "::g", "%eth0"])
def test_unparseable_input_is_forbidden(garbage: str) -> None:
    assert is_forbidden_address(garbage)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("8.8.8.8", "8.8.8.8"),
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("[2001:4860:4860::8888]", "2001:4860:4860::8888"),
        ("fe80::1%eth0", "fe80::1"),
        ("[fe80::1%25eth0]", "fe80::1"),  # as urlsplit().hostname returns it for a URL-encoded zone
    ],
)
def test_literal_address_of_ip_literals(host: str, expected: str) -> None:
    assert literal_address(host) == expected


def test_literal_address_of_a_mapped_literal_is_still_forbidden() -> None:
    # The string form of mapped addresses differs across Python versions; what matters is the verdict.
    address = literal_address("[::FFFF:7F00:1]")
    assert address is not None
    assert is_forbidden_address(address)


@pytest.mark.parametrize("host", ["example.com", "localhost", "", "127.0.0.1.example.com", "2130706433"])
def test_literal_address_of_hostnames_is_none(host: str) -> None:
    assert literal_address(host) is None
