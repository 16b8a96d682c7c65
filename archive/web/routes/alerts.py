"""The alerts page: every alert with the delivery state of each of its channels."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from archive.web.context import Web
from archive.web.params import After, Before, PageNo

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/alerts", response_class=HTMLResponse)
def alert_list(
    request: Request, web: Web, page: PageNo = 1, after: After = None, before: Before = None
) -> HTMLResponse:
    """Alerts newest first; targets are masked."""
    return web.render(
        request, "alerts.html", alerts=web.queries.alerts(page=page, after=after, before=before)
    )
