"""Where the crawl's results go: the catalog, the schedule, and the user's progress display.

The hot path is one straight line: each capture's rows are built in memory when it happens, and
written with the others of its batch in one transaction (`Catalog.record_captures`) every
`BATCH_SIZE` captures, every `CrawlConfig.flush_seconds` (the spider asks), and when the crawl
ends.  The spider does not wait for a capture's id: it gets a `CaptureRef`, links requisites and
the article to it, and the id is filled in when the batch is written.  A capture in a batch that
was never written (the process was killed, the catalog refused it) is still in the WARC files,
whose records the next start puts back into the catalog (`archive.index.reindex`).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from archive.catalog.errors import CatalogError
from archive.catalog.repository import Catalog
from archive.catalog.views import CaptureRecord, CitationRecord, NewCapture, Redirect
from crawler.ingest import ExtractedArticle, extract, kind_for
from crawler.ingest.errors import IngestError
from crawler.model import (
    ROLE_ARTICLE,
    ROLE_PROBE,
    ROLE_SOURCE,
    CaptureRef,
    CaptureResult,
    CaptureTarget,
    PreviousCapture,
)
from scheduler.policy import RevisitPolicy

logger = logging.getLogger(__name__)

# Captures per transaction at most; a batch is also written every CrawlConfig.flush_seconds.
BATCH_SIZE = 100
# Targets looked up together (previous payload, captured before) as the crawl takes them.
PREFETCH = 100


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
        recovered_from=result.recovered.archive if result.recovered else None,
        memento_datetime=result.recovered.memento_datetime if result.recovered else None,
    )


@dataclass
class CrawlTally:
    """Counts for the progress display and the `crawl --json` summary (counts, not lists of every
    capture: a crawl of any size keeps this small)."""

    captured: int = 0
    failed: int = 0
    requisites: int = 0
    articles: int = 0
    # Captures the catalog could not take (refused, or unreachable): their WARC records are kept,
    # and the next start puts them back into the catalog.
    unrecorded: int = 0
    recovered: int = 0  # mementos of sources dead at ingest, from Memento archives (not in ``captured``)
    browser: int = 0  # captured with the browser (`citewatch.browsing`), counted in ``captured`` too
    failed_articles: list[tuple[str, str]] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)
    probes: list[int] = field(default_factory=list)  # soft-404 evidence: at most one per host


@dataclass(eq=False)
class _Held:
    """A capture taken but not written yet."""

    ref: CaptureRef
    record: CaptureRecord
    parent: CaptureRef | None
    scheduled_at: datetime | None
    article_id: int | None = None
    lease: str | None = None


class CatalogSink:
    """Implements the crawler's CaptureSink on top of the catalog, writing captures in batches."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        policy: RevisitPolicy,
        clock: Callable[[], datetime],
        all_links: bool = False,
        on_progress: Callable[[CaptureResult, CrawlTally], None] | None = None,
        batch_size: int = BATCH_SIZE,
        collect_sources: bool = False,
    ) -> None:
        self._catalog = catalog
        self._policy = policy
        self._clock = clock
        self._all_links = all_links
        self._on_progress = on_progress
        self._batch_size = batch_size
        self._held: list[_Held] = []
        # The newest held response of each URL: a re-fetch in the same batch is a revisit of it.
        self._held_responses: dict[str, PreviousCapture | None] = {}
        # Answers read ahead for the targets the crawl is about to fetch (`prefetching`), each
        # used once; a capture written meanwhile updates them.
        self._ahead_previous: dict[str, PreviousCapture | None] = {}
        self._ahead_captured: dict[int, bool] = {}
        self.tally = CrawlTally()
        # The sources captured over HTTP (a worker's round only: a local crawl asks the catalog),
        # for the look at whether they need a browser.
        self.http_sources: set[int] | None = set() if collect_sources else None

    def prefetching(self, targets: Iterable[CaptureTarget]) -> Iterator[CaptureTarget]:
        """The targets, read lazily as before, with what `previous` and `has_earlier_capture`
        will ask of them looked up a hundred at a time: two queries per hundred pages instead
        of one or two per page."""
        pending = iter(targets)
        while batch := list(itertools.islice(pending, PREFETCH)):
            self._read_ahead(batch)
            yield from batch

    def _read_ahead(self, batch: list[CaptureTarget]) -> None:
        urls = sorted({t.url for t in batch} - self._held_responses.keys())
        source_ids = sorted({t.source_id for t in batch if t.source_id is not None})
        try:
            latest = self._catalog.latest_responses_for_urls(urls)
            captured = self._catalog.sources_captured(source_ids)
        except (CatalogError, SQLAlchemyError) as exc:  # each page asks for itself, as without
            logger.debug("could not read ahead for %d targets: %s", len(batch), exc)
            return
        for url in urls:
            self._ahead_previous[url] = _previous(latest[url]) if url in latest else None
        for source_id in source_ids:
            self._ahead_captured[source_id] = source_id in captured

    def on_capture(self, result: CaptureResult) -> CaptureRef:
        record = capture_record(result)
        target = result.target
        ref = CaptureRef(record_id=result.record.record_id if result.record is not None else None)
        scheduled = self._clock() if target.role == ROLE_SOURCE and target.source_id is not None else None
        self._held.append(_Held(ref, record, target.parent, scheduled, lease=target.lease))
        if record.record_type == "response" and record.recovered_from is None:
            # (A memento's payload is the archive's, under another URI: never a live page's revisit.)
            self._held_responses[record.url] = _previous(record)
        if self.http_sources is not None and target.role == ROLE_SOURCE and target.source_id is not None:
            self.http_sources.add(target.source_id)
        self._count(result)
        if len(self._held) >= self._batch_size:
            self.flush()
        return ref

    def _count(self, result: CaptureResult) -> None:
        role = result.target.role
        if role == ROLE_PROBE:
            return
        if role == ROLE_SOURCE and result.recovered is not None:
            self.tally.recovered += 1
        elif role == ROLE_SOURCE:
            if result.ok:
                self.tally.captured += 1
            else:
                self.tally.failed += 1
        elif role == ROLE_ARTICLE:
            self.tally.articles += 1
            if not result.ok or (result.status or 0) >= 400:
                reason = result.error or f"HTTP {result.status}"
                self.tally.failed_articles.append((result.target.url, reason))
        else:
            self.tally.requisites += 1
        if self._on_progress is not None:
            self._on_progress(result, self.tally)

    def on_article(self, result: CaptureResult, capture: CaptureRef, body: bytes) -> list[CaptureTarget]:
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
        held = next((h for h in reversed(self._held) if h.ref is capture), None)
        if held is not None:
            held.article_id = view.id  # linked in the capture's own batch
        elif capture.id is not None:
            self._catalog.set_article_capture(view.id, capture.id)
        self.tally.article_ids.append(view.id)
        return [CaptureTarget(url=c.url, role=ROLE_SOURCE, source_id=c.source_id) for c in view.citations]

    def previous(self, url: str) -> PreviousCapture | None:
        if url in self._held_responses:
            return self._held_responses[url]
        if url in self._ahead_previous:
            return self._ahead_previous.pop(url)
        latest = self._catalog.latest_capture_for_url(url, responses_only=True)
        if latest is None:
            return None
        return _previous(latest)

    def has_earlier_capture(self, source_id: int, capture: CaptureRef) -> bool:
        if capture.id is not None:
            return self._catalog.latest_source_capture(source_id, before_id=capture.id) is not None
        for held in self._held:
            if held.ref is capture:
                break
            if held.record.role == ROLE_SOURCE and held.record.source_id == source_id:
                return True
        # Held, or never written: whatever the catalog has of the source came before it.
        known = self._ahead_captured.pop(source_id, None)
        if known is not None:
            return known
        return self._catalog.latest_source_capture(source_id) is not None

    def on_browser_capture(self, url: str, status: int | None, again: bool = False) -> None:
        """A source the browser captured (``status`` None: it could not): counted and shown like
        the crawl's own captures; ``again``: one this crawl captured over HTTP already (auto mode's
        first look), counted once.  Called from the browser's thread."""
        if status is None:
            self.tally.failed += 1
        else:
            self.tally.captured += 0 if again else 1
            self.tally.browser += 1
        if self._on_progress is not None:
            target = CaptureTarget(url=url)
            self._on_progress(
                CaptureResult(
                    target=target,
                    captured_at=self._clock(),
                    final_url=url,
                    status=status,
                    content_type=None,
                    record=None,
                    error_kind=None if status is not None else "browser",
                    error=None if status is not None else "not captured by the browser",
                ),
                self.tally,
            )

    def flush(self) -> None:
        """Write the held captures in one transaction.  If the catalog refuses one of them, the
        others are written one by one; what cannot be written is counted (`CrawlTally.unrecorded`)
        and left to the next start, which reads it back from the WARC files."""
        if not self._held:
            return
        batch, self._held, self._held_responses = self._held, [], {}
        refused: list[_Held] = []
        try:
            try:
                self._write(batch)
            except CatalogError:
                for held in batch:
                    try:
                        self._write([held])
                    except CatalogError as exc:
                        refused.append(held)
                        self._unrecorded([held], exc)
        except Exception as exc:
            # Unreachable, or locked past the busy timeout: nothing more of this batch is written
            # now.  Anything else is a bug, and goes on up once counted.
            self._unrecorded([h for h in batch if h.ref.id is None and h not in refused], exc)
            if not isinstance(exc, SQLAlchemyError):
                raise

    def _write(self, batch: list[_Held]) -> None:
        position = {id(h.ref): n for n, h in enumerate(batch)}
        entries = []
        for held in batch:
            parent, record = held.parent, held.record
            index = None
            if parent is not None and parent.id is not None:
                record = replace(record, parent_id=parent.id)
            elif parent is not None:
                index = position.get(id(parent))  # None: its own batch was never written
            entries.append(
                NewCapture(
                    capture=record,
                    parent=index,
                    article_id=held.article_id,
                    scheduled_at=held.scheduled_at,
                    lease=held.lease,
                )
            )
        ids = self._catalog.record_captures(entries, next_due=self._next_due)
        for held, capture_id in zip(batch, ids, strict=True):
            held.ref.id = capture_id
            # What was read ahead for these is out of date now.
            self._ahead_previous.pop(held.record.url, None)
            if held.record.source_id is not None and held.record.role == ROLE_SOURCE:
                self._ahead_captured.pop(held.record.source_id, None)
            if held.record.role == ROLE_PROBE:
                self.tally.probes.append(capture_id)

    def _unrecorded(self, batch: list[_Held], error: Exception) -> None:
        self.tally.unrecorded += len(batch)
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        logger.warning(
            "could not write %d capture(s) to the catalog (%s): their WARC records are kept, and the "
            "next start puts them back into the catalog",
            len(batch),
            reason,
        )

    def _next_due(self, first_seen: datetime, now: datetime) -> datetime:
        return self._policy.next_due(first_seen=first_seen, now=now)


def _previous(record: CaptureRecord) -> PreviousCapture | None:
    if record.payload_digest is None or record.status is None:
        return None
    return PreviousCapture(
        url=record.url,
        captured_at=record.captured_at,
        payload_digest=record.payload_digest,
        record_id=record.record_id,
    )
