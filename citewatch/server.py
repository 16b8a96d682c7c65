"""Serving the browsing UI: uvicorn with limits, so slow or abusive clients cannot wear it down.

uvicorn bounds the request line and headers (h11's incomplete-event size), idle keep-alive
connections (``timeout_keep_alive``) and, with ``limit_concurrency``, the connections it serves
at once (503 past it). It has no deadline for a client that opens a connection, sends half a
request and waits (slowloris): such a connection would hold its slot and its file descriptor for
ever, and a few hundred of them make every later request a 503. `LimitedH11Protocol` adds that
deadline; request bodies are capped by the app itself (`archive.web.app.MAX_BODY_BYTES`).

Even with the deadline, one client alone could fill ``limit_concurrency`` with connections it
keeps opening (a thousand half-open ones, renewed every deadline) and every other reader would
get 503. So `LimitedH11Protocol` also caps the connections one client holds at once
(`ClientConnections`): past its cap a client's new connection gets a 503 of its own and is closed
at once, and the others still get in. A client is its IP address (an IPv6 client its /64, the
block one host usually has); the server trusts no forwarded header (``proxy_headers=False``), so
behind a reverse proxy every reader is the proxy, and the cap must allow for the proxy's pool.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import resource
from collections import Counter
from typing import Any

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger(__name__)

KEEP_ALIVE_SECONDS = 5
MAX_HEADER_BYTES = 16 * 1024
# File descriptors the process needs besides its connections: catalog, WARCs, logs, ingests.
SPARE_FILES = 128
# An IPv6 host usually gets a whole /64: connections from anywhere in it are one client's.
IPV6_CLIENT_PREFIX = 64
# Seconds a client refused for holding too many connections is told to wait.
REFUSED_RETRY_AFTER = 10


def client_key(host: str | None) -> str:
    """Who a connection's peer address ``host`` counts as: its IPv4 address, or its IPv6 /64."""
    if not host:
        return ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False))
    return str(address)


class ClientConnections:
    """The connections each client holds open, each client capped at ``cap`` at once.

    Used from the server's event loop only, so it needs no lock.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._open: Counter[str] = Counter()

    def admit(self, client: str) -> bool:
        """Count a new connection of ``client``; False (not counted) when it holds ``cap`` already."""
        if self._open[client] >= self.cap:
            return False
        self._open[client] += 1
        return True

    def release(self, client: str) -> None:
        """Forget one admitted connection of ``client``."""
        self._open[client] -= 1
        if self._open[client] <= 0:
            del self._open[client]

    def holding(self, client: str) -> int:
        """How many connections ``client`` holds."""
        return self._open[client]


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus ``request_timeout``: seconds a client has to send a whole
    request (line, headers and body) once it has connected or got its previous answer; and
    ``client_connections``, the connections one client may hold at once."""

    def __init__(
        self, app: FastAPI, *, request_timeout: float, client_connections: ClientConnections, **kwargs: Any
    ) -> None:
        super().__init__(app, http=LimitedH11Protocol, **kwargs)
        self.request_timeout = request_timeout
        self.client_connections = client_connections


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request is not all there in time, and
    refusing a client's connections past its cap (`ClientConnections`)."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.request_timeout = float(getattr(config, "request_timeout", 30.0))
        clients = getattr(config, "client_connections", None)
        self.client_connections = clients if isinstance(clients, ClientConnections) else None
        self.admitted_as: str | None = None
        self.deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.client_connections is not None:
            key = client_key(self.client[0] if self.client else None)
            if not self.client_connections.admit(key):
                self._refuse(self.client_connections.cap)
                return
            self.admitted_as = key
        self._arm()

    def _refuse(self, cap: int) -> None:
        """Answer 503 before reading anything and hang up: this client holds enough connections."""
        body = (
            f"too many connections from your address (at most {cap} at once): close some and try again\n"
        ).encode()
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: {REFUSED_RETRY_AFTER}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        self.transport.write(head + body)
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # IDLE: the request line or headers are still coming; SEND_BODY: the body is.
        if self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets the same time

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self.admitted_as is not None and self.client_connections is not None:
            self.client_connections.release(self.admitted_as)
            self.admitted_as = None
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self.deadline = self.loop.call_later(self.request_timeout, self._expire)

    def _disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _expire(self) -> None:
        self.deadline = None
        if self.cycle is not None and not self.cycle.response_complete and self.cycle.response_started:
            return  # answering already: the app's own work is not the client's delay
        if not self.transport.is_closing():
            self.transport.close()


def open_files_for(connections: int) -> int:
    """Raise this process's soft open-file limit so ``connections`` sockets fit (up to the hard
    limit); returns how many connections do fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + SPARE_FILES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError) as exc:
            logger.warning("cannot raise the open-file limit to %d: %s", raised, exc)
    if soft == resource.RLIM_INFINITY:
        return connections
    return max(1, min(connections, soft - SPARE_FILES))


def serve_app(
    app: FastAPI,
    *,
    host: str,
    port: int,
    max_connections: int,
    max_connections_per_client: int,
    request_timeout: float,
) -> None:
    """Serve ``app`` on ``host``:``port`` until SIGINT/SIGTERM, with the limits above."""
    fitting = open_files_for(max_connections)
    if fitting < max_connections:
        logger.warning(
            "only %d connections fit in the open-file limit (asked for %d)", fitting, max_connections
        )
    config = ServerConfig(
        app,
        host=host,
        port=port,
        log_level="warning",
        request_timeout=request_timeout,
        client_connections=ClientConnections(max_connections_per_client),
        limit_concurrency=fitting,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        server_header=False,
        # Behind a proxy the UI builds no URL from forwarded headers anyway (see ui_base_url).
        proxy_headers=False,
    )
    uvicorn.Server(config).run()
