"""What change detection reads (observations, ignore rules) and what it decides (a verdict)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# A source's states, and the kinds of change a verdict reports.
LIVE = "live"
EDITED = "edited"
DELETED = "deleted"
REDIRECTED = "redirected"
UNREACHABLE = "unreachable"
RESTORED = "restored"


@dataclass(frozen=True)
class Observation:
    """One capture of a source, as detection sees it."""

    url: str
    """The source URL that was requested."""
    status: int | None
    """Final HTTP status; None when the fetch failed."""
    final_url: str | None
    """The URL after redirects."""
    redirects: tuple[tuple[str, int], ...]
    """(url, status) of each 3xx hop."""
    payload_digest: str | None
    content_type: str | None
    body: bytes | None
    """The payload with Content-Encoding removed (None if not fetched or failed)."""
    error_kind: str | None
    """dns | refused | timeout | tls | too-large | robots | connection | other ..."""
    mode: str = "http"
    """http, or browser: then ``body`` is the rendered DOM and ``payload_digest`` its digest.
    A capture is compared only with one made the same way."""
    recovered_from: str | None = None
    """The Memento archive this capture is a memento from (the source was dead at ingest)."""
    memento_datetime: datetime | None = None
    """When that archive captured the page."""


@dataclass(frozen=True)
class IgnoreRules:
    """Per-source noise the user told us about."""

    selectors: tuple[str, ...] = ()
    """CSS selectors removed before text extraction."""
    patterns: tuple[str, ...] = ()
    """Regular expressions removed from the extracted (normalised) text."""


@dataclass(frozen=True)
class Verdict:
    """What a capture means for its source."""

    kind: str | None
    """None: nothing to report; else edited | deleted | redirected | unreachable | restored."""
    state: str
    """The source's new state: live | edited | deleted | redirected | unreachable."""
    summary: str
    """One line a journalist reads."""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    removed_quotes: tuple[str, ...] = ()
