"""An article's robust links as downloads: its archived HTML with the links decorated, CSL-JSON and
BibTeX (the article page shows the same links as snippets to copy)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from starlette.responses import Response

from archive.robust.citations import BIBTEX_TYPE, CSL_JSON_TYPE, bibtex, csl_json
from archive.web.context import Web, WebContext
from archive.web.params import Id
from archive.web.robust_links import RobustLink, robust_article_html, robust_links, snippets_page
from archive.web.rows import ArticleDetail

router = APIRouter(tags=["pages"], include_in_schema=False)


def _article(web: WebContext, article_id: int) -> tuple[ArticleDetail, list[RobustLink]]:
    article = web.queries.article(article_id)
    if article is None:
        raise HTTPException(404, f"article #{article_id} does not exist")
    return article, robust_links(web, article)


def _download(body: bytes, media_type: str, filename: str) -> Response:
    # Attachments: an archived page is never rendered as a document of the UI's own origin.
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
        # Set as is: Starlette would add "charset=utf-8" to a text/* type without one, and an
        # archived page may name its charset in a <meta> only.
        "Content-Type": media_type,
    }
    return Response(body, headers=headers)


@router.get("/articles/{article_id}/robust.html")
def robust_html(web: Web, article_id: Id) -> Response:
    """The article's archived HTML with Robust Links on every cited link, every other byte as
    archived; for an article whose HTML is not archived (ingested from a file), its robust links."""
    article, links = _article(web, article_id)
    name = f"article-{article_id}-robust.html"
    decorated = None if web.canonical is None else robust_article_html(web, article, links, web.canonical)
    if decorated is None:
        return _download(snippets_page(article, links), "text/html; charset=utf-8", name)
    data, content_type = decorated
    return _download(data, content_type, name)


@router.get("/articles/{article_id}/citations.json")
def citations_csl(web: Web, article_id: Id) -> Response:
    """The article's citations as CSL-JSON, each with our capture as its archived copy."""
    _, links = _article(web, article_id)
    body = csl_json([link.cited for link in links], base_url=web.hosts.root).encode()
    return _download(body, CSL_JSON_TYPE, f"article-{article_id}-citations.json")


@router.get("/articles/{article_id}/citations.bib")
def citations_bibtex(web: Web, article_id: Id) -> Response:
    """The article's citations as BibTeX ``@misc`` entries with url, urldate and the archived copy."""
    _, links = _article(web, article_id)
    body = bibtex([link.cited for link in links], base_url=web.hosts.root).encode()
    return _download(body, BIBTEX_TYPE, f"article-{article_id}-citations.bib")
