"""Browser captures beside a crawl: the sources that need JavaScript, captured with Chromium.

A `BrowserPhase` runs in its own thread next to the HTTP crawl (Scrapy keeps the main thread and
its reactor; a page that hangs its renderer cannot stall it).  It gets work two ways:

* `route` sits between the crawl's targets and Scrapy: a source whose effective mode is
  ``browser`` is captured by the browser instead, as soon as the crawl reaches it;
* `check_new` runs after the HTTP crawl: auto sources captured in it whose mode is not decided
  yet (or was decided ``http`` long ago) are looked at (`crawler.browser.need.http_signs`), and
  the candidates visited once with the browser; a visit that rendered much more text than HTTP
  gave makes the source ``browser`` (decision and reason recorded) and becomes its first browser
  capture.  A server-rendered page is never visited: it costs no browser time.

The browser starts on the first job, so a crawl with no browser work never launches it.  Without
Chromium (or warcprox's venv), auto sources are captured over HTTP with one warning per crawl,
and sources forced to ``browser`` get a capture record saying why they were not captured.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.catalog.views import CaptureRecord, EvidenceRecord, NewCapture, Redirect, SourceMode
from archive.warc.exchange import FetchFailure
from archive.warc.note import CaptureNote, NoteHop
from archive.warc.writer import WarcWriter
from citewatch.coordination import stop_requested
from crawler.browser.errors import BrowserMissing, RecorderError, RecorderMissing
from crawler.config import MB
from crawler.model import ROLE_SOURCE, CaptureTarget

if TYPE_CHECKING:
    from citewatch.app import App
    from crawler.browser.capture import BrowserResult
    from crawler.browser.need import Signs
    from crawler.browser.session import BrowserCapture, BrowserSession, CopiedResponse

logger = logging.getLogger(__name__)

# Targets whose modes are looked up together (one catalog read).
ROUTE_CHUNK = 100
# error_kind of a browser capture record: no browser here, or ours failed (neither says anything
# about the site, so neither counts toward "unreachable"); the page itself never answered (it does).
NO_BROWSER = "no-browser"
BROWSER_ERROR = "browser-error"
BROWSER_FAILED = "browser"
# Browser jobs a worker lets wait (`divert`): a capture takes seconds, a lease minutes.
WORKER_BACKLOG = 4
# How long the first browser job waits for the browser to start (or fail to).
START_TIMEOUT_SECONDS = 120.0
NOT_AVAILABLE = "the browser is not available"


@dataclass(frozen=True)
class _Job:
    target: CaptureTarget
    signs: Signs | None = None  # set for a first look (auto mode): the HTTP capture's signs
    recheck: bool = False  # a browser source whose decision is stale: see if HTTP would do now


@dataclass
class BrowserTally:
    """What the browser did in one crawl."""

    captured: int = 0
    failed: int = 0
    checked: int = 0
    switched: int = 0  # auto sources found to need the browser
    not_captured: int = 0  # browser sources left without a capture (no browser)
    warnings: list[str] = field(default_factory=list)


class BrowserPhase:
    """The browser work of one crawl, in one thread; `finish` waits for it."""

    def __init__(
        self, app: App, *, on_capture: Callable[[str, int | None, bool], None] | None = None
    ) -> None:
        self._app = app
        self._catalog = app.catalog
        self._settings = app.settings
        self._on_capture = on_capture
        self.tally = BrowserTally()
        self._missing = self._unavailable()
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._writer: WarcWriter | None = None
        self._lock = threading.Lock()  # the thread's start
        self._write_lock = threading.Lock()  # the browser WARC: written by the thread and by `route`
        self._ready = threading.Event()  # the browser is up, or could not start (`_missing` says)
        self._stop = threading.Event()  # the crawl was interrupted: no more pages

    @property
    def busy(self) -> bool:
        """Whether the phase has work (or did some) in this crawl."""
        return self._thread is not None or self.tally.not_captured > 0

    # -- feeding -------------------------------------------------------------------------------

    def route(self, targets: Iterator[CaptureTarget]) -> Iterator[CaptureTarget]:
        """The targets Scrapy should fetch; browser sources are taken out and captured here."""
        while chunk := list(islice(targets, ROUTE_CHUNK)):
            ids = [t.source_id for t in chunk if t.role == ROLE_SOURCE and t.source_id is not None]
            modes = self._catalog.source_modes(ids) if ids else {}
            for target in chunk:
                mode = modes.get(target.source_id or 0)
                if mode is None or mode.effective != "browser":
                    yield target
                elif self._started():
                    self._jobs.put(_Job(target, recheck=self._stale(mode)))
                elif mode.mode == "auto":
                    self._warn_missing()
                    yield target  # captured over HTTP, as before it needed a browser
                else:
                    self._warn_missing()
                    self._not_captured(target, self._missing or NOT_AVAILABLE)

    def divert(self, target: CaptureTarget) -> bool | None:
        """For a worker (scale-out): take ``target`` if it needs the browser (True: it will be
        captured, or recorded as not captured, here; False: Scrapy fetches it; None: it needs the
        browser, whose line is full: give it back)."""
        if target.role != ROLE_SOURCE or target.source_id is None:
            return False
        mode = self._catalog.source_modes([target.source_id]).get(target.source_id)
        if mode is None or mode.effective != "browser":
            return False
        if self._started():
            if self.full():
                return None
            self._jobs.put(_Job(target, recheck=self._stale(mode)))
            return True
        self._warn_missing()
        if mode.mode == "auto":
            return False
        self._not_captured(target, self._missing or NOT_AVAILABLE)
        return True

    def full(self) -> bool:
        """Whether a worker's browser line is full (`divert` takes no more)."""
        return self._jobs.qsize() >= WORKER_BACKLOG

    def check_new(self, captured_since: datetime, *, only: set[int] | None = None) -> None:
        """Look at the auto sources this crawl captured over HTTP and whose mode is undecided
        (``only``: just these sources, the ones this worker captured; other workers look at
        theirs)."""
        stale_before = self._app.clock() - timedelta(days=self._settings.mode_recheck_days)
        chunks: list[list[int] | None] = [None]  # every source captured since, paged by id
        if only is not None:
            ids = sorted(only)
            chunks = [ids[n : n + ROUTE_CHUNK] for n in range(0, len(ids), ROUTE_CHUNK)]
        for chunk in chunks:
            after = 0
            while sources := self._catalog.sources_to_check(
                captured_since=captured_since, stale_before=stale_before, after_id=after, source_ids=chunk
            ):
                after = sources[-1].source_id
                for source in sources:
                    if self._stopping():
                        return
                    self._check(source)

    def _check(self, source: SourceMode) -> None:
        from crawler.browser.need import http_signs

        capture = self._catalog.latest_source_capture(source.source_id)
        if capture is None or capture.mode != "http" or capture.status is None:
            return
        if capture.recovered_from is not None:
            return  # a memento from an archive (Memento in): the next live capture is looked at
        try:
            payload = self._app.read_payload(capture)
        except Exception as error:  # an unreadable record: checked again by a later crawl
            logger.warning("cannot read %s to see whether it needs a browser: %s", source.url, error)
            return
        signs = http_signs(payload, capture.content_type, url=capture.final_url or capture.url)
        if not signs.candidate:
            self._catalog.record_mode_decision(source.source_id, "http", signs.reason)
            return
        if not self._started():
            self._warn_missing()  # left undecided: checked again once a browser is there
            return
        self._jobs.put(_Job(CaptureTarget(url=source.url, source_id=source.source_id), signs=signs))

    def _started(self) -> bool:
        """Start the browser's thread if it is not running, and wait until the browser is up:
        whether it is (False: `_missing` says why not, and the caller falls back)."""
        if self._missing is not None:
            return False
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="citewatch-browser", daemon=True)
                self._thread.start()
        self._ready.wait(START_TIMEOUT_SECONDS)
        return self._missing is None and self._ready.is_set()

    def finish(self, *, interrupted: bool = False) -> BrowserTally:
        """Wait for every job (``interrupted``: only the page in hand; the others are left due, a
        worker's leases given back); close this crawl's browser WARC."""
        if interrupted:
            self._stop.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            self._jobs.put(None)
            thread.join()
        self._drain()  # what was queued after the thread ended
        if self._writer is not None:
            self._writer.close()
        return self.tally

    # -- the thread ----------------------------------------------------------------------------

    def _work(self) -> None:
        session: BrowserSession | None = None
        try:
            while not self._stopping():
                if session is None:
                    session = self._open_session()
                    self._ready.set()
                    if session is None:
                        return  # `_missing` says why; what is queued is drained below
                job = self._jobs.get()
                if job is None or self._stopping():
                    if job is not None:
                        self._leave(job)
                    return
                self._run_job(session, job)
                if not session.alive:
                    logger.warning("the browser died during a capture; starting it again")
                    _close_quietly(session)
                    session = None
        finally:
            if session is not None:
                _close_quietly(session)
            self._ready.set()
            self._drain()

    def _stopping(self) -> bool:
        return self._stop.is_set() or stop_requested.is_set()

    def _open_session(self) -> BrowserSession | None:
        from crawler.browser.capture import BrowserLimits
        from crawler.browser.session import BrowserSession

        s = self._settings
        limits = BrowserLimits(
            total_seconds=s.browser_timeout_seconds,
            load_seconds=min(15.0, s.browser_timeout_seconds),
            max_resources=s.browser_max_resources,
            max_bytes=int(s.browser_max_mb * MB),
        )
        allow_private = s.allow_private if s.browser_allow_private is None else s.browser_allow_private
        with self._write_lock:
            writer = self._browser_writer()
        session = BrowserSession(
            writer,
            self._settings.home_dir / "browser" / (self._app.worker_id or "local"),
            limits=limits,
            allow_private=allow_private,
            allow_addresses=tuple(s.browser_allow_addresses),
            executable=self._settings.chromium,
        )
        try:
            return session.__enter__()
        except (BrowserMissing, RecorderError) as error:
            self._missing = str(error)
        except Exception as error:  # Playwright failing to launch Chromium, most likely
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self._missing = (
                f"Chromium would not start ({first}); check that `chromium --headless --version` runs, "
                "or set CITEWATCH_CHROMIUM to a working Chromium"
            )
        self._warn_missing()
        return None

    def _drain(self) -> None:
        """Leave every job still queued (never blocks)."""
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                self._leave(job)

    def _leave(self, job: _Job) -> None:
        """A job that will not run: a first look is simply not made (the source stays undecided);
        a capture, after an interruption, is left due (a worker's lease given back), and without a
        working browser is recorded as not captured."""
        if job.signs is not None:
            return
        if self._stopping():
            if job.target.lease is not None and self._app.worker_id is not None:
                with contextlib.suppress(Exception):  # it expires by itself otherwise
                    self._catalog.release_leases([job.target.lease], owner=self._app.worker_id)
            return
        self._not_captured(job.target, self._missing or "the browser stopped", kind=NO_BROWSER)

    def _run_job(self, session: BrowserSession, job: _Job) -> None:
        from crawler.browser.need import decide, rendered_words

        target = job.target
        try:
            result = session.visit(target.url, page_id=f"capture-{uuid.uuid4().hex}")
            if job.signs is not None:
                self.tally.checked += 1
                if not _complete(result):
                    # A visit that failed or was cut short says nothing about what the page
                    # needs: the source stays undecided, and is looked at again next time.
                    session.discard(result)
                    logger.info("could not look at %s with the browser: %s", target.url, result.notes)
                    return
                words = rendered_words(result.dom, url=result.final_url)
                mode, reason = decide(job.signs, words)
                self._catalog.record_mode_decision(target.source_id or 0, mode, reason)
                if mode != "browser":
                    session.discard(result)
                    return
                self.tally.switched += 1
                logger.info("%s needs a browser: %s", target.url, reason)
            with self._write_lock:
                captured = session.keep(result, captured_at=self._app.clock())
                self._write_notes(target, captured)
            self._record(target, captured, first_look=job.signs is not None)
            if job.recheck:
                self._recheck(target, captured)
        except Exception as error:  # one page, whatever went wrong on our side: the others go on
            logger.warning("browser capture of %s failed: %s", target.url, error)
            self.tally.failed += 1
            if job.signs is None:
                self._not_captured(target, f"the browser capture failed: {error}", kind=BROWSER_ERROR)

    def _record(self, target: CaptureTarget, captured: BrowserCapture, *, first_look: bool) -> None:
        result = captured.result
        document = captured.document
        if document is None:
            self._not_captured(
                target, captured.error or "the page never answered", kind=BROWSER_FAILED, result=result
            )
            return
        assert captured.evidence is not None
        capture = _response_capture(
            document,
            captured.captured_at,
            role=ROLE_SOURCE,
            url=target.url,
            source_id=target.source_id,
            final_url=result.final_url,
            redirects=tuple(
                Redirect(
                    url=hop.url,
                    status=hop.status or 0,
                    warc_name=hop.record.warc_name,
                    offset=hop.record.offset,
                    length=hop.record.length,
                    record_id=hop.record.record_id,
                )
                for hop in captured.redirects
            ),
        )
        # The page's other responses are its requisites: replay finds them by URL.
        requisites = [
            NewCapture(
                capture=_response_capture(
                    r, captured.captured_at, role="requisite", url=r.url, final_url=r.url
                ),
                parent=0,
            )
            for r in captured.resources
        ]
        # A first look happens in the crawl that captured the page over HTTP: that capture set
        # the schedule already.
        scheduled = None if first_look else captured.captured_at
        assert self._writer is not None
        for written in captured.evidence.written.values():
            self._catalog.register_warc(written.record.warc_name)
        evidence = tuple(
            EvidenceRecord(
                kind=kind,
                content_type=w.content_type,
                warc_name=w.record.warc_name,
                offset=w.record.offset,
                length=w.record.length,
                record_id=w.record.record_id,
                digest=w.sha256,
                size=w.size,
                width=w.width,
                height=w.height,
            )
            for kind, w in captured.evidence.written.items()
        )
        # One transaction: the page, its requisites and its evidence, and their log entry.
        self._catalog.record_captures(
            [
                NewCapture(capture=capture, scheduled_at=scheduled, lease=target.lease, evidence=evidence),
                *requisites,
            ],
            next_due=self._app.next_due,
        )
        self.tally.captured += 1
        if self._on_capture is not None:
            self._on_capture(target.url, document.status, first_look)

    def _write_notes(self, target: CaptureTarget, captured: BrowserCapture) -> None:
        """The capture notes of the page and of each response it loaded: what each record is, so
        that `citewatch reindex` puts them back as this crawl records them (source, requisites of
        it, made by the browser), evidence included."""
        document, writer = captured.document, self._writer
        if document is None or writer is None:
            return
        page = document.record.record_id
        hops = tuple(NoteHop(h.record.record_id, h.status or 0, h.url) for h in captured.redirects)
        source = CaptureNote(
            role=ROLE_SOURCE, target=target.url, source=target.url, redirects=hops, mode="browser"
        )
        notes = [(document, source)]
        notes += [
            (r, CaptureNote(role="requisite", target=r.url, parent=page, mode="browser"))
            for r in captured.resources
        ]
        for response, note in notes:
            writer.write_metadata(response.url, response.record.record_id, note.fields(), sync=False)
        writer.sync()

    def _recheck(self, target: CaptureTarget, captured: BrowserCapture) -> None:
        """A browser source checked long ago: would its HTTP response do now?"""
        from crawler.browser.need import decide, http_signs, rendered_words

        document = captured.document
        if document is None:
            return
        record_id = document.record.record_id
        capture_id = self._catalog.captures_for_records([record_id]).get(record_id)
        capture = self._catalog.get_capture(capture_id) if capture_id is not None else None
        if capture is None:
            return
        signs = http_signs(
            self._app.read_payload(capture, rendered=False), document.content_type, url=target.url
        )
        mode, reason = decide(signs, rendered_words(captured.result.dom, url=target.url))
        self._catalog.record_mode_decision(target.source_id or 0, mode, reason)

    def _not_captured(
        self,
        target: CaptureTarget,
        reason: str,
        *,
        kind: str = NO_BROWSER,
        result: BrowserResult | None = None,
    ) -> None:
        """A browser source left without a capture: a capture record (a WARC metadata record and its
        catalog row) says why, so it is never silently skipped."""
        now = self._app.clock()
        with self._write_lock:
            writer = self._browser_writer()
            written = writer.write_failure(FetchFailure(target.url, kind, reason, now))
            note = CaptureNote(role=ROLE_SOURCE, target=target.url, source=target.url, mode="browser")
            writer.write_metadata(target.url, written.record_id, note.fields(), sync=False)
            writer.sync()
        self._catalog.record_captures(
            [
                NewCapture(
                    capture=CaptureRecord(
                        role=ROLE_SOURCE,
                        url=target.url,
                        captured_at=now,
                        record_type="metadata",
                        source_id=target.source_id,
                        warc_name=written.warc_name,
                        offset=written.offset,
                        length=written.length,
                        record_id=written.record_id,
                        error_kind=kind,
                        error=reason,
                        status=result.status if result is not None else None,
                        mode="browser",
                    ),
                    scheduled_at=now,
                    lease=target.lease,
                )
            ],
            next_due=self._app.next_due,
        )
        self.tally.not_captured += 1
        if self._on_capture is not None:
            self._on_capture(target.url, None, False)

    # -- set-up --------------------------------------------------------------------------------

    def _browser_writer(self) -> WarcWriter:
        if self._writer is None:
            self._writer = self._app.warc_writer(suffix="browser")
        return self._writer

    def _unavailable(self) -> str | None:
        """Why no browser capture can run here (None: it can), checked without starting anything."""
        from crawler.browser.recorder import DEFAULT_PYTHON

        executable = self._settings.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
        if executable is None or not Path(executable).exists():
            return str(BrowserMissing())
        if not DEFAULT_PYTHON.exists():
            return str(RecorderMissing(str(DEFAULT_PYTHON)))
        return None

    def _stale(self, mode: SourceMode) -> bool:
        if mode.mode != "auto" or mode.checked_at is None:
            return False
        return mode.checked_at < self._app.clock() - timedelta(days=self._settings.mode_recheck_days)

    def _warn_missing(self) -> None:
        if self.tally.warnings:
            return  # one warning per crawl
        message = (
            f"{self._missing}; sources that need a browser are captured over HTTP this time "
            "(those set to `citewatch mode URL browser` are recorded as not captured)"
        )
        self.tally.warnings.append(message)
        logger.warning("%s", message)


def _response_capture(response: CopiedResponse, captured_at: datetime, **fields: Any) -> CaptureRecord:
    """A response the browser's page loaded, as its catalog row (``fields``: role, URLs, source):
    dated when its record says it was fetched (what a reindex reads back), else ``captured_at``."""
    record = response.record
    return CaptureRecord(
        captured_at=response.fetched_at or captured_at,
        status=response.status,
        content_type=response.content_type,
        payload_digest=record.payload_digest,
        warc_name=record.warc_name,
        offset=record.offset,
        length=record.length,
        record_id=record.record_id,
        body_length=response.body_length,
        mode="browser",
        **fields,
    )


def _complete(result: BrowserResult) -> bool:
    """Whether a visit rendered the page fully enough to judge what it needs."""
    return (
        result.status is not None
        and 200 <= result.status < 300
        and result.dom is not None
        and not result.timed_out
    )


def _close_quietly(session: BrowserSession) -> None:
    try:
        session.__exit__(None, None, None)
    except Exception as error:  # a dead browser may not close cleanly; its processes are gone
        logger.warning("closing the browser: %s", error)
