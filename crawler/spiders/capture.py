"""The capture spider: fetches the targets it is given, nothing else, and reports each outcome.

It does not follow links.  What it fetches besides its targets is bounded: the page requisites
of a captured HTML source (stylesheets, images, scripts; CSS url()s one level down), and the
sources of an article page when the target is an article.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from archive.text.decoding import decode_payload
from archive.text.mediatype import extract_media_type
from archive.warc.exchange import FetchFailure
from archive.warc.note import CaptureNote, NoteHop, NoteMemento
from crawler.config import CrawlConfig
from crawler.failures import classify
from crawler.memento.recovery import MEMENTO_KEY, TIMEGATE_KEY, Asking, MementoRecovery
from crawler.middlewares.warcrecorder import AWAITS_NOTE_KEY, HOPS_KEY, RecordedHop
from crawler.model import (
    ROLE_ARTICLE,
    ROLE_PROBE,
    ROLE_REQUISITE,
    ROLE_SOURCE,
    CaptureRef,
    CaptureResult,
    CaptureSink,
    CaptureTarget,
    Hop,
    PreviousCapture,
    Recovered,
)
from crawler.requisites import css_requisites, html_requisites

TARGET_KEY = "citewatch_target"
# Error statuses are captures too: let them reach the callback. Redirect statuses are left out so
# RedirectMiddleware still follows them; a 3xx it cannot follow arrives through the errback.
HANDLED_STATUSES = [*range(400, 600), 300, 304, 305, 306]
MAX_REQUISITE_DEPTH = 2
_PRIORITY = {ROLE_ARTICLE: 100, ROLE_SOURCE: 10, ROLE_PROBE: 5, ROLE_REQUISITE: 0}


class CaptureSpider(scrapy.Spider):
    name = "citewatch"

    def __init__(
        self,
        *,
        targets: Iterable[CaptureTarget],
        warc_writer: Any,
        sink: CaptureSink,
        config: CrawlConfig,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        recovery: MementoRecovery | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # Memento in: sources dead at their first capture are looked up in Memento archives.
        self.recovery = recovery
        self.targets = targets
        self.warc_writer = warc_writer  # read by WarcRecorderMiddleware
        self.sink = sink
        self.config = config
        self.clock = clock
        self._probed_hosts: set[str] = set()
        # Bound once: Scrapy inspects each callback's source (inspect + ast, ~2 ms) to warn about a
        # generator returning a value, caching the answer per callable in a weak-keyed cache.  A
        # fresh bound method per request falls out of that cache with its request, so the source
        # was parsed again for nearly every response; one long-lived object is parsed once.
        self._on_response = self.parse_capture
        self._on_failure = self.on_error
        self._flusher: AsyncioLoopingCall | LoopingCall | None = None  # made once the reactor runs

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> CaptureSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._internal_error, signal=signals.spider_error)
        crawler.signals.connect(spider._opened, signal=signals.spider_opened)
        crawler.signals.connect(spider._closed, signal=signals.spider_closed)
        return spider

    def _opened(self, spider: scrapy.Spider) -> None:
        # The sink holds captures between batches: a batch is written at least this often.
        self._flusher = create_looping_call(self._flush)
        self._flusher.start(self.config.flush_seconds, now=False)

    def _closed(self, spider: scrapy.Spider, reason: str) -> None:
        if self._flusher is not None and self._flusher.running:
            self._flusher.stop()
        self._flush()  # a graceful stop (SIGTERM) comes here too, before the process exits

    def _flush(self) -> None:
        try:
            self.sink.flush()
        except Exception:  # a LoopingCall stops at its first error: keep writing, count, tell
            self._stat("citewatch/sink_flush_error")
            self.logger.exception("could not write the captures the sink holds")

    def _internal_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        # Scrapy logs these with a traceback that the CLI hides without -v, and goes on: say it in
        # one line (the crawl's caller counts them in spider_exceptions/count and fails the command).
        self.logger.warning(
            "internal error while processing %s: %s: %s (run with -v for the traceback)",
            response.url,
            failure.type.__name__ if failure.type else "error",
            str(failure.value).splitlines()[0] if str(failure.value) else "",
        )

    def previous_capture(self, url: str) -> PreviousCapture | None:
        """Read by WarcRecorderMiddleware: an unchanged payload becomes a revisit record."""
        return self.sink.previous(url)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # One target at a time, when the downloader has room and nothing else waits: the targets
        # (a paged catalog query) are never all in memory, as requests or otherwise.  Without the
        # wait, Scrapy reads start() to the end while the downloader is busy.
        for target in self.targets:
            engine = self.crawler.engine
            if engine is not None and engine.needs_backout():
                await self.crawler.signals.wait_for(signals.scheduler_empty)
            yield self.request_for(target)

    def request_for(self, target: CaptureTarget, *, url: str | None = None) -> scrapy.Request:
        """The request capturing ``target`` (from ``url`` instead of its own: a memento of it)."""
        maxsize = (
            self.config.max_requisite_bytes if target.role == ROLE_REQUISITE else self.config.max_body_bytes
        )
        return scrapy.Request(
            url or target.url,
            callback=self._on_response,
            errback=self._on_failure,
            # A cited source is captured even if another article cites it under the same URL in
            # this crawl; requisites shared by many pages are fetched once.
            dont_filter=target.role != ROLE_REQUISITE,
            priority=_PRIORITY.get(target.role, 0),
            meta={
                TARGET_KEY: target,
                AWAITS_NOTE_KEY: True,  # _note writes it
                "handle_httpstatus_list": HANDLED_STATUSES,
                "download_maxsize": maxsize,
            },
        )

    def parse_capture(self, response: Response) -> Iterator[scrapy.Request]:
        target: CaptureTarget = response.meta[TARGET_KEY]
        hops: list[RecordedHop] = response.meta.get(HOPS_KEY, [])
        if not hops:  # the recorder did not see it: nothing archived, so nothing to report
            self._stat("citewatch/unrecorded_response")
            return
        final = hops[-1]
        recovered = response.meta.get(MEMENTO_KEY)
        if recovered is not None:  # a memento of a dead source, dated by the archive's answer
            recovered = MementoRecovery.fetched(recovered, final.header("Memento-Datetime"), response.url)
        result = CaptureResult(
            target=target,
            captured_at=final.fetched_at,
            final_url=response.url,
            status=response.status,
            content_type=final.header("Content-Type"),
            record=final.record,
            redirects=_redirects(hops[:-1]),
            body_length=final.raw_length,
            recovered=recovered,
        )
        capture = self.sink.on_capture(result)
        self._note(result)
        self._took(result)
        self._stat(f"citewatch/captured/{target.role}")
        if recovered is not None:
            self._stat("citewatch/memento/recovered")
            # An archived page's links point into the archive or at the dead site: no requisites,
            # no probe; and an archive's error ends this archive's turn.
            if not 200 <= response.status < 300:
                yield from self._ask_next(response.meta.get(TIMEGATE_KEY))
            return
        yield from self._recover(result, capture, response.body)
        if target.role == ROLE_ARTICLE and 200 <= response.status < 300:
            for source in self.sink.on_article(result, capture, response.body):
                yield self.request_for(source)
        yield from self._probe(target, result, capture)
        yield from self._requisites(target, capture, response)

    def _probe(
        self, target: CaptureTarget, result: CaptureResult, capture: CaptureRef
    ) -> Iterator[scrapy.Request]:
        """Fetch a random non-existent URL on the host, once per crawl, when a known source now
        answers 2xx with a new payload or from another URL: that is when a soft 404 (a "not
        found" page served with 200) or a redirect to a generic page must be told from an edit."""
        if target.role != ROLE_SOURCE or result.status is None or not 200 <= result.status < 300:
            return
        if result.record is None or result.record.record_type != "response":
            return  # a revisit: the payload is unchanged
        redirected = bool(result.redirects)
        if target.source_id is None:
            return
        if not redirected and not self.sink.has_earlier_capture(target.source_id, capture):
            return  # a first capture has nothing to compare with
        parts = urlsplit(result.final_url if redirected else target.url)
        if parts.netloc in self._probed_hosts:
            return
        self._probed_hosts.add(parts.netloc)
        probe = f"{parts.scheme}://{parts.netloc}/citewatch-probe-{secrets.token_hex(8)}"
        yield self.request_for(
            CaptureTarget(url=probe, role=ROLE_PROBE, source_id=target.source_id, source_url=target.url)
        )

    def _requisites(
        self, target: CaptureTarget, capture: CaptureRef, response: Response
    ) -> Iterator[scrapy.Request]:
        if not self.config.requisites or not isinstance(response, TextResponse) or response.status >= 400:
            return
        if target.role == ROLE_REQUISITE and target.depth >= MAX_REQUISITE_DEPTH:
            return
        # As a browser reads the type ("text/plain, text/html" is HTML), and not response.text:
        # Scrapy decodes by any codec Python knows and `charset=rot13` makes that raise, while
        # decode_payload reads charset labels as browsers do.
        parsed = extract_media_type(v.decode("latin-1") for v in response.headers.getlist("Content-Type"))
        essence = parsed.essence if parsed is not None else ""
        content_type = parsed.serialise() if parsed is not None else None
        if "html" in essence and target.role != ROLE_REQUISITE:
            text = decode_payload(response.body, content_type, markup=True)
            urls = html_requisites(text, response.url, self.config.max_requisites)
        elif "css" in essence:
            text = decode_payload(response.body, content_type)
            urls = css_requisites(text, response.url, self.config.max_requisites)
        else:
            return
        parent = capture if target.role != ROLE_REQUISITE else target.parent
        for url in urls:
            yield self.request_for(
                CaptureTarget(url=url, role=ROLE_REQUISITE, parent=parent, depth=target.depth + 1)
            )

    def on_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        if isinstance(failure.value, HttpError):
            # A status we did not list (e.g. a 3xx without Location): still a capture.
            yield from self.parse_capture(failure.value.response)
            return
        request = failure.request  # type: ignore[attr-defined]
        if MEMENTO_KEY in request.meta:  # the archive did not hand over its memento: nothing kept
            self._stat("citewatch/memento/fetch_error")
            self.logger.warning("could not fetch the memento %s: %s", request.url, failure.getErrorMessage())
            yield from self._ask_next(request.meta.get(TIMEGATE_KEY))
            return
        target: CaptureTarget = request.meta[TARGET_KEY]
        host = urlsplit(request.url).hostname or ""
        info = classify(failure, _refused_hosts(), host)
        now = self.clock()
        record = self.warc_writer.write_failure(
            FetchFailure(url=request.url, error_kind=info.kind, message=info.message, fetched_at=now),
            awaits_note=True,  # _note writes it
        )
        result = CaptureResult(
            target=target,
            captured_at=now,
            final_url=request.url,
            status=None,
            content_type=None,
            record=record,
            redirects=_redirects(request.meta.get(HOPS_KEY, [])),
            error_kind=info.kind,
            error=info.message,
        )
        capture = self.sink.on_capture(result)
        self._note(result)
        self._took(result)
        self._stat(f"citewatch/failed/{info.kind}")
        yield from self._recover(result, capture, b"")

    # -- Memento in (crawler.memento.recovery) ------------------------------------------------

    def _recover(self, result: CaptureResult, capture: CaptureRef, body: bytes) -> Iterator[scrapy.Request]:
        """Ask the Memento archives for a source found dead at its first capture."""
        target = result.target
        if self.recovery is None or not self.recovery.archives:
            return
        if target.role != ROLE_SOURCE or target.source_id is None:
            return
        if not self.recovery.may_be_dead(result):
            return
        if self.sink.has_earlier_capture(target.source_id, capture):
            return  # dead now, but it was captured before: that is a deletion, not a hole
        if not self.recovery.is_dead(result, body):  # reads a 200's text: only for a first capture
            return
        self._stat("citewatch/memento/asked")
        yield self._timegate_request(self.recovery.first_asking(target, self.clock()))

    def _timegate_request(self, asking: Asking) -> scrapy.Request:
        assert self.recovery is not None
        return self.recovery.timegate_request(
            asking, callback=self._on_timegate, errback=self._on_timegate_error
        )

    def _on_timegate(self, response: Response) -> Iterator[scrapy.Request]:
        asking: Asking = response.meta[TIMEGATE_KEY]
        assert self.recovery is not None
        found = self.recovery.answered(asking, response)
        if found is None:
            self._stat("citewatch/memento/none")
            yield from self._ask_next(asking)
            return
        url, recovered = found
        request = self.request_for(asking.target, url=url)
        request.meta[MEMENTO_KEY] = recovered
        request.meta[TIMEGATE_KEY] = asking
        yield request

    def _on_timegate_error(self, failure: Failure) -> Iterator[scrapy.Request]:
        request = failure.request  # type: ignore[attr-defined]
        asking: Asking = request.meta[TIMEGATE_KEY]
        self._stat("citewatch/memento/timegate_error")
        self.logger.warning(
            "could not ask %s for %s: %s",
            asking.archives[0].name,
            asking.target.url,
            str(failure.value).splitlines()[0] if str(failure.value) else type(failure.value).__name__,
        )
        yield from self._ask_next(asking)

    def _ask_next(self, asking: Asking | None) -> Iterator[scrapy.Request]:
        following = MementoRecovery.next_asking(asking) if asking is not None else None
        if following is not None:
            yield self._timegate_request(following)

    def _took(self, result: CaptureResult) -> None:
        """A target's capture is in the sink (a worker's lease on it is done with)."""

    def _note(self, result: CaptureResult) -> None:
        """Write the capture's note (archive.warc.note): what it was, for a reindex to read back.

        Not fsynced: it survives a killed process as it is, and the next record's sync makes it
        durable; lost in a power cut, the reindex of its record falls back to what the record
        says.  A note that cannot be written costs the capture nothing (it is in the catalog)."""
        record, target = result.record, result.target
        if record is None:
            return
        note = CaptureNote(
            role=target.role,
            target=target.url,
            source=target.source_url or (target.url if target.role == ROLE_SOURCE else None),
            redirects=tuple(
                NoteHop(h.record.record_id, h.status, h.url) for h in result.redirects if h.record is not None
            ),
            parent=target.parent.record_id if target.parent is not None else None,
            article=target.url if target.role == ROLE_ARTICLE else None,
            body_length=result.body_length,
            memento=_note_memento(result.recovered),
        )
        try:
            self.warc_writer.write_metadata(
                result.final_url,
                record.record_id,
                note.fields(),
                sync=False,
                describes=[hop.record_id for hop in note.redirects],
            )
        except OSError:
            self._stat("citewatch/warc_note_error")
            self.logger.warning("could not write the capture note of %s", result.final_url, exc_info=True)

    def _stat(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


def _redirects(hops: list[RecordedHop]) -> tuple[Hop, ...]:
    return tuple(
        Hop(url=h.url, status=h.status, location=h.header("Location") or "", record=h.record) for h in hops
    )


def _note_memento(recovered: Recovered | None) -> NoteMemento | None:
    if recovered is None:
        return None
    moment = recovered.memento_datetime
    return NoteMemento(
        archive=recovered.archive,
        timegate=recovered.timegate,
        uri_m=recovered.uri_m,
        raw=recovered.raw,
        memento_datetime=format_datetime(moment, usegmt=True) if moment is not None else None,
        link=recovered.link,
    )


def _refused_hosts() -> dict[str, str]:
    """Hosts the guarded resolver refused in this process (it is installed on the reactor)."""
    from twisted.internet import reactor

    refused = getattr(getattr(reactor, "nameResolver", None), "refused", None)
    return refused if isinstance(refused, dict) else {}
