"""`Modes`: how each source is captured (HTTP or a browser), and the evidence browser captures keep.

A source's ``mode`` is the user's choice: ``auto`` (the default: citewatch decides, and
records its decision and reason in ``detected_mode`` / ``mode_reason``), ``http`` or
``browser``.  A browser capture is a capture row like any other (the document's response
record) with ``mode = 'browser'``; its screenshot, rendered DOM and text, and the record saying
how it was made are `Evidence` rows, one of each kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.catalog.batches import in_chunks
from archive.catalog.capturelog import LogItem, append, evidence_fields
from archive.catalog.errors import InvalidValue, UnknownCapture, UnknownSource
from archive.catalog.evidence import check_evidence, insert_evidence
from archive.catalog.models import Article, Capture, Citation, Evidence, Source
from archive.catalog.transactions import Transactions
from archive.catalog.views import (
    CAPTURE_MODES,
    SOURCE_MODES,
    EvidenceRecord,
    EvidenceView,
    SourceMode,
)


class Modes(Transactions):
    def set_mode(self, url: str, mode: str) -> SourceMode:
        """Set how the source with this URL is captured from now on (auto | http | browser)."""
        _check_mode(mode)
        with self._tx() as session:
            source = session.scalars(select(Source).where(Source.url == url)).one_or_none()
            if source is None:
                raise UnknownSource(url)
            source.mode = mode
            return _mode_view(source)

    def set_mode_for_tag(self, tag: str, mode: str) -> list[SourceMode]:
        """Set the mode of every source cited by an article tagged ``tag``; returns them, by id
        (none: no article has that tag, or they cite nothing)."""
        _check_mode(mode)
        with self._tx() as session:
            views = []
            for chunk in in_chunks(_tagged_source_ids(session, tag)):
                session.execute(update(Source).where(Source.id.in_(chunk)).values(mode=mode))
                views += [_mode_view(s) for s in session.scalars(select(Source).where(Source.id.in_(chunk)))]
            return sorted(views, key=lambda v: v.source_id)

    def modes_for_tag(self, tag: str) -> list[SourceMode]:
        """The modes of the sources cited by articles tagged ``tag``, by id."""
        with self._tx() as session:
            views = []
            for chunk in in_chunks(_tagged_source_ids(session, tag)):
                views += [_mode_view(s) for s in session.scalars(select(Source).where(Source.id.in_(chunk)))]
            return sorted(views, key=lambda v: v.source_id)

    def source_modes(self, source_ids: Sequence[int]) -> dict[int, SourceMode]:
        """The modes of these sources (unknown ids are left out)."""
        out: dict[int, SourceMode] = {}
        with self._tx() as session:
            for chunk in in_chunks(list(source_ids)):
                for source in session.scalars(select(Source).where(Source.id.in_(chunk))):
                    out[source.id] = _mode_view(source)
        return out

    def source_mode(self, url: str) -> SourceMode:
        with self._tx() as session:
            source = session.scalars(select(Source).where(Source.url == url)).one_or_none()
            if source is None:
                raise UnknownSource(url)
            return _mode_view(source)

    def record_mode_decision(
        self, source_id: int, detected: str, reason: str, *, now: datetime | None = None
    ) -> SourceMode:
        """Record what a check of the source decided (http | browser) and why."""
        if detected not in CAPTURE_MODES:
            raise InvalidValue("detected mode", detected, " | ".join(CAPTURE_MODES))
        at = self._at(now)
        with self._tx() as session:
            source = self._source(session, source_id)
            source.detected_mode = detected
            source.mode_reason = reason
            source.mode_checked_at = at
            return _mode_view(source)

    def sources_to_check(
        self,
        *,
        captured_since: datetime,
        stale_before: datetime,
        after_id: int = 0,
        limit: int = 200,
        source_ids: Sequence[int] | None = None,
    ) -> list[SourceMode]:
        """Auto sources captured since ``captured_since`` whose mode is not decided yet, or was
        decided ``http`` before ``stale_before`` (a site may change its stack): the next
        ``limit`` by id after ``after_id``.  (Sources decided ``browser`` are checked again by
        their browser captures, which hold the page's HTTP response too.)  ``source_ids``: only
        among these (a worker looks at the ones it captured)."""
        query = select(Source) if source_ids is None else select(Source).where(Source.id.in_(source_ids))
        with self._tx() as session:
            rows = session.scalars(
                query.where(
                    Source.id > after_id,
                    Source.mode == "auto",
                    Source.last_captured_at >= captured_since,
                    Source.detected_mode.is_(None)
                    | ((Source.detected_mode == "http") & (Source.mode_checked_at < stale_before)),
                )
                .order_by(Source.id)
                .limit(limit)
            )
            return [_mode_view(s) for s in rows]

    def record_evidence(self, capture_id: int, items: Sequence[EvidenceRecord]) -> list[int]:
        """Record a browser capture's evidence records; recording a kind again replaces nothing
        (the first one stays: recording is idempotent, like `record_captures`).  What is new is
        appended to the capture log."""
        check_evidence(items)
        with self._tx() as session:
            if session.get(Capture, capture_id) is None:
                raise UnknownCapture(capture_id)
            ids, new = insert_evidence(session, capture_id, items)
            if new:
                fields = {"capture_id": capture_id, "evidence": evidence_fields(new)}
                append(session, [LogItem("evidence", capture_id, fields)])
            return ids

    def evidence_for(self, capture_ids: Sequence[int]) -> dict[int, dict[str, EvidenceView]]:
        """The evidence of these captures: capture id -> kind -> record (captures without any are
        left out)."""
        out: dict[int, dict[str, EvidenceView]] = {}
        with self._tx() as session:
            for chunk in in_chunks(list(capture_ids)):
                for row in session.scalars(select(Evidence).where(Evidence.capture_id.in_(chunk))):
                    out.setdefault(row.capture_id, {})[row.kind] = _evidence_view(row)
        return out

    def get_evidence(self, evidence_id: int) -> EvidenceView | None:
        with self._tx() as session:
            row = session.get(Evidence, evidence_id)
            return _evidence_view(row) if row is not None else None


def _tagged_source_ids(session: Session, tag: str) -> list[int]:
    """The ids of the sources cited by articles tagged ``tag``, sorted.  Tags live in a JSON list,
    so articles are matched here, not in SQL (portably): there are few articles."""
    article_ids = [
        article_id
        for article_id, tags in session.execute(select(Article.id, Article.tags))
        if tag in (tags or ())
    ]
    source_ids: set[int] = set()
    for chunk in in_chunks(article_ids):
        source_ids.update(session.scalars(select(Citation.source_id).where(Citation.article_id.in_(chunk))))
    return sorted(source_ids)


def _check_mode(mode: str) -> None:
    if mode not in SOURCE_MODES:
        raise InvalidValue("mode", mode, " | ".join(SOURCE_MODES))


def _mode_view(source: Source) -> SourceMode:
    return SourceMode(
        source.id, source.url, source.mode, source.detected_mode, source.mode_reason, source.mode_checked_at
    )


def _evidence_view(row: Evidence) -> EvidenceView:
    return EvidenceView(
        id=row.id,
        capture_id=row.capture_id,
        **{name: getattr(row, name) for name in EvidenceRecord.__dataclass_fields__},
    )
