"""The capture page: what is shown, outside the archived content, then the sandboxed replay; and a
browser capture's screenshot, served as an image."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import HTMLResponse, Response

from archive.web.browser_evidence import EvidenceUnavailable, load_browser_evidence, screenshot_png
from archive.web.context import Web
from archive.web.params import Id
from archive.web.replay.navigation import CaptureScripts, capture_scripts

router = APIRouter(tags=["pages"], include_in_schema=False)

# A screenshot is an image and nothing else: no sniffing it into a document, and should a browser
# ever render it as one, nothing it holds may load or run (`sandbox`: no scripts, an opaque origin).
SCREENSHOT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    # The record never changes: the timeline's thumbnails and the capture page share one download.
    "Cache-Control": "private, max-age=31536000, immutable",
}


@router.get("/captures/{capture_id}", response_class=HTMLResponse)
def capture_page(request: Request, web: Web, capture_id: Id) -> HTMLResponse:
    """A banner (URL, time, status, links) and the capture replayed in a sandboxed iframe,
    or the error for a failed fetch.  ``?scripts=on`` replays it with its scripts, for this view
    only, when the reader followed the switch on this site's own page; from anywhere else the link
    gets the view without scripts and a notice offering the switch (`capture_scripts`).
    A browser capture also shows its screenshot, how it was made and its rendered text."""
    capture = web.queries.capture(capture_id)
    if capture is None:
        raise HTTPException(404, f"capture #{capture_id} does not exist")
    neighbours = web.queries.neighbours(capture)
    choice = capture_scripts(request.query_params.get("scripts"), request.headers.get("sec-fetch-site"))
    kinds = web.catalog.evidence_for([capture.id]).get(capture.id)
    response = web.render(
        request,
        "capture.html",
        capture=capture,
        neighbours=neighbours,
        browser=load_browser_evidence(web.read_record, kinds) if kinds else None,
        scripts=choice is CaptureScripts.ON,
        scripts_refused=choice is CaptureScripts.REFUSED,
    )
    # The same URL is scripted or not by where the navigation came from: no cache may mix them.
    response.headers["Vary"] = "Sec-Fetch-Site"
    return response


@router.get("/captures/{capture_id}/screenshot.png")
def capture_screenshot(web: Web, capture_id: Id) -> Response:
    """A browser capture's full-page screenshot, straight from its WARC record."""
    screenshot = web.catalog.evidence_for([capture_id]).get(capture_id, {}).get("screenshot")
    if screenshot is None:
        raise HTTPException(404, f"capture #{capture_id} has no screenshot (only browser captures have one)")
    try:
        png = screenshot_png(web.read_record, screenshot)
    except EvidenceUnavailable as exc:
        raise HTTPException(404, str(exc)) from exc
    return Response(png, media_type="image/png", headers=SCREENSHOT_HEADERS)
