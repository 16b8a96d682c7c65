"""Which names the browsing UI answers to, and the origins its own pages post from.

A browser sends whatever name it used in ``Host``: a page on ``evil.example`` whose DNS record is
re-pointed at 127.0.0.1 (DNS rebinding) reaches a UI bound to loopback as ``Host: evil.example``,
and as its own origin it can then read every answer. So the UI answers only the names on an
allow-list (Starlette's ``TrustedHostMiddleware`` enforces it, 400 otherwise) and never builds a
URL or an origin check from the ``Host`` header: absolute URLs come from the configured base URL.
Names are compared without the port, as ``TrustedHostMiddleware`` does: the name is what a
rebinding attacker controls.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

from archive.web.errors import InvalidBaseUrl

# Names that only ever reach this machine: always allowed.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
# Bind addresses that name no host in particular (every interface).
WILDCARD_BINDS = ("0.0.0.0", "::", "[::]", "")


def host_name(host: str) -> str:
    """``host`` as it appears in a ``Host`` header (lower case, IPv6 literals in brackets)."""
    host = host.strip().lower()
    if host.startswith("[") or ":" not in host:
        return host
    try:
        ip_address(host)
    except ValueError:
        return host
    return f"[{host}]"


def url_for_bind(host: str, port: int) -> str:
    """The base URL of a server bound to ``host``:``port`` (loopback for a wildcard bind)."""
    name = "127.0.0.1" if host.strip() in WILDCARD_BINDS else host_name(host)
    return f"http://{name}:{port}/"


@dataclass(frozen=True)
class HostPolicy:
    """The UI's own base URL and the host names it answers to."""

    base_url: str
    names: tuple[str, ...]

    @classmethod
    def build(cls, base_url: str, *, bind_host: str | None = None, extra: Iterable[str] = ()) -> HostPolicy:
        """The policy of a UI reached at ``base_url``: its host, the loopback names, the bind
        address (unless it is a wildcard) and the ``extra`` names (``*`` turns the check off,
        ``*.example.org`` allows the subdomains)."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidBaseUrl(base_url)
        names = [host_name(parts.hostname), *LOOPBACK_NAMES]
        if bind_host is not None and bind_host.strip() not in WILDCARD_BINDS:
            names.append(host_name(bind_host))
        names += [host_name(name) for name in extra if name.strip()]
        return cls(base_url=base_url.rstrip("/") + "/", names=tuple(dict.fromkeys(names)))

    @property
    def root(self) -> str:
        """The base URL without its trailing slash, to append absolute paths to."""
        return self.base_url.rstrip("/")

    def is_own_origin(self, origin: str, server_port: int | None) -> bool:
        """Whether ``origin`` (an ``Origin`` header) is the base URL's origin or an allowed name on
        the port this server listens on (taken from the socket, not from a header)."""
        origin = origin.strip().rstrip("/").lower()
        base = urlsplit(self.base_url)
        if origin == f"{base.scheme}://{base.netloc}".lower():
            return True
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        return port == server_port and self.allows(host_name(parts.hostname))

    def allows(self, name: str) -> bool:
        """Whether the host ``name`` is on the list (the way ``TrustedHostMiddleware`` matches)."""
        for pattern in self.names:
            if pattern == "*" or name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:])):
                return True
        return False
