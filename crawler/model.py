"""What a crawl is asked to capture, and what it reports back: plain data, no Scrapy types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from archive.warc.exchange import WrittenRecord

ROLE_SOURCE = "source"
ROLE_REQUISITE = "requisite"
ROLE_ARTICLE = "article"
ROLE_PROBE = "probe"  # a random non-existent URL on a source's host, fetched to recognise soft 404s


class CaptureRef:
    """A capture the sink has taken, before it is written: the sink writes captures in batches,
    so the spider links requisites and articles to this handle, and ``id`` (the catalog's) is
    filled in when the capture's batch is written."""

    __slots__ = ("id", "record_id")

    def __init__(self, capture_id: int | None = None, record_id: str | None = None) -> None:
        self.id = capture_id
        # The WARC-Record-ID of the capture's record: its requisites' notes name it as their page
        # (archive.warc.note), so a reindex can link them without the catalog.
        self.record_id = record_id

    def __repr__(self) -> str:
        return f"CaptureRef({self.id}, {self.record_id})"


@dataclass(frozen=True)
class CaptureTarget:
    """One URL to capture and why: a cited source, an article page, or a page requisite."""

    url: str
    role: str = ROLE_SOURCE
    source_id: int | None = None
    parent: CaptureRef | None = None  # for requisites: the capture of the page that needs them
    source_url: str | None = None  # for probes: the URL of the source whose host is probed
    depth: int = 0  # requisites of requisites (CSS url()) have depth 2; we stop there
    # Scale-out: the token of the lease the source was dispatched under (its recording ends it).
    lease: str | None = None


@dataclass(frozen=True)
class PreviousCapture:
    """The newest archived payload of a URL: a re-crawl with the same digest writes a revisit record."""

    url: str
    captured_at: datetime
    payload_digest: str
    record_id: str | None


@dataclass(frozen=True)
class Hop:
    """One redirect on the way to the final response."""

    url: str
    status: int
    location: str
    record: WrittenRecord | None = None  # where the hop's response record landed


@dataclass(frozen=True)
class Recovered:
    """Where a capture of a dead source came from: a memento a Memento archive holds of it."""

    archive: str  # the archive's configured name
    timegate: str  # the TimeGate asked (the configured one, before the source URL)
    uri_m: str  # the memento's URI as the TimeGate named it
    raw: bool  # the unrewritten (``id_``) form of it was fetched
    link: str  # the TimeGate's Link header, as received
    memento_datetime: datetime | None = None  # when the archive captured the page


@dataclass(frozen=True)
class CaptureResult:
    """The outcome of capturing one target: the final response record, or the failure record."""

    target: CaptureTarget
    captured_at: datetime
    final_url: str
    status: int | None
    content_type: str | None
    record: WrittenRecord | None
    redirects: tuple[Hop, ...] = ()
    body_length: int | None = None
    error_kind: str | None = None
    error: str | None = None
    recovered: Recovered | None = None  # a memento of a source dead at ingest (`crawler.memento`)

    @property
    def ok(self) -> bool:
        return self.error_kind is None


class CaptureSink(Protocol):
    """Receives capture results as they happen; implemented by the composition root (catalog writes).

    A sink may hold captures and write them in batches: it answers ``previous`` and
    ``has_earlier_capture`` from what it holds as well as from what it wrote.
    """

    def on_capture(self, result: CaptureResult) -> CaptureRef:
        """Take one capture; return its handle (requisites and the article point back to it)."""
        ...

    def on_article(self, result: CaptureResult, capture: CaptureRef, body: bytes) -> list[CaptureTarget]:
        """An article page was captured: extract its citations and return the sources to capture now."""
        ...

    def previous(self, url: str) -> PreviousCapture | None:
        """The newest archived payload of this exact URL, if any (for revisit records)."""
        ...

    def has_earlier_capture(self, source_id: int, capture: CaptureRef) -> bool:
        """Whether the source was captured before ``capture``."""
        ...

    def flush(self) -> None:
        """Write what the sink holds: called every `CrawlConfig.flush_seconds` and when the crawl ends."""
        ...
