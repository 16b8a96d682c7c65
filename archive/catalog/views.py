"""Plain data that callers give to and get from the catalog; ORM objects never leave the package.

Datetimes are always timezone-aware UTC.  URLs are stored exactly as given: canonicalising
them (w3lib) is the caller's job, so the catalog can match them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SOURCE_STATES = ("pending", "live", "edited", "deleted", "redirected", "unreachable")
CAPTURE_ROLES = ("source", "requisite", "article")
RECORD_TYPES = ("response", "revisit", "metadata")
WARC_STATES = ("spooled", "stored")


@dataclass(frozen=True)
class Redirect:
    """One redirect hop of a capture: the URL that answered and its 3xx status."""

    url: str
    status: int


@dataclass(frozen=True)
class CitationRecord:
    """A cited link as extracted from an article, given to `Catalog.add_article`."""

    url: str
    label: str
    sentence: str
    quotes: tuple[str, ...] = ()
    position: int = 0


@dataclass(frozen=True)
class CitationView:
    """A citation of an article, with the canonical URL of its source."""

    source_id: int
    url: str
    label: str
    sentence: str
    quotes: tuple[str, ...]
    position: int


@dataclass(frozen=True)
class ArticleView:
    """An ingested article and its citations, ordered by position."""

    id: int
    origin: str
    title: str
    kind: str
    tags: tuple[str, ...]
    ingested_at: datetime
    capture_id: int | None
    citations: tuple[CitationView, ...]
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SourceRef:
    """Just enough of a source to crawl it."""

    id: int
    url: str


@dataclass(frozen=True)
class SourceSummary:
    """A watched source with its capture and article counts, as `citewatch sources` shows it."""

    id: int
    url: str
    state: str
    captures: int
    last_status: int | None
    last_captured_at: datetime | None
    next_due_at: datetime | None
    articles: int
    consecutive_failures: int = 0
    paused: bool = False


@dataclass(frozen=True, kw_only=True)
class CaptureRecord:
    """One capture to record: a fetched response, a revisit, or a failure (metadata record).

    ``source_id`` is set for ``role="source"`` and NULL for article pages and requisites;
    requisites point at the source capture they belong to through ``parent_id``.
    """

    role: str
    url: str
    captured_at: datetime
    record_type: str = "response"
    source_id: int | None = None
    parent_id: int | None = None
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    payload_digest: str | None = None
    warc_name: str | None = None
    offset: int | None = None
    length: int | None = None
    error_kind: str | None = None
    error: str | None = None
    redirects: tuple[Redirect, ...] = ()
    body_length: int | None = None


@dataclass(frozen=True, kw_only=True)
class CaptureView(CaptureRecord):
    """A recorded capture: every column of `CaptureRecord` plus its id."""

    id: int


@dataclass(frozen=True)
class WarcFileView:
    """A WARC file: ``spooled`` on local disk, or ``stored`` (uploaded and verified) under ``store_key``."""

    name: str
    state: str
    store_key: str | None
    size: int | None
    sha256: str | None
    created_at: datetime
    stored_at: datetime | None
