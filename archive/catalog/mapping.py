"""Turning ORM rows into the frozen views callers see, and checking what callers give."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from archive.catalog.errors import InvalidValue
from archive.catalog.models import Article, Capture, Source, WarcFile
from archive.catalog.views import (
    CAPTURE_MODES,
    CAPTURE_ROLES,
    RECORD_TYPES,
    ArticleView,
    CaptureRecord,
    CaptureView,
    CitationRecord,
    CitationView,
    Redirect,
    SourceSummary,
    WarcFileView,
)


def utc_now() -> datetime:
    """The default clock: now, aware, in UTC."""
    return datetime.now(UTC)


def aware(field: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(field, value, "a timezone-aware datetime, e.g. datetime.now(UTC)")
    return value.astimezone(UTC)


def merge_citations(records: Sequence[CitationRecord]) -> list[CitationRecord]:
    by_url: dict[str, CitationRecord] = {}
    for r in records:
        first = by_url.get(r.url)
        if first is None:
            by_url[r.url] = r
        else:
            quotes = tuple(dict.fromkeys([*first.quotes, *r.quotes]))
            by_url[r.url] = CitationRecord(first.url, first.label, first.sentence, quotes, first.position)
    return list(by_url.values())


def to_summary(s: Source, captures: int, articles: int) -> SourceSummary:
    return SourceSummary(
        s.id, s.url, s.state, captures, s.last_status, s.last_captured_at, s.next_due_at, articles,
        s.consecutive_failures, s.paused, s.mode, s.detected_mode, s.mode_reason,
    )  # fmt: skip


def to_article_view(a: Article, citations: tuple[CitationView, ...]) -> ArticleView:
    return ArticleView(
        a.id, a.origin, a.title, a.kind, tuple(a.tags), a.ingested_at, a.capture_id, citations, a.updated_at
    )


def check_capture(c: CaptureRecord) -> None:
    """`InvalidValue` unless the capture's role, record type, mode, source and time are ones the
    catalog takes."""
    if c.role not in CAPTURE_ROLES:
        raise InvalidValue("capture role", c.role, " | ".join(CAPTURE_ROLES))
    if c.mode not in CAPTURE_MODES:  # a source's "auto" is a choice, never how a capture was made
        raise InvalidValue("capture mode", c.mode, " | ".join(CAPTURE_MODES))
    if c.record_type not in RECORD_TYPES:
        raise InvalidValue("record type", c.record_type, " | ".join(RECORD_TYPES))
    if c.role in ("source", "probe") and c.source_id is None:
        raise InvalidValue("source_id", None, f"a source id for a capture with role {c.role!r}")
    aware("captured_at", c.captured_at)


def capture_columns(c: CaptureRecord) -> dict[str, Any]:
    columns = {name: getattr(c, name) for name in CaptureRecord.__dataclass_fields__}
    columns["redirects"] = [
        {k: v for k, v in vars(r).items() if v is not None or k in ("url", "status")} for r in c.redirects
    ]
    return columns


def to_capture_view(row: Capture) -> CaptureView:
    columns = {name: getattr(row, name) for name in CaptureRecord.__dataclass_fields__}
    columns["redirects"] = tuple(
        Redirect(
            str(r["url"]),
            int(r["status"]),
            r.get("warc_name"),
            r.get("offset"),
            r.get("length"),
            r.get("record_id"),
        )
        for r in row.redirects
    )
    return CaptureView(
        id=row.id,
        judged_at=row.judged_at,
        judge_error=row.judge_error,
        judge_attempts=row.judge_attempts,
        **columns,
    )


def to_warc_view(w: WarcFile) -> WarcFileView:
    return WarcFileView(w.name, w.state, w.store_key, w.size, w.sha256, w.created_at, w.stored_at)
