"""The deployment's status: how far behind the watch list is and, spread over Redis, the queue, the
dispatching daemon, the live workers and the per-host request rates (page and ``/api/status``).

The document comes from the composition root (``cluster_status`` in `archive.web.app.create_app`):
the UI itself knows nothing of Redis.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import HTMLResponse

from archive.web.context import Web, WebContext
from archive.web.errors import StatusUnavailable
from archive.web.schemas import StatusOut

router = APIRouter()
# The page reloads itself this often (a meta refresh: the CSP allows no inline script).
REFRESH_SECONDS = 15


def current_status(web: WebContext) -> StatusOut:
    """The status now, or an HTTP error saying why there is none."""
    if web.cluster_status is None:
        raise HTTPException(404, "this UI was started without a status source")
    try:
        document = web.cluster_status()
    except StatusUnavailable as exc:
        raise HTTPException(503, str(exc)) from exc
    return StatusOut.model_validate(document)


@router.get("/status", response_class=HTMLResponse, tags=["pages"], include_in_schema=False)
def status_page(request: Request, web: Web) -> HTMLResponse:
    """Queue, leases, dispatcher, live workers and the busiest hosts."""
    return web.render(request, "status.html", status=current_status(web), refresh=REFRESH_SECONDS)


@router.get("/api/status", response_model=StatusOut, tags=["api"])
def api_status(web: Web) -> StatusOut:
    """The deployment's status: the same document as `citewatch status --json`."""
    return current_status(web)
