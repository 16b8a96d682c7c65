"""The read-only shapes the browsing UI's queries return: frozen, ready for templates and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from archive.catalog import ArticleRef, CaptureView, SourceSummary

T = TypeVar("T")

# From worst to best: the state an article's summary shows is the first one any of its sources has.
STATE_SEVERITY = ("deleted", "redirected", "edited", "unreachable", "pending", "live")


def worst_state(states: list[str] | tuple[str, ...]) -> str | None:
    """The most worrying of ``states`` (None for no states); unknown states count as pending."""
    if not states:
        return None
    rank = {s: i for i, s in enumerate(STATE_SEVERITY)}
    return min(states, key=lambda s: rank.get(s, rank["pending"]))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list: its items, where it is, and how to reach its neighbours.

    The first pages are numbered (``?page=N``); past `archive.web.queries.OFFSET_WINDOW` rows a
    page is reached by a cursor instead (``?after=ID`` / ``?before=ID``: the id of the row it
    follows or precedes) and has no number (``page`` is None).  ``total`` is exact when
    ``total_exact``; a list longer than `archive.web.queries.COUNT_CAP` is only said to be longer.
    """

    items: tuple[T, ...]
    page: int | None
    per_page: int
    total: int
    total_exact: bool = True
    next_page: int | None = None
    next_after: int | None = None
    prev_page: int | None = None
    prev_before: int | None = None

    @property
    def pages(self) -> int:
        """How many pages the whole list takes (at least one, even when empty; a lower bound
        when the total is not exact)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.prev_page is not None or self.prev_before is not None

    @property
    def has_next(self) -> bool:
        return self.next_page is not None or self.next_after is not None


@dataclass(frozen=True)
class ArticleRow:
    """An article in a list: how many sources it cites and the worst state among them."""

    id: int
    title: str
    origin: str
    kind: str
    tags: tuple[str, ...]
    ingested_at: datetime
    sources: int
    worst_state: str | None
    states: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CitationRow:
    """A citation of an article with the current state of its source."""

    position: int
    label: str
    sentence: str
    quotes: tuple[str, ...]
    source_id: int
    url: str
    state: str
    paused: bool
    last_status: int | None
    last_captured_at: datetime | None


@dataclass(frozen=True)
class ArticleDetail:
    """An article and its citations, in the order the article makes them."""

    id: int
    title: str
    origin: str
    kind: str
    tags: tuple[str, ...]
    ingested_at: datetime
    updated_at: datetime | None
    capture_id: int | None
    worst_state: str | None
    citations: tuple[CitationRow, ...]


@dataclass(frozen=True)
class SourceDetail:
    """A source, its ignore rules and the articles citing it."""

    summary: SourceSummary
    ignore_selectors: tuple[str, ...]
    ignore_patterns: tuple[str, ...]
    articles: tuple[ArticleRef, ...]


@dataclass(frozen=True)
class ChangeRow:
    """A detected change of a source, between two of its captures."""

    id: int
    source_id: int
    url: str
    kind: str
    detected_at: datetime
    before_capture_id: int | None
    after_capture_id: int
    summary: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    removed_quotes: tuple[str, ...]


@dataclass(frozen=True)
class Neighbours:
    """The captures of the same source just before and just after one capture."""

    previous: CaptureView | None
    next: CaptureView | None


@dataclass(frozen=True)
class IngestRow:
    """An ingest asked for from the UI: ``state`` is queued, running, done or failed, and
    ``last_line`` the last line its log has (what went wrong, for a failed one)."""

    id: int
    url: str
    state: str
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    exit_code: int | None
    last_line: str
