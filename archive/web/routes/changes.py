"""Change pages: the list, the Atom feed, and the diff of two captures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from archive.catalog.views import CHANGE_KINDS
from archive.web.comparison import compare, final_url
from archive.web.context import Web
from archive.web.feed import FEED_SIZE, atom_feed
from archive.web.params import After, Before, Id, PageNo
from archive.web.paths import diff_path

router = APIRouter(tags=["pages"], include_in_schema=False)
UNCOMPARED_SHOWN = 50


@router.get("/changes", response_class=HTMLResponse)
def change_list(
    request: Request,
    web: Web,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    page: PageNo = 1,
    after: After = None,
    before: Before = None,
) -> HTMLResponse:
    """Changes newest first, optionally of one kind."""
    changes = web.queries.changes(kind=kind or None, page=page, after=after, before=before)
    first = changes.page == 1 and not changes.has_prev
    uncompared = web.catalog.uncompared_captures(limit=UNCOMPARED_SHOWN) if first and not kind else []
    return web.render(
        request, "changes.html", changes=changes, kind=kind or "", kinds=CHANGE_KINDS, uncompared=uncompared
    )


@router.get("/changes.atom")
def change_feed(request: Request, web: Web) -> Response:
    """The latest changes as an Atom 1.0 feed."""
    changes = web.queries.changes(page=1, per_page=FEED_SIZE).items
    site = web.hosts.root  # never the request's Host: a feed reader must get the real address
    body = atom_feed(
        changes,
        feed_url=f"{site}/changes.atom",
        site_url=f"{site}/",
        diff_url=lambda c: site + diff_path(c.before_capture_id, c.after_capture_id),
        now=web.clock(),
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/changes/{change_id}")
def change_page(web: Web, change_id: Id) -> RedirectResponse:
    """A change is shown as the diff of its two captures."""
    change = web.queries.change(change_id)
    if change is None:
        raise HTTPException(404, f"change #{change_id} does not exist")
    return RedirectResponse(diff_path(change.before_capture_id, change.after_capture_id), status_code=303)


@router.get("/diff/{before_id}/{after_id}", response_class=HTMLResponse)
def diff_page(request: Request, web: Web, before_id: Id, after_id: Id) -> HTMLResponse:
    """Two captures compared: removed quotes first, then status and redirects, then the text diff."""
    before, after = web.queries.capture(before_id), web.queries.capture(after_id)
    if before is None or after is None:
        missing = before_id if before is None else after_id
        raise HTTPException(404, f"capture #{missing} does not exist")
    comparison = compare(before, after, catalog=web.catalog, queries=web.queries, read=web.read_record)
    return web.render(request, "diff.html", cmp=comparison, final_url=final_url)
