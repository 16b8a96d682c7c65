"""Article pages: the list (search, tag filter) and one article's citations with their sources' states."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import HTMLResponse

from archive.web.context import Web
from archive.web.params import After, Before, Id, PageNo
from archive.web.robust_links import robust_links

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
@router.get("/articles", response_class=HTMLResponse)
def article_list(
    request: Request,
    web: Web,
    q: Annotated[str | None, Query(max_length=500)] = None,
    tag: Annotated[str | None, Query(max_length=200)] = None,
    page: PageNo = 1,
    submitted: Annotated[str | None, Query(max_length=2000)] = None,
    after: After = None,
    before: Before = None,
) -> HTMLResponse:
    """Articles, newest first, searchable by title or URL and filterable by tag."""
    articles = web.queries.articles(q=q, tag=tag, page=page, after=after, before=before)
    return web.render(
        request,
        "articles.html",
        articles=articles,
        q=q or "",
        tag=tag or "",
        tags=web.queries.tags(),
        submitted=submitted,
        ingest_enabled=web.submit_ingest is not None and web.admin_token is not None,
        ingests=web.ingest_jobs() if web.ingest_jobs is not None else [],
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, web: Web, article_id: Id) -> HTMLResponse:
    """One article: its citations in order, each with its quotes and its source's state."""
    article = web.queries.article(article_id)
    if article is None:
        raise HTTPException(404, f"article #{article_id} does not exist")
    return web.render(request, "article.html", article=article, robust=robust_links(web, article))
