"""Plain data that callers give to and get from the catalog; ORM objects never leave the package.

Datetimes are always timezone-aware UTC.  URLs are stored exactly as given: canonicalising
them (w3lib) is the caller's job, so the catalog can match them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

SOURCE_STATES = ("pending", "live", "edited", "deleted", "redirected", "unreachable")
# "probe": a fetch of a made-up URL on a source's host, to learn how that site says "not found".
CAPTURE_ROLES = ("source", "requisite", "article", "probe")
RECORD_TYPES = ("response", "revisit", "metadata")
WARC_STATES = ("spooled", "stored")
CHANGE_KINDS = ("edited", "deleted", "redirected", "unreachable", "restored")
DELIVERY_STATES = ("pending", "sending", "delivered", "failed")
# How a capture was made, and how a source is to be captured (auto: decided by citewatch).
CAPTURE_MODES = ("http", "browser")
SOURCE_MODES = ("auto", "http", "browser")
# What a browser capture keeps beside its records.
EVIDENCE_KINDS = ("screenshot", "dom", "text", "metadata")


@dataclass(frozen=True)
class Redirect:
    """One redirect hop of a capture: the URL that answered, its 3xx status, and its record."""

    url: str
    status: int
    warc_name: str | None = None
    offset: int | None = None
    length: int | None = None
    record_id: str | None = None


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
    # How it is captured (`SourceMode`): the user's mode, what auto decided and why.
    mode: str = "auto"
    detected_mode: str | None = None
    mode_reason: str | None = None

    @property
    def effective_mode(self) -> str:
        """The mode its next capture uses (http | browser)."""
        return effective_mode(self.mode, self.detected_mode)


@dataclass(frozen=True, kw_only=True)
class CaptureRecord:
    """One capture to record: a fetched response, a revisit, or a failure (metadata record).

    ``source_id`` is set for ``role="source"`` and ``role="probe"`` and NULL for article pages
    and requisites; requisites point at the source capture they belong to through ``parent_id``.
    A probe (soft-404 detection) never updates its source and is not listed among its captures.
    ``record_id`` is the WARC-Record-ID of the response, revisit or metadata record.
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
    record_id: str | None = None
    mode: str = "http"
    # A memento of a source dead at ingest: the Memento archive's name and its Memento-Datetime
    # (the record's target URI, ``final_url``, is the memento's URI; ``url`` the source's).
    recovered_from: str | None = None
    memento_datetime: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class NewCapture:
    """One capture of a batch given to `Catalog.record_captures`, with what goes with it.

    ``parent`` is the position in the same batch of the capture this one is a requisite of (it
    is written first, so its id becomes this one's ``parent_id``); a parent written earlier is
    named by ``capture.parent_id`` instead.  ``article_id`` names the article whose own page this
    capture is.  ``scheduled_at`` (source captures) is the moment the source's next re-crawl is
    reckoned from; None leaves its schedule alone.  ``lease`` is the token of the lease the source
    was captured under (scale-out): recording the capture ends that lease.  ``evidence``: a
    browser capture's evidence records, recorded (and logged) in the same transaction.
    """

    capture: CaptureRecord
    parent: int | None = None
    article_id: int | None = None
    scheduled_at: datetime | None = None
    lease: str | None = None
    evidence: tuple[EvidenceRecord, ...] = ()


class IndexedCapture(NamedTuple):
    """Just enough of a recorded capture to match it with a WARC record (`reindex`)."""

    id: int
    record_id: str | None
    url: str
    role: str
    parent_id: int | None
    offset: int | None


@dataclass(frozen=True, kw_only=True)
class CaptureView(CaptureRecord):
    """A recorded capture: every column of `CaptureRecord` plus its id, and for a source capture
    when change detection judged it (None: not yet) and why it could not, if it could not."""

    id: int
    judged_at: datetime | None = None
    judge_error: str | None = None
    judge_attempts: int = 0


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


@dataclass(frozen=True)
class ChangeRecord:
    """A change detected between two captures of a source, given to `Catalog.record_change`.

    ``before_capture_id`` is None when there is no earlier capture to compare with.
    """

    source_id: int
    kind: str
    detected_at: datetime
    before_capture_id: int | None
    after_capture_id: int
    summary: str = ""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    removed_quotes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Judgement:
    """What change detection made of one source capture, given to `Catalog.record_judgement`.

    ``state`` and ``consecutive_failures`` are the source's after this capture; ``change`` is
    set when the capture revealed a change, with ``next_due_at`` (a changed source is checked
    again soon) and the Apprise ``alert_targets`` of its alert; ``alert`` False records the change
    without one (a change of the past, found again by a reindex of a lost catalog).
    """

    capture_id: int
    state: str
    consecutive_failures: int
    change: ChangeRecord | None = None
    next_due_at: datetime | None = None
    alert_targets: tuple[str, ...] = ()
    alert: bool = True


