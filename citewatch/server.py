"""Serving the browsing UI: uvicorn with limits, so slow or abusive clients cannot wear it down.

uvicorn bounds the request line and headers (h11's incomplete-event size), idle keep-alive
connections (``timeout_keep_alive``) and, with ``limit_concurrency``, the connections it serves
at once (503 past it). It has no deadline for a client that opens a connection, sends half a
request and waits (slowloris): such a connection would hold its slot and its file descriptor for
ever, and a few hundred of them make every later request a 503. `DeadlineH11Protocol` adds that
deadline; request bodies are capped by the app itself (`archive.web.app.MAX_BODY_BYTES`).
"""

from __future__ import annotations

import asyncio
import logging
import resource
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


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration plus ``request_timeout``: seconds a client has to send a whole
    request (line, headers and body) once it has connected or got its previous answer."""

    def __init__(self, app: FastAPI, *, request_timeout: float, **kwargs: Any) -> None:
        super().__init__(app, http=DeadlineH11Protocol, **kwargs)
        self.request_timeout = request_timeout


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request is not all there in time."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.request_timeout = float(getattr(config, "request_timeout", 30.0))
        self.deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

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


def serve_app(app: FastAPI, *, host: str, port: int, max_connections: int, request_timeout: float) -> None:
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
        limit_concurrency=fitting,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        server_header=False,
        # Behind a proxy the UI builds no URL from forwarded headers anyway (see ui_base_url).
        proxy_headers=False,
    )
    uvicorn.Server(config).run()
