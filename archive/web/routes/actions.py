"""The operator's actions: pause, resume, ignore rules, ingest. Each needs the admin token and a
same-origin request; browsing never changes anything."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from archive.catalog import InvalidValue
from archive.web.context import Web, WebContext
from archive.web.params import Id
from archive.web.schemas import ActionOut
from archive.web.security import TOKEN_ENV, is_cross_site, presented_token, token_matches

router = APIRouter(tags=["actions"])

Token = Annotated[str | None, Form(description="the operator's token (or send Authorization: Bearer)")]
MAX_URL = 2000


def authorise(request: Request, web: WebContext, form_token: str | None) -> None:
    """Refuse (403) cross-site requests, disabled actions and wrong or missing tokens."""
    if is_cross_site(request):
        raise HTTPException(403, "cross-site request refused: actions must come from this site's own pages")
    if web.admin_token is None:
        raise HTTPException(403, f"actions are disabled: set {TOKEN_ENV} to enable them")
    if not token_matches(web.admin_token, presented_token(request, form_token)):
        raise HTTPException(403, "a valid admin token is required for this action")


def _done(request: Request, message: str, redirect_to: str) -> Response:
    """JSON for API clients (Bearer token), a 303 back to the page for HTML forms."""
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return JSONResponse(ActionOut(ok=True, message=message).model_dump())
    return RedirectResponse(redirect_to, status_code=303)


def _source_url(web: WebContext, source_id: Id) -> str:
    source = web.queries.source(source_id)
    if source is None:
        raise HTTPException(404, f"source #{source_id} does not exist")
    return source.summary.url


@router.post("/sources/{source_id}/pause", response_model=ActionOut)
def pause_source(request: Request, web: Web, source_id: Id, token: Token = None) -> Response:
    """Stop re-crawling a source."""
    authorise(request, web, token)
    _source_url(web, source_id)
    web.catalog.set_paused(source_id, True)
    return _done(request, f"source #{source_id} paused", f"/sources/{source_id}")


@router.post("/sources/{source_id}/resume", response_model=ActionOut)
def resume_source(request: Request, web: Web, source_id: Id, token: Token = None) -> Response:
    """Re-crawl a paused source again."""
    authorise(request, web, token)
    _source_url(web, source_id)
    web.catalog.set_paused(source_id, False)
    return _done(request, f"source #{source_id} resumed", f"/sources/{source_id}")


@router.post("/sources/{source_id}/ignore", response_model=ActionOut)
def ignore_in_source(
    request: Request,
    web: Web,
    source_id: Id,
    token: Token = None,
    selector: Annotated[str | None, Form(max_length=500)] = None,
    pattern: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Make change detection ignore elements matching a CSS selector and/or text matching a regex."""
    authorise(request, web, token)
    url = _source_url(web, source_id)
    try:
        web.catalog.add_ignore_rule(url, selector=selector or None, pattern=pattern or None)
    except InvalidValue as exc:
        raise HTTPException(400, str(exc)) from exc
    return _done(request, f"ignore rule added to source #{source_id}", f"/sources/{source_id}")


@router.post("/articles", response_model=ActionOut)
def ingest_article(
    request: Request,
    web: Web,
    url: Annotated[str, Form(max_length=MAX_URL)],
    token: Token = None,
) -> Response:
    """Ask for an article to be ingested (its sources are then archived and watched)."""
    authorise(request, web, token)
    if web.submit_ingest is None:
        raise HTTPException(403, "ingesting from the web UI is not enabled in this deployment")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise HTTPException(400, f"not an http(s) URL: {url!r}")
    web.submit_ingest(url)
    return _done(request, f"ingest requested for {url}", f"/articles?submitted={quote(url, safe='')}")
