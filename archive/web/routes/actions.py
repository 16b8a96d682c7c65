"""The operator's actions: pause, resume, ignore rules, ingest. Each needs the admin token and a
same-origin request; browsing never changes anything.

Everything the headers alone can refuse is refused before the body is read (`ActionRoute`): a
request from another site, actions switched off, a wrong ``Authorization: Bearer`` token, a body
that is not a small URL-encoded form. Only then does FastAPI parse the form, whose size the
router caps (`ACTION_BODY_LIMIT`), and the form's ``token`` field is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.routing import APIRoute
from starlette.responses import JSONResponse, RedirectResponse, Response

from archive.catalog import InvalidValue
from archive.web.context import Web, WebContext, web_context
from archive.web.errors import IngestQueueFull
from archive.web.params import Id
from archive.web.schemas import ActionOut
from archive.web.security import TOKEN_ENV, is_cross_site, presented_token, token_matches

Token = Annotated[str | None, Form(description="the operator's token (or send Authorization: Bearer)")]
MAX_URL = 2000
# A token, a URL and a selector or pattern: far below this. Larger bodies get 413 unread.
ACTION_BODY_LIMIT = 16 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


def refuse_before_body(request: Request, web: WebContext) -> None:
    """Refuse (403, 415) what the request's headers alone condemn, without reading its body."""
    if is_cross_site(request, web.hosts):
        raise HTTPException(403, "cross-site request refused: actions must come from this site's own pages")
    if web.admin_token is None:
        raise HTTPException(403, f"actions are disabled: set {TOKEN_ENV} to enable them")
    bearer = presented_token(request, None)
    if bearer is not None and not token_matches(web.admin_token, bearer):
        raise HTTPException(403, "a valid admin token is required for this action")
    has_body = request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    if has_body:
        header = Message()
        header["content-type"] = request.headers.get("content-type", "")
        if header.get_content_type() != FORM_TYPE:
            raise HTTPException(415, f"send the action's fields as {FORM_TYPE} (an HTML form's default)")


class ActionRoute(APIRoute):
    """A route that runs `refuse_before_body` before FastAPI reads and parses the body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            refuse_before_body(request, web_context(request))
            return await handler(request)

        return guarded


router = APIRouter(
    tags=["actions"],
    route_class=ActionRoute,
    max_body_size=ACTION_BODY_LIMIT,
    form_limits={"max_files": 0, "max_fields": 8, "max_part_size": ACTION_BODY_LIMIT},
)


def authorise(request: Request, web: WebContext, form_token: str | None) -> None:
    """Refuse (403) cross-site requests, disabled actions and wrong or missing tokens."""
    refuse_before_body(request, web)
    expected = web.admin_token
    if expected is None or not token_matches(expected, presented_token(request, form_token)):
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
    try:
        web.submit_ingest(url)
    except IngestQueueFull as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "60"}) from exc
    return _done(request, f"ingest requested for {url}", f"/articles?submitted={quote(url, safe='')}")
