"""Source pages: the list of watched sources and one source's capture timeline and changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import HTMLResponse

from archive.catalog.views import SOURCE_STATES
from archive.web.context import Web
from archive.web.params import After, Before, Id, PageNo

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/sources", response_class=HTMLResponse)
def source_list(
    request: Request,
    web: Web,
    q: Annotated[str | None, Query(max_length=500)] = None,
    state: Annotated[str | None, Query(max_length=32)] = None,
    page: PageNo = 1,
    after: After = None,
    before: Before = None,
) -> HTMLResponse:
    """Watched sources, searchable by URL and filterable by state."""
    sources = web.queries.sources(q=q, state=state, page=page, after=after, before=before)
    return web.render(
        request, "sources.html", sources=sources, q=q or "", state=state or "", states=SOURCE_STATES
    )


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_page(
    request: Request,
    web: Web,
    source_id: Id,
    page: PageNo = 1,
    changes_page: PageNo = 1,
    after: After = None,
    before: Before = None,
    changes_after: After = None,
    changes_before: Before = None,
) -> HTMLResponse:
    """A source's capture timeline (newest first, a browser capture with its screenshot's
    thumbnail), how it is captured, and its detected changes."""
    source = web.queries.source(source_id)
    if source is None:
        raise HTTPException(404, f"source #{source_id} does not exist")
    captures = web.queries.captures(source_id, page=page, after=after, before=before)
    return web.render(
        request,
        "source.html",
        source=source,
        mode=web.catalog.source_modes([source_id]).get(source_id),
        recovery=web.catalog.recoveries_for([source_id]).get(source_id),
        captures=captures,
        # One query for the page's rows; the thumbnails' bytes come with each <img>'s own request.
        evidence=web.catalog.evidence_for([c.id for c in captures.items]),
        changes=web.queries.changes(
            source_id=source_id, page=changes_page, after=changes_after, before=changes_before
        ),
    )
