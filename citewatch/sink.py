"""Where the crawl's results go: the catalog, the schedule, and the user's progress display."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from archive.catalog.repository import Catalog
from archive.catalog.views import CaptureRecord, CitationRecord, Redirect
from crawler.ingest import ExtractedArticle, extract, kind_for
from crawler.ingest.errors import IngestError
from crawler.model import (
    ROLE_ARTICLE,
    ROLE_PROBE,
    ROLE_SOURCE,
    CaptureResult,
    CaptureTarget,
    PreviousCapture,
)
from scheduler.policy import RevisitPolicy


def citation_records(article: ExtractedArticle) -> list[CitationRecord]:
    """The catalog's view of an extracted article's citations."""
    return [
        CitationRecord(
            url=c.url, label=c.label, sentence=c.sentence, quotes=tuple(c.quotes), position=c.position
        )
        for c in article.citations
    ]


def capture_record(result: CaptureResult) -> CaptureRecord:
    """Translate a crawl result into the catalog's capture row."""
    record = result.record
    return CaptureRecord(
        role=result.target.role,
        url=result.target.url,
        captured_at=result.captured_at,
        record_type=record.record_type if record else "metadata",
        source_id=result.target.source_id,
        parent_id=result.target.parent_id,
        final_url=result.final_url,
        status=result.status,
        content_type=result.content_type,
        payload_digest=record.payload_digest if record else None,
        warc_name=record.warc_name if record else None,
        offset=record.offset if record else None,
        length=record.length if record else None,
        error_kind=result.error_kind,
        error=result.error,
        record_id=record.record_id if record else None,
        redirects=tuple(
            Redirect(
                url=h.url,
                status=h.status,
                warc_name=h.record.warc_name if h.record else None,
                offset=h.record.offset if h.record else None,
                length=h.record.length if h.record else None,
                record_id=h.record.record_id if h.record else None,
            )
            for h in result.redirects
        ),
        body_length=result.body_length,
    )


@dataclass
class CrawlTally:
    """Counts for the progress display and the `crawl --json` summary."""

    captured: int = 0
    failed: int = 0
    requisites: int = 0
    articles: int = 0
    failed_articles: list[tuple[str, str]] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)
    probes: list[int] = field(default_factory=list)  # soft-404 evidence for change detection


class CatalogSink:
    """Implements the crawler's CaptureSink on top of the catalog."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        policy: RevisitPolicy,
        clock: Callable[[], datetime],
        all_links: bool = False,
        on_progress: Callable[[CaptureResult, CrawlTally], None] | None = None,
    ) -> None:
        self._catalog = catalog
        self._policy = policy
        self._clock = clock
        self._all_links = all_links
        self._on_progress = on_progress
        self.tally = CrawlTally()

    def on_capture(self, result: CaptureResult) -> int:
        if result.record is not None:
            self._catalog.register_warc(result.record.warc_name)
        role = result.target.role
        capture_id = self._catalog.record_capture(capture_record(result))
        if role == ROLE_PROBE:
            self.tally.probes.append(capture_id)
            return capture_id
        if role == ROLE_SOURCE:
            if result.ok:
                self.tally.captured += 1
            else:
                self.tally.failed += 1
            if result.target.source_id is not None:
                self._reschedule(result.target.source_id)
        elif role == ROLE_ARTICLE:
            self.tally.articles += 1
            if not result.ok or (result.status or 0) >= 400:
                reason = result.error or f"HTTP {result.status}"
                self.tally.failed_articles.append((result.target.url, reason))
        else:
            self.tally.requisites += 1
        if self._on_progress is not None:
            self._on_progress(result, self.tally)
        return capture_id

    def on_article(self, result: CaptureResult, capture_id: int, body: bytes) -> list[CaptureTarget]:
        try:
            kind = kind_for(result.final_url, result.content_type)
            article = extract(body, kind=kind, base_url=result.final_url, all_links=self._all_links)
        except IngestError as exc:
            self.tally.failed_articles.append((result.target.url, str(exc)))
            return []
        view = self._catalog.add_article(
            origin=result.target.url,
            title=article.title,
            kind=kind,
            citations=citation_records(article),
        )
        self._catalog.set_article_capture(view.id, capture_id)
        self.tally.article_ids.append(view.id)
        return [CaptureTarget(url=c.url, role=ROLE_SOURCE, source_id=c.source_id) for c in view.citations]

    def previous(self, url: str) -> PreviousCapture | None:
        latest = self._catalog.latest_capture_for_url(url, responses_only=True)
        if latest is None or latest.payload_digest is None or latest.status is None:
            return None
        return PreviousCapture(
            url=latest.url,
            captured_at=latest.captured_at,
            payload_digest=latest.payload_digest,
            record_id=latest.record_id,
        )

    def has_earlier_capture(self, source_id: int, capture_id: int) -> bool:
        return self._catalog.latest_source_capture(source_id, before_id=capture_id) is not None

    def _reschedule(self, source_id: int) -> None:
        first_seen = self._catalog.source_created_at(source_id)
        now = self._clock()
        self._catalog.schedule(source_id, self._policy.next_due(first_seen=first_seen or now, now=now))
