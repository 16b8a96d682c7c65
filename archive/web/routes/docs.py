"""The API's documentation page, Swagger UI served from this server: a page that loads its
scripts from a CDN tells a third party who reads the archive and when, and runs what it sends.

The Swagger UI files come vendored in the ``fastapi-offline`` package (mounted at
``/static/swagger`` by `archive.web.app.create_app`); the page starts it with our own script, so
the UI's strict Content-Security-Policy applies here too. The OpenAPI document is
``/openapi.json``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from archive.web.context import Web

router = APIRouter(tags=["pages"], include_in_schema=False)


def swagger_assets() -> Path:
    """The directory of the vendored Swagger UI files (JavaScript, CSS, icon)."""
    return Path(str(files("fastapi_offline") / "static"))


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request, web: Web) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``."""
    return web.render(request, "docs.html", openapi_url=request.app.openapi_url or "/openapi.json")
