"""Per-source counts for the sources being shown: source captures, and the articles citing each.

Counting them for every source on every request (one GROUP BY over all captures and citations)
took 4-6 s per page at a million sources; counted for one page or one batch of sources only, each
count is an index range (``ix_capture_source_id_captured_at``, ``ix_citation_source_id``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.catalog.mapping import to_summary
from archive.catalog.models import Capture, Citation, Source
from archive.catalog.views import SourceSummary


def source_counts(session: Session, source_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """``{source_id: (source captures, citing articles)}`` for a bounded set of sources (a page or
    a batch: the ids are bound parameters, so keep it to a few thousand)."""
    ids = sorted(set(source_ids))
    if not ids:
        return {}
    by_capture = (
        select(Capture.source_id, func.count())
        .where(Capture.source_id.in_(ids), Capture.role == "source")
        .group_by(Capture.source_id)
    )
    by_citation = (
        select(Citation.source_id, func.count(func.distinct(Citation.article_id)))
        .where(Citation.source_id.in_(ids))
        .group_by(Citation.source_id)
    )
    captures = {sid: n for sid, n in session.execute(by_capture)}
    articles = {sid: n for sid, n in session.execute(by_citation)}
    return {sid: (int(captures.get(sid, 0)), int(articles.get(sid, 0))) for sid in ids}


def summaries(session: Session, sources: Sequence[Source]) -> list[SourceSummary]:
    """Summaries of these sources (a page or a batch), in their order, with their counts."""
    counts = source_counts(session, [s.id for s in sources])
    return [to_summary(s, *counts.get(s.id, (0, 0))) for s in sources]
