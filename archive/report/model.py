"""The link-health report of one article: what became of each cited source and each quote it relies on.

Severity, worst first (the order the report lists citations in, ties in article order):

0. ``broken``: a quote is gone, or the source is deleted, unreachable or was never captured;
1. ``quote changed``: a quote is still there in substance, but its words changed;
2. ``source changed``: the source was edited or redirected, every quote still stands;
3. ``ok``: the source is live and every quote is on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from archive.links.memento import replayed_url

# A source's state as the report names it: the catalog's states ("pending": not judged yet, but
# captured, counts as live) plus one of its own.
LIVE, EDITED, REDIRECTED, DELETED, UNREACHABLE = "live", "edited", "redirected", "deleted", "unreachable"
NEVER_CAPTURED = "never_captured"  # no capture of the source ever got a 2xx answer
REPORT_STATES = (LIVE, EDITED, REDIRECTED, DELETED, UNREACHABLE, NEVER_CAPTURED)
DEAD_STATES = frozenset({DELETED, UNREACHABLE, NEVER_CAPTURED})

# What became of a quote, checked against the source's latest usable capture.
PRESENT, CHANGED, GONE = "present", "changed", "gone"
QUOTE_STATUSES = (PRESENT, CHANGED, GONE)

SEVERITIES = ("broken", "quote changed", "source changed", "ok")
BROKEN, QUOTE_CHANGED, SOURCE_CHANGED, OK = range(4)


@dataclass(frozen=True)
class QuoteHealth:
    """One quote and its fate.  For ``changed``: the closest passage now on the page, and the words
    of the quote no longer there (``removed``) and those that took their place (``added``)."""

    text: str
    status: str
    passage: str | None = None
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaptureRef:
    """A capture the report points to."""

    id: int
    url: str
    captured_at: datetime
    status: int | None
    record_type: str
    mode: str = "http"
    recovered_from: str | None = None  # the Memento archive it was recovered from
    memento_datetime: datetime | None = None
    final_url: str | None = None  # where the fetch ended: for a recovered capture, the memento's URL

    @property
    def replay_url(self) -> str:
        """The URL replay finds this capture by (`archive.links.memento.replayed_url`)."""
        return replayed_url(self.url, self.final_url, self.recovered_from)


@dataclass(frozen=True)
class ChangeRef:
    """The latest change detected on a source, with the two captures it compared."""

    id: int
    kind: str
    detected_at: datetime
    summary: str
    before_capture_id: int | None
    after_capture_id: int


@dataclass(frozen=True)
class CitationHealth:
    """One citation: its source's state and latest change, the capture its quotes were checked
    against (``capture``; None when there is none), each quote's fate, and ``note`` saying why the
    quotes were judged without reading the page (a deleted or never captured source)."""

    position: int
    source_id: int
    url: str
    label: str
    state: str
    change: ChangeRef | None
    redirected_to: str | None
    capture: CaptureRef | None
    quotes: tuple[QuoteHealth, ...]
    note: str | None = None

    @property
    def changed_at(self) -> datetime | None:
        """When a change of the source was last detected."""
        return self.change.detected_at if self.change is not None else None

    @property
    def severity(self) -> int:
        """0 (worst) to 3; see the module docstring."""
        statuses = {q.status for q in self.quotes}
        if GONE in statuses or self.state in DEAD_STATES:
            return BROKEN
        if CHANGED in statuses:
            return QUOTE_CHANGED
        if self.state in (EDITED, REDIRECTED):
            return SOURCE_CHANGED
        return OK

    @property
    def severity_label(self) -> str:
        return SEVERITIES[self.severity]

    def capture_ids(self) -> set[int]:
        """The captures this citation points to: the one its quotes were checked against and the
        two its latest change compared."""
        ids = {self.capture.id} if self.capture is not None else set()
        if self.change is not None:
            ids.add(self.change.after_capture_id)
            if self.change.before_capture_id is not None:
                ids.add(self.change.before_capture_id)
        return ids


@dataclass(frozen=True)
class ArticleReport:
    """The report of one article, its citations worst first."""

    article_id: int
    title: str
    origin: str
    tags: tuple[str, ...]
    ingested_at: datetime
    generated_at: datetime
    citations: tuple[CitationHealth, ...]

    @property
    def problems(self) -> tuple[CitationHealth, ...]:
        """The citations that need an editor's look (severity above ``ok``)."""
        return tuple(c for c in self.citations if c.severity != OK)

    @property
    def changed_at(self) -> datetime | None:
        """The latest change among the citations with problems: when the report last changed."""
        return max((c.changed_at for c in self.problems if c.changed_at is not None), default=None)

    def capture_ids(self) -> set[int]:
        """Every capture the report points to (what its WACZ holds)."""
        return {capture_id for c in self.citations for capture_id in c.capture_ids()}


def worst_first(citations: list[CitationHealth]) -> tuple[CitationHealth, ...]:
    """Citations by severity, worst first; in article order within a severity."""
    return tuple(sorted(citations, key=lambda c: (c.severity, c.position, c.source_id)))
