"""The JSON API: the same queries as the pages, described by pydantic models at /docs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, TypeVar

from fastapi import APIRouter, HTTPException, Query

from archive.catalog import CaptureView
from archive.catalog.views import EvidenceView
from archive.links.memento import replayed_url
from archive.web.browser_evidence import screenshot_path
from archive.web.context import Web, WebContext
from archive.web.params import After, Before, Id, OptionalId, PageNo, PerPage
from archive.web.paths import diff_path, replay_path
from archive.web.queries import PER_PAGE
from archive.web.rows import ChangeRow, Page
from archive.web.schemas import (
    AlertOut,
    ArticleDetailOut,
    ArticleOut,
    ArticleRefOut,
    CaptureOut,
    ChangeOut,
    EvidenceOut,
    IngestOut,
    Model,
    PageOut,
    SourceDetailOut,
    SourceOut,
)

router = APIRouter(prefix="/api", tags=["api"])

M = TypeVar("M", bound=Model)
R = TypeVar("R")


def _page(page: Page[R], convert: Callable[[R], M]) -> PageOut[M]:
    return PageOut(
        items=[convert(item) for item in page.items],
        page=page.page,
        per_page=page.per_page,
        total=page.total,
        total_exact=page.total_exact,
        pages=page.pages,
        next_page=page.next_page,
        next_after=page.next_after,
        prev_page=page.prev_page,
        prev_before=page.prev_before,
    )


def capture_out(capture: CaptureView, evidence: Mapping[str, EvidenceView] | None = None) -> CaptureOut:
    """A capture with links to its page and, when it has a payload, its replay; a browser
    capture with its ``evidence`` (by kind) and a link to what the UI serves of it."""
    replayed = replayed_url(capture.url, capture.final_url, capture.recovered_from)
    replay = None if capture.record_type == "metadata" else replay_path(capture.captured_at, replayed)
    return CaptureOut.model_validate(
        {
            **capture.__dict__,
            "redirects": list(capture.redirects),
            "replay": replay,
            "page": f"/captures/{capture.id}",
            "evidence": {kind: _evidence_out(item) for kind, item in (evidence or {}).items()},
        }
    )


def _evidence_out(item: EvidenceView) -> EvidenceOut:
    return EvidenceOut(
        url=screenshot_path(item.capture_id) if item.kind == "screenshot" else None,
        content_type=item.content_type,
        size=item.size,
        width=item.width,
        height=item.height,
        record_id=item.record_id,
    )


def _captures_out(web: WebContext, captures: Page[CaptureView]) -> PageOut[CaptureOut]:
    """A page of captures with their evidence, read by one query for the whole page."""
    evidence = web.catalog.evidence_for([c.id for c in captures.items])
    return _page(captures, lambda c: capture_out(c, evidence.get(c.id)))


def change_out(change: ChangeRow) -> ChangeOut:
    """A change with a link to its diff page."""
    return ChangeOut.model_validate(
        {**change.__dict__, "diff": diff_path(change.before_capture_id, change.after_capture_id)}
    )


@router.get("/articles", response_model=PageOut[ArticleOut])
def api_articles(
    web: Web,
    q: Annotated[str | None, Query(max_length=500, description="in title or URL")] = None,
    tag: Annotated[str | None, Query(max_length=200)] = None,
    page: PageNo = 1,
    per_page: PerPage = PER_PAGE,
    after: After = None,
    before: Before = None,
) -> PageOut[ArticleOut]:
    """Articles newest first, with source counts and the worst state among their sources."""
    found = web.queries.articles(q=q, tag=tag, page=page, per_page=per_page, after=after, before=before)
    return _page(found, ArticleOut.model_validate)


@router.get("/articles/{article_id}", response_model=ArticleDetailOut)
def api_article(web: Web, article_id: Id) -> ArticleDetailOut:
    """One article with its citations in order and each source's state."""
    article = web.queries.article(article_id)
    if article is None:
        raise HTTPException(404, f"article #{article_id} does not exist")
    return ArticleDetailOut.model_validate(article)


