"""The browsing UI as an ASGI app: articles -> sources -> timeline -> sandboxed replay -> diff."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import JSONResponse, Response

from archive.catalog import Catalog
from archive.catalog.mapping import utc_now
from archive.report import PayloadReader
from archive.web.context import WebContext, build_templates, web_context
from archive.web.evidence import RecordReader
from archive.web.hosts import HostPolicy
from archive.web.nul import RefuseNul
from archive.web.queries import WebQueries
from archive.web.routes import (
    actions,
    alerts,
    api,
    articles,
    captures,
    changes,
    docs,
    report,
    robust,
    sources,
    status,
)
from archive.web.routes.docs import swagger_assets
from archive.web.routes.memento import router as memento_router
from archive.web.rows import IngestRow
from archive.web.security import SecurityHeaders, checked_admin_token

if TYPE_CHECKING:  # the export package is slow to import, and the UI needs only the type
    from archive.export.keys import SigningKey

STATIC_DIR = Path(__file__).resolve().parent / "static"
DEFAULT_BASE_URL = "http://127.0.0.1:8080/"
# No page or API call takes a body near this; actions cap theirs lower (routes/actions.py).
MAX_BODY_BYTES = 1024 * 1024


def create_app(
    *,
    catalog: Catalog,
    read_record: RecordReader,
    admin_token: str | None,
    submit_ingest: Callable[[str], object] | None = None,
    ingest_jobs: Callable[[], Sequence[IngestRow]] | None = None,
    cluster_status: Callable[[], Mapping[str, Any]] | None = None,
    clock: Callable[[], datetime] = utc_now,
    base_url: str = DEFAULT_BASE_URL,
    allowed_hosts: Sequence[str] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
    read_payload: PayloadReader | None = None,
    signing_key: Callable[[], SigningKey] | None = None,
    canonical: Callable[[str, str | None], str | None] | None = None,
) -> FastAPI:
    """Build the browsing UI on ``catalog``.

    ``read_record(location)`` returns the raw gzip member of the WARC record at a capture's (or a
    browser capture's evidence record's) location (None if it has none). ``admin_token`` guards
    the state-changing actions (None disables them; a token shorter than 16 characters raises
    `archive.web.errors.WeakAdminToken`);
    ``submit_ingest(url)`` starts or queues ingesting an article (None disables ingest from the
    UI; it may raise `archive.web.errors.IngestQueueFull`), ``ingest_jobs()`` lists those ingests
    with their state for the articles page and ``/api/ingests``.  ``cluster_status()`` gives the
    deployment's status document for ``/status`` and ``/api/status`` (the shape of
    `archive.web.schemas.StatusOut`; it may raise `archive.web.errors.StatusUnavailable`; None:
    those answer 404).
    ``base_url`` is where readers reach the UI: absolute links (the Atom feed) are built from
    it, never from the request. Requests whose ``Host`` is not the base URL's host, a loopback
    name or one of ``allowed_hosts`` get 400 (see `archive.web.hosts`); request bodies over
    ``max_body_bytes`` get 413 before they are read; URLs holding a NUL get 400 (`archive.web.nul`).
    ``read_payload(capture)`` returns a capture's decoded payload (a browser capture's rendered DOM)
    for the link-health reports (None: their pages answer 404).
    Replay (``/replay/...``) is another router: include it on the returned app.
    ``canonical(href, base)`` is ingest's canonical form of a link, for writing robust links into
    an article's archived HTML (None: the article's robust.html lists the links only).
    """
    hosts = HostPolicy.build(base_url, extra=allowed_hosts)
    app = FastAPI(
        title="citewatch",
        summary="Browse archived sources of articles, their captures and detected changes.",
        version="0.1.0",
        # Our own /docs (routes/docs.py) serves Swagger UI offline; ReDoc would need a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = WebContext(
        catalog=catalog,
        queries=WebQueries(catalog.engine),
        read_record=read_record,
        admin_token=checked_admin_token(admin_token),
        submit_ingest=submit_ingest,
        ingest_jobs=ingest_jobs,
        cluster_status=cluster_status,
        clock=clock,
        templates=build_templates(),
        hosts=hosts,
        read_payload=read_payload,
        signing_key=signing_key,
        canonical=canonical,
    )
    for module in (articles, robust, sources, captures, changes, alerts, actions, api, report, status, docs):
        app.include_router(module.router)
    app.include_router(memento_router)  # Memento (RFC 7089): TimeGates and TimeMaps
    app.mount("/static/swagger", StaticFiles(directory=swagger_assets()), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # The last added runs first: the Host check answers before any route runs, and its 400, the
    # NUL refusal's 400 and the body limit's 413 still get the security headers. (FastAPI's own
    # max_body_size would answer from outside every middleware.) Middleware wraps every route,
    # the replay router included on this app later (citewatch/app.py) too.
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=max_body_bytes)
    app.add_middleware(RefuseNul, respond=_http_error)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(hosts.names), www_redirect=False)
    app.add_middleware(SecurityHeaders)
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    """Errors as JSON for the API, as a page for everything else."""
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
    detail = exc.detail if isinstance(exc, StarletteHTTPException) else "internal error"
    headers = getattr(exc, "headers", None)
    accept = request.headers.get("accept", "")
    if request.url.path.startswith("/api/") or ("application/json" in accept and "text/html" not in accept):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    return web_context(request).render(
        request, "error.html", status_code=status, status=status, detail=detail
    )
