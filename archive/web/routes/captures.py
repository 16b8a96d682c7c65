"""The capture page: what is shown, outside the archived content, then the sandboxed replay."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import HTMLResponse

from archive.web.context import Web
from archive.web.params import Id
from archive.web.replay.navigation import CaptureScripts, capture_scripts

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/captures/{capture_id}", response_class=HTMLResponse)
def capture_page(request: Request, web: Web, capture_id: Id) -> HTMLResponse:
    """A banner (URL, time, status, links) and the capture replayed in a sandboxed iframe,
    or the error for a failed fetch.  ``?scripts=on`` replays it with its scripts, for this view
    only, when the reader followed the switch on this site's own page; from anywhere else the link
    gets the view without scripts and a notice offering the switch (`capture_scripts`)."""
    capture = web.queries.capture(capture_id)
    if capture is None:
        raise HTTPException(404, f"capture #{capture_id} does not exist")
    neighbours = web.queries.neighbours(capture)
    choice = capture_scripts(request.query_params.get("scripts"), request.headers.get("sec-fetch-site"))
    response = web.render(
        request,
        "capture.html",
        capture=capture,
        neighbours=neighbours,
        scripts=choice is CaptureScripts.ON,
        scripts_refused=choice is CaptureScripts.REFUSED,
    )
    # The same URL is scripted or not by where the navigation came from: no cache may mix them.
    response.headers["Vary"] = "Sec-Fetch-Site"
    return response
