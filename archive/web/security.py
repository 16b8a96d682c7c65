"""Security of the browsing UI: response headers, the operator's token, and same-origin POSTs."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive.web.errors import WeakAdminToken
from archive.web.hosts import HostPolicy

UI_CSP = (
    "default-src 'self'; frame-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'"
)
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
}
TOKEN_ENV = "CITEWATCH_ADMIN_TOKEN"
# Long enough that guessing it over HTTP is hopeless; a short or blank one is a mistake, not a choice.
MIN_TOKEN_LENGTH = 16


class SecurityHeaders:
    """ASGI middleware adding the security headers to every response that does not set its own.

    The UI CSP goes on HTML pages only, and not under ``exempt_prefixes``: replayed archives
    carry their own policy. (The Swagger page at ``/docs`` is served offline and gets it too.)
    """

    def __init__(self, app: ASGIApp, *, exempt_prefixes: Iterable[str] = ("/replay/",)):
        self.app = app
        self.exempt_prefixes = tuple(exempt_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exempt = str(scope.get("path", "")).startswith(self.exempt_prefixes)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in BASE_HEADERS.items():
                    headers.setdefault(name, value)
                if not exempt and headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", UI_CSP)
                if message["status"] == 413:
                    # A refused body is not drained: the connection ends with the answer.
                    headers["Connection"] = "close"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def checked_admin_token(token: str | None) -> str | None:
    """The operator's token without surrounding spaces; None (actions off) when unset or empty.

    Raises `WeakAdminToken` for a token shorter than `MIN_TOKEN_LENGTH`, spaces-only included: a
    token a script can guess must stop the UI from starting, not quietly guard its actions.
    """
    if token is None or token == "":
        return None
    stripped = token.strip()
    if len(stripped) < MIN_TOKEN_LENGTH:
        raise WeakAdminToken(TOKEN_ENV, len(stripped), MIN_TOKEN_LENGTH)
    return stripped


def is_cross_site(request: Request, hosts: HostPolicy) -> bool:
    """Whether a request comes from another site, by ``Sec-Fetch-Site`` or ``Origin`` when present.

    ``Origin`` is compared with the UI's own origins (`HostPolicy`), never with the request's
    ``Host``, which the sender chooses. Without either header (curl, scripts) the request is not
    cross-site: the token still guards it.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site != "same-origin":
        return True
    origin = request.headers.get("origin")
    if origin is not None:
        server = request.scope.get("server")
        port = server[1] if isinstance(server, tuple | list) and len(server) == 2 else None
        return not hosts.is_own_origin(origin, port)
    return False


def presented_token(request: Request, form_token: str | None) -> str | None:
    """The token a request presents: ``Authorization: Bearer …``, else the form's ``token`` field."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return form_token or None


def token_matches(expected: str, presented: str | None) -> bool:
    """Constant-time comparison of the operator's token with the presented one."""
    if presented is None:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), presented.encode("utf-8"))