@dataclass(frozen=True)
class JudgingContext:
    """Everything change detection needs to judge one source's waiting captures, read in one go.

    ``baseline`` is the last judged capture with an HTTP response before the first waiting one
    (what that one is compared with); ``captures`` wait to be judged, oldest first.
    """

    source_id: int
    state: str
    consecutive_failures: int
    created_at: datetime
    selectors: tuple[str, ...]
    patterns: tuple[str, ...]
    quotes: tuple[str, ...]
    baseline: CaptureView | None
    captures: tuple[CaptureView, ...]
    # The newest judged memento recovered from a Memento archive (a source dead at ingest), if
    # any: the text its quotes are checked against while the live page gives none.
    recovered: CaptureView | None = None


@dataclass(frozen=True)
class JudgementOutcome:
    """What became of one judgement handed to `Catalog.record_judgements`.

    ``recorded`` is False when nothing was written: the capture had been judged already, an
    earlier judgement of its source in the same batch was not recorded, or writing it failed
    (``error``, the exception, rolled back alone).
    """

    capture_id: int
    recorded: bool
    change_id: int | None = None
    error: Exception | None = None


@dataclass(frozen=True)
class UncomparedCapture:
    """A source capture that change detection could not judge, and why.

    While ``given_up`` is false it is retried by the next detection pass (later captures of its
    source wait for it); once given up, later captures are compared with the last judged one.
    """

    capture_id: int
    source_id: int
    url: str
    captured_at: datetime
    reason: str
    attempts: int
    given_up: bool


class CitingArticle(NamedTuple):
    """An article citing a changed source: unpacks as ``(article_id, title, origin)``."""

    article_id: int
    title: str
    origin: str


@dataclass(frozen=True)
class ChangeView:
    """A recorded change, with the source URL, the capture times and the articles citing it;
    ``after_mode`` is how the after capture was made (http | browser), ``after_screenshot``
    whether it kept a screenshot."""

    id: int
    url: str
    kind: str
    detected_at: datetime
    before: datetime | None
    after: datetime
    before_capture_id: int | None
    after_capture_id: int
    summary: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    removed_quotes: tuple[str, ...]
    articles: tuple[CitingArticle, ...]
    source_id: int = 0
    after_mode: str = "http"
    after_screenshot: bool = False


@dataclass(frozen=True)
class ArticleRef:
    """An article citing a source, with the tags that route its alerts."""

    id: int
    title: str
    origin: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class DeliveryJob:
    """A delivery claimed for sending: one alert to one target (the real URL, secrets included)."""

    delivery_id: int
    alert_id: int
    change_id: int
    target: str
    title: str
    text: str
    attempts: int


@dataclass(frozen=True)
class ChannelView:
    """Where one alert goes and how that went; the target's secrets are masked."""

    target_masked: str
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class AlertView:
    """An alert with the change it reports and the state of each of its channels."""

    change_id: int
    url: str
    kind: str
    created_at: datetime
    channels: tuple[ChannelView, ...]
    id: int = 0
    title: str = ""


@dataclass(frozen=True)
class SourceMode:
    """How a source is captured: ``mode`` is the user's choice (auto | http | browser); for auto,
    ``detected_mode`` is what citewatch decided (None: not yet), ``reason`` why, ``checked_at``
    when.  ``effective`` is the mode its next capture uses."""

    source_id: int
    url: str
    mode: str
    detected_mode: str | None
    reason: str | None
    checked_at: datetime | None

    @property
    def effective(self) -> str:
        return effective_mode(self.mode, self.detected_mode)


def effective_mode(mode: str, detected_mode: str | None) -> str:
    """The mode a source's next capture uses: the user's, else what auto decided, else HTTP (an
    auto source is captured over HTTP until a capture has checked it)."""
    if mode != "auto":
        return mode
    return detected_mode or "http"


@dataclass(frozen=True, kw_only=True)
class EvidenceRecord:
    """One record a browser capture kept beside the page's own (``kind`` in `EVIDENCE_KINDS`):
    where it is (``warc_name``, ``offset``, ``length``, ``record_id``), its payload's type, size
    and sha256 ``digest`` (hex), and a screenshot's pixel size."""

    kind: str
    content_type: str
    warc_name: str
    offset: int
    length: int
    record_id: str
    digest: str | None
    size: int
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, kw_only=True)
class EvidenceView(EvidenceRecord):
    id: int
    capture_id: int
