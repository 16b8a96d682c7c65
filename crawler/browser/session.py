"""A browser-capture session: the warcprox sidecar and one Chromium, and what a kept capture becomes.

`BrowserSession.visit` loads a page (`BrowserCapturer.capture`); `keep` then copies the page's
records out of the sidecar's WARC into the crawl's own WARC, byte for byte (`WarcWriter.copy_records`:
raw payloads, digests and record ids unchanged), and writes the evidence beside them (screenshot,
rendered DOM and text, how it was captured).  A visit that is not kept (auto mode's first look
at a page that turned out not to need a browser) leaves nothing in the crawl's WARC.  The
sidecar's own files are scratch, removed when the session ends.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import urldefrag, urljoin

from archive.warc.exchange import WrittenRecord
from archive.warc.reader import read_record
from archive.warc.writer import WarcWriter
from crawler.browser.capture import BrowserCapturer, BrowserLimits, BrowserResult
from crawler.browser.evidence import EvidenceError, EvidenceRecords, write_evidence
from crawler.browser.recorder import RecordEntry, WarcproxSidecar


@dataclass(frozen=True)
class CopiedResponse:
    """A response record of the page (its document, a script, an XHR...) in the crawl's WARC."""

    url: str
    status: int | None
    content_type: str | None
    record: WrittenRecord
    fetched_at: datetime | None  # the record's WARC-Date: when the recorder had the response
    body_length: int  # the payload as received (still content-encoded)
    location: str | None = None  # a redirect's Location header


@dataclass(frozen=True)
class BrowserCapture:
    """A kept browser capture: ``document`` is the page's final response in the crawl's WARC
    (None when the page never answered: ``error`` says why); ``resources`` every other response
    the page loaded; ``evidence`` the screenshot, DOM, text and metadata records."""

    result: BrowserResult
    captured_at: datetime
    document: CopiedResponse | None
    resources: tuple[CopiedResponse, ...]
    evidence: EvidenceRecords | None
    error: str | None = None
    redirects: tuple[CopiedResponse, ...] = ()  # the 3xx hops from the URL asked for to the document


class BrowserSession:
    """The sidecar and the browser for one crawl, writing kept captures with ``writer``.

    ``work_dir`` holds the sidecar's scratch WARCs and its CA; the WARCs are deleted on close.
    """

    def __init__(
        self,
        writer: WarcWriter,
        work_dir: Path,
        *,
        limits: BrowserLimits | None = None,
        allow_private: bool = False,
        allow_addresses: tuple[str, ...] = (),
        user_agent: str | None = None,
        executable: str | None = None,
    ) -> None:
        self.writer = writer
        self.work_dir = Path(work_dir)
        self.sidecar = WarcproxSidecar(
            self.work_dir / "warcs",
            self.work_dir / "state",
            allow_private=allow_private,
            allow_addresses=allow_addresses,
        )
        limits = limits or BrowserLimits()
        self.sidecar.max_resource_size = limits.max_bytes
        self.capturer = BrowserCapturer(
            self.sidecar, limits=limits, user_agent=user_agent, executable=executable
        )
        self._recorder_version: str | None = None

    def __enter__(self) -> BrowserSession:
        shutil.rmtree(self.work_dir / "warcs", ignore_errors=True)  # a killed run's scratch
        self.sidecar.start()
        try:
            self.capturer.start()
            self._recorder_version = self.sidecar.version()
        except BaseException:
            self.sidecar.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.capturer.close()
        finally:
            # Every record kept was copied out: the sidecar's files are thrown away, so it need
            # not close them first.
            self.sidecar.stop(graceful=False)
            shutil.rmtree(self.work_dir / "warcs", ignore_errors=True)

    @property
    def alive(self) -> bool:
        """Whether the browser still runs (after a crash the session is to be started again)."""
        return self.capturer.connected

    @property
    def browser_version(self) -> str:
        return self.capturer.browser_version

    def visit(self, url: str, *, page_id: str | None = None) -> BrowserResult:
        """Load ``url`` and keep what the reader saw (not written to the crawl's WARC yet)."""
        return self.capturer.capture(url, page_id=page_id)

    def discard(self, result: BrowserResult) -> None:
        self.sidecar.forget(result.page_id)

    def keep(self, result: BrowserResult, *, captured_at: datetime | None = None) -> BrowserCapture:
        """Copy the visit's records into the crawl's WARC and write its evidence beside them."""
        at = captured_at or datetime.now(UTC)
        # Only what the page fetched: warcprox's record-writing verbs are refused (sidecar_main),
        # and anything else it wrote is not the page's.
        entries = [e for e in result.records if e.warc_type in ("request", "response")]
        members = [self.sidecar.read_member(entry) for entry in entries]
        written = self.writer.copy_records(members)
        self.sidecar.forget(result.page_id)
        responses = [
            _response(entry, member, record)
            for entry, member, record in zip(entries, members, written, strict=True)
            if entry.warc_type == "response"
        ]
        document = next((r for r in responses if r.record.record_id == result.document_record_id), None)
        redirects = _redirect_chain(result.url, document, responses)
        hops = {id(r) for r in redirects}
        resources = tuple(r for r in responses if r is not document and id(r) not in hops)
        try:
            assert self._recorder_version is not None
            evidence = write_evidence(self.writer, result, recorder_version=self._recorder_version)
        except EvidenceError as error:
            self.writer.sync()
            return BrowserCapture(result, at, None, resources, None, str(error), redirects)
        self.writer.sync()
        return BrowserCapture(result, at, document, resources, evidence, None, redirects)


def _response(entry: RecordEntry, member: bytes, record: WrittenRecord) -> CopiedResponse:
    archived = read_record(member)
    return CopiedResponse(
        entry.url,
        archived.http_status,
        archived.http_header("Content-Type"),
        record,
        archived.date,
        len(archived.raw_payload),
        archived.http_header("Location"),
    )


MAX_HOPS = 30


def _redirect_chain(
    url: str, document: CopiedResponse | None, responses: list[CopiedResponse]
) -> tuple[CopiedResponse, ...]:
    """The redirect hops that led from ``url`` to the document, in order (as an HTTP capture lists
    them), followed by their Location headers through the page's responses."""
    if document is None:
        return ()
    by_url = {r.url: r for r in responses if r.status is not None and 300 <= r.status < 400 and r.location}
    chain: list[CopiedResponse] = []
    current = urldefrag(url).url
    while current != document.url and current in by_url and len(chain) < MAX_HOPS:
        hop = by_url[current]
        if hop in chain:
            break
        chain.append(hop)
        current = urldefrag(urljoin(hop.url, hop.location or "")).url
    return tuple(chain) if current == document.url else ()
