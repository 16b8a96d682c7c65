"""Refusing NUL characters in request URLs, once for the whole app (pages, API, replay, static).

A NUL names nothing the archive holds: no URL, title, tag or kind can contain one. But PostgreSQL
refuses any NUL in a text parameter ("PostgreSQL text fields cannot contain NUL (0x00) bytes"), so
a NUL reaching a query — ``/articles?q=%00``, ``/changes?kind=%00``, a replay URL with ``%00`` —
made it fail inside the driver, a 500. Rather than guard every query, the request is refused before
any route runs: 400 with a one-line reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

NUL_REASON = "the URL holds a NUL character (%00), which nothing archived here contains: remove it"

ErrorResponder = Callable[[Request, Exception], Awaitable[Response]]


def holds_nul(scope: Scope) -> bool:
    """Whether the request's path or query string holds a NUL, raw or percent-encoded (``%00``)."""
    path = scope.get("path", "")
    raw_path = scope.get("raw_path")
    query = scope.get("query_string", b"")
    return (
        (isinstance(path, str) and "\x00" in path)
        or (isinstance(raw_path, bytes) and _encoded_nul(raw_path))
        or (isinstance(query, bytes) and _encoded_nul(query))
    )


def _encoded_nul(raw: bytes) -> bool:
    return b"\x00" in raw or b"%00" in raw


class RefuseNul:
    """ASGI middleware answering 400 (`NUL_REASON`) to HTTP requests whose URL holds a NUL.

    ``respond(request, exc)`` builds the answer, so the refusal looks like the app's other errors
    (JSON for the API, the error page elsewhere).
    """

    def __init__(self, app: ASGIApp, *, respond: ErrorResponder) -> None:
        self.app = app
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and holds_nul(scope):
            response = await self.respond(Request(scope, receive), HTTPException(400, NUL_REASON))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
