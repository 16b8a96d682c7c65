"""The capture page: what is shown, outside the archived content, then the sandboxed replay."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import HTMLResponse

from archive.web.context import Web
from archive.web.params import Id

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/captures/{capture_id}", response_class=HTMLResponse)
def capture_page(request: Request, web: Web, capture_id: Id) -> HTMLResponse:
    """A banner (URL, time, status, links) and the capture replayed in a sandboxed iframe,
    or the error for a failed fetch.  ``?scripts=on`` replays it with its scripts, for this view only."""
    capture = web.queries.capture(capture_id)
    if capture is None:
        raise HTTPException(404, f"capture #{capture_id} does not exist")
    neighbours = web.queries.neighbours(capture)
    scripts = request.query_params.get("scripts") == "on"  # exactly the switch's link; else off
    return web.render(request, "capture.html", capture=capture, neighbours=neighbours, scripts=scripts)
