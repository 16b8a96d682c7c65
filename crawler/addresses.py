"""Which IP addresses a public-web crawler must not connect to (SSRF guard)."""

from __future__ import annotations

import ipaddress


def is_forbidden_address(address: str) -> bool:
    """True for loopback, private, link-local, multicast, reserved and unspecified addresses.

    IPv4-mapped IPv6 (``::ffff:127.0.0.1``) and 6to4/NAT64 forms are unwrapped first, because
    they reach the same hosts.  Unparseable input is forbidden: refuse what we cannot judge.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip in ipaddress.IPv6Network("64:ff9b::/96"):
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return not ip.is_global or ip.is_multicast


def literal_address(host: str) -> str | None:
    """The host as an IP address string if it is an IP literal (``[::1]`` included), else None."""
    candidate = host.strip("[]")
    try:
        return str(ipaddress.ip_address(candidate.split("%", 1)[0]))
    except ValueError:
        return None
