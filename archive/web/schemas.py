"""The JSON API's response models (pydantic), so /docs and /openapi.json describe every field."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from archive.text.characters import xml_safe_data

T = TypeVar("T")


class Model(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    @model_serializer(mode="wrap")
    def _xml_safe(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Every string leaves without the characters XML 1.0 forbids: lone surrogates cannot be
        encoded as UTF-8 at all, and control characters have no business in a client's terminal."""
        return xml_safe_data(handler(self))


class PageOut(Model, Generic[T]):
    """One page of a list: ``items`` plus where it is in the whole list and how to reach the next.

    The first 10,000 rows are numbered pages (``?page=N``); deeper ones are reached with the
    cursors given here (``?after=next_after``, ``?before=prev_before``) and have no number
    (``page`` is null).  ``total`` counts at most 10,000 rows: past that ``total_exact`` is false.
    """

    items: list[T]
    page: int | None
    per_page: int
    total: int
    total_exact: bool
    pages: int
    next_page: int | None
    next_after: int | None
    prev_page: int | None
    prev_before: int | None


class ArticleOut(Model):
    id: int
    title: str
    origin: str
    kind: str
    tags: list[str]
    ingested_at: datetime
    sources: int
    worst_state: str | None
    states: dict[str, int]


class CitationOut(Model):
    position: int
    label: str
    sentence: str
    quotes: list[str]
    source_id: int
    url: str
    state: str
    paused: bool
    last_status: int | None
    last_captured_at: datetime | None


class ArticleDetailOut(Model):
    id: int
    title: str
    origin: str
    kind: str
    tags: list[str]
    ingested_at: datetime
    updated_at: datetime | None
    capture_id: int | None
    worst_state: str | None
    citations: list[CitationOut]


class SourceOut(Model):
    id: int
    url: str
    state: str
    captures: int
    last_status: int | None
    last_captured_at: datetime | None
    next_due_at: datetime | None
    articles: int
    consecutive_failures: int
    paused: bool


class ArticleRefOut(Model):
    id: int
    title: str
    origin: str
    tags: list[str]


class SourceDetailOut(Model):
    """A source; ``articles`` are the first 100 articles citing it, ``source.articles`` how many.
    ``mode`` is how it is to be captured (auto | http | browser, the operator's choice); with auto,
    ``detected_mode`` is what citewatch decided (null: not yet), ``mode_reason`` why and
    ``mode_checked_at`` when."""

    source: SourceOut
    ignore_selectors: list[str]
    ignore_patterns: list[str]
    articles: list[ArticleRefOut]
    mode: str = "auto"
    detected_mode: str | None = None
    mode_reason: str | None = None
    mode_checked_at: datetime | None = None


class RedirectOut(Model):
    url: str
    status: int


class EvidenceOut(Model):
    """One record a browser capture kept beside the page (screenshot, dom, text or metadata):
    ``url`` is where the UI serves it (the screenshot), null for the kinds it does not serve."""

    url: str | None
    content_type: str
    size: int
    width: int | None
    height: int | None
    record_id: str


class CaptureOut(Model):
    """A capture; ``mode`` says how it was made (http | browser), ``evidence`` what a browser
    capture kept beside the page, by kind (empty for HTTP captures)."""

    id: int
    source_id: int | None
    role: str
    url: str
    final_url: str | None
    captured_at: datetime
    status: int | None
    content_type: str | None
    record_type: str
    payload_digest: str | None
    error_kind: str | None
    error: str | None
    redirects: list[RedirectOut]
    replay: str | None
    page: str
    mode: str = "http"
    evidence: dict[str, EvidenceOut] = {}


class ChangeOut(Model):
    id: int
    source_id: int
    url: str
    kind: str
    detected_at: datetime
    before_capture_id: int | None
    after_capture_id: int
    summary: str
    added: list[str]
    removed: list[str]
    removed_quotes: list[str]
    diff: str


class ChannelOut(Model):
    target_masked: str
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class AlertOut(Model):
    id: int
    change_id: int
    title: str
    url: str
    kind: str
    created_at: datetime
    channels: list[ChannelOut]


class IngestOut(Model):
    """An ingest asked for from the UI; ``state`` is queued, running, done or failed."""

    id: int
    url: str
    state: str
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    exit_code: int | None
    last_line: str


class ActionOut(Model):
    """The outcome of an operator action."""

    ok: bool
    message: str


class DispatcherOut(Model):
    """The daemon holding the dispatcher lease, and how long it runs unless renewed."""

    owner: str
    ttl_seconds: float | None


class WorkerOut(Model):
    """A worker as its last heartbeat described it (``age_seconds`` ago, by Redis's clock)."""

    id: str
    host: str | None
    pid: int | None
    seen_at: datetime
    age_seconds: float
    captured: int | None
    state: str | None
    started_at: datetime | None = None
    round: int | None = None
    round_started_at: datetime | None = None


class HostRateOut(Model):
    """Requests started to one host across all workers, this minute so far and in the last full one."""

    host: str
    requests_this_minute: int
    requests_last_minute: int


class StatusOut(Model):
    """The deployment's status, the same document as ``citewatch status --json``.

    ``leased``, ``expired`` and ``overdue`` count sources in the catalog.  Without Redis (one
    machine) ``redis`` and ``queue`` are null and there is no dispatcher, worker or host rate.
    ``hosts`` holds the busiest hosts only; ``host_count`` says how many had requests.
    """

    checked_at: datetime
    redis: str | None
    queue: int | None
    leased: int
    expired: int
    overdue: int
    dispatcher: DispatcherOut | None
    workers: list[WorkerOut]
    hosts: list[HostRateOut]
    host_count: int