@router.get("/sources", response_model=PageOut[SourceOut])
def api_sources(
    web: Web,
    q: Annotated[str | None, Query(max_length=500, description="in the URL")] = None,
    state: Annotated[str | None, Query(max_length=32)] = None,
    page: PageNo = 1,
    per_page: PerPage = PER_PAGE,
    after: After = None,
    before: Before = None,
) -> PageOut[SourceOut]:
    """Watched sources with capture and article counts."""
    found = web.queries.sources(q=q, state=state, page=page, per_page=per_page, after=after, before=before)
    return _page(found, SourceOut.model_validate)


@router.get("/sources/{source_id}", response_model=SourceDetailOut)
def api_source(web: Web, source_id: Id) -> SourceDetailOut:
    """One source, its ignore rules and the articles citing it."""
    source = web.queries.source(source_id)
    if source is None:
        raise HTTPException(404, f"source #{source_id} does not exist")
    mode = web.catalog.source_modes([source_id]).get(source_id)
    return SourceDetailOut(
        source=SourceOut.model_validate(source.summary),
        ignore_selectors=list(source.ignore_selectors),
        ignore_patterns=list(source.ignore_patterns),
        articles=[ArticleRefOut.model_validate(a) for a in source.articles],
        mode=mode.mode if mode else "auto",
        detected_mode=mode.detected_mode if mode else None,
        mode_reason=mode.reason if mode else None,
        mode_checked_at=mode.checked_at if mode else None,
    )


@router.get("/sources/{source_id}/captures", response_model=PageOut[CaptureOut])
def api_captures(
    web: Web,
    source_id: Id,
    page: PageNo = 1,
    per_page: PerPage = PER_PAGE,
    after: After = None,
    before: Before = None,
) -> PageOut[CaptureOut]:
    """A source's captures, newest first."""
    if not web.queries.source_exists(source_id):
        raise HTTPException(404, f"source #{source_id} does not exist")
    found = web.queries.captures(source_id, page=page, per_page=per_page, after=after, before=before)
    return _captures_out(web, found)


@router.get("/captures/{capture_id}", response_model=CaptureOut)
def api_capture(web: Web, capture_id: Id) -> CaptureOut:
    """One capture."""
    capture = web.queries.capture(capture_id)
    if capture is None:
        raise HTTPException(404, f"capture #{capture_id} does not exist")
    return capture_out(capture, web.catalog.evidence_for([capture.id]).get(capture.id))


@router.get("/changes", response_model=PageOut[ChangeOut])
def api_changes(
    web: Web,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    source_id: OptionalId = None,
    page: PageNo = 1,
    per_page: PerPage = PER_PAGE,
    after: After = None,
    before: Before = None,
) -> PageOut[ChangeOut]:
    """Changes newest first, optionally of one kind or one source."""
    found = web.queries.changes(
        kind=kind, source_id=source_id, page=page, per_page=per_page, after=after, before=before
    )
    return _page(found, change_out)


@router.get("/changes/{change_id}", response_model=ChangeOut)
def api_change(web: Web, change_id: Id) -> ChangeOut:
    """One change."""
    change = web.queries.change(change_id)
    if change is None:
        raise HTTPException(404, f"change #{change_id} does not exist")
    return change_out(change)


@router.get("/ingests", response_model=list[IngestOut])
def api_ingests(web: Web) -> list[IngestOut]:
    """Ingests asked for from the UI: running, then queued, then the latest finished ones."""
    jobs = web.ingest_jobs() if web.ingest_jobs is not None else []
    return [IngestOut.model_validate(job) for job in jobs]


@router.get("/alerts", response_model=PageOut[AlertOut])
def api_alerts(
    web: Web, page: PageNo = 1, per_page: PerPage = PER_PAGE, after: After = None, before: Before = None
) -> PageOut[AlertOut]:
    """Alerts newest first, with each channel's delivery state (targets masked)."""
    found = web.queries.alerts(page=page, per_page=per_page, after=after, before=before)
    return _page(found, AlertOut.model_validate)
