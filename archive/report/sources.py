"""What the report needs from the catalog about an article's cited sources, in a few batched reads.

For each citation: its source (state, ignore rules), the newest capture, the newest *usable* capture
(a 2xx response or revisit: what the quotes are checked against, a browser capture's rendered DOM
included) with where it was recovered from, and the newest change.  Reads the tables directly, as
the browsing UI's queries do (`archive.web.queries`), on one short session.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, String, cast, func, select
from sqlalchemy.orm import Session

from archive.catalog import CaptureView, CitationView
from archive.catalog.judgements import newest_captures
from archive.catalog.mapping import to_capture_view
from archive.catalog.models import Article, Capture, Change, Citation, Source
from archive.report.model import CaptureRef, ChangeRef


@dataclass(frozen=True)
class CitedSource:
    """One citation of the article with what the catalog knows of its source."""

    citation: CitationView
    state: str
    selectors: tuple[str, ...]
    patterns: tuple[str, ...]
    latest: CaptureView | None
    latest_ref: CaptureRef | None
    usable: CaptureView | None
    usable_ref: CaptureRef | None
    change: ChangeRef | None


@dataclass(frozen=True)
class ArticleSources:
    """An article and its cited sources, in citation order."""

    article_id: int
    title: str
    origin: str
    tags: tuple[str, ...]
    ingested_at: datetime
    sources: tuple[CitedSource, ...]


def read_article_sources(engine: Engine, article_id: int) -> ArticleSources | None:
    """The article and what the catalog knows of each source it cites, or None for an unknown id."""
    with Session(engine) as session:
        article = session.get(Article, article_id)
        if article is None:
            return None
        rows = list(
            session.execute(
                select(Citation, Source)
                .join(Source, Source.id == Citation.source_id)
                .where(Citation.article_id == article_id)
                .order_by(Citation.position, Citation.id)
            )
        )
        ids = [s.id for _, s in rows]
        role = Capture.role == "source"
        latest_rows = {
            row.source_id: row
            for row in session.scalars(newest_captures(Capture.source_id, Capture.source_id.in_(ids), role))
        }
        usable_rows = {
            row.source_id: row
            for row in session.scalars(
                newest_captures(
                    Capture.source_id,
                    Capture.source_id.in_(ids),
                    role,
                    Capture.status >= 200,
                    Capture.status < 300,
                    Capture.record_type.in_(("response", "revisit")),
                )
            )
        }
        # A source dead at ingest and recovered from a Memento archive: while it stays dead, its
        # quotes are checked against the memento (change detection's baseline too), not against a
        # later 200 that only says "not found" (a soft 404), unless the page came back since.
        recovered_rows = _still_dead_recoveries(session, ids, {s.id for _, s in rows if s.state in _DEAD})
        usable_rows.update((source_id, row) for source_id, row in recovered_rows.items())
        changes = _newest_changes(session, ids)
        sources = tuple(
            CitedSource(
                citation=CitationView(s.id, s.url, c.label, c.sentence, tuple(c.quotes or ()), c.position),
                state=s.state,
                selectors=tuple((s.ignore_rules or {}).get("selectors", ())),
                patterns=tuple((s.ignore_rules or {}).get("patterns", ())),
                latest=to_capture_view(r) if (r := latest_rows.get(s.id)) is not None else None,
                latest_ref=_ref(r) if r is not None else None,
                usable=to_capture_view(u) if (u := usable_rows.get(s.id)) is not None else None,
                usable_ref=_ref(u) if u is not None else None,
                change=changes.get(s.id),
            )
            for c, s in rows
        )
        return ArticleSources(
            article.id, article.title, article.origin, tuple(article.tags or ()), article.ingested_at, sources
        )


_DEAD = ("deleted", "unreachable")


def _still_dead_recoveries(session: Session, ids: Sequence[int], dead: set[int]) -> dict[int, Capture]:
    """The newest recovered memento of each dead source that was not restored after it."""
    if not dead:
        return {}
    found = {
        row.source_id: row
        for row in session.scalars(
            newest_captures(
                Capture.source_id,
                Capture.source_id.in_(sorted(dead)),
                Capture.role == "source",
                Capture.recovered_from.is_not(None),
                Capture.status >= 200,
                Capture.status < 300,
            )
        )
        if row.source_id is not None
    }
    if not found:
        return {}
    restored = session.execute(
        select(Change.source_id, Capture.captured_at)
        .join(Capture, Capture.id == Change.after_capture_id)
        .where(Change.source_id.in_(sorted(found)), Change.kind == "restored")
    )
    for source_id, at in restored:
        memento = found.get(source_id)
        if memento is not None and at > memento.captured_at:
            del found[source_id]
    return found


def article_ids_tagged(engine: Engine, tag: str, *, limit: int) -> list[int]:
    """The ids of the newest ``limit`` articles tagged ``tag``."""
    # Tags are a JSON list: match the JSON-encoded tag, quotes included ("ab" never matches "abc").
    escaped = json.dumps(tag).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        select(Article.id)
        .where(cast(Article.tags, String).like(f"%{escaped}%", escape="\\"))
        .order_by(Article.id.desc())
        .limit(limit)
    )
    with Session(engine) as session:
        return list(session.scalars(query))


def tagged_articles_changed_between(
    engine: Engine, tags: Sequence[str], since: datetime, until: datetime
) -> dict[str, list[int]]:
    """For each of ``tags``, the ids of the articles with that tag citing a source on which a change
    was detected at or after ``since`` and before ``until``."""
    query = (
        select(Article.id, Article.tags)
        .join(Citation, Citation.article_id == Article.id)
        .join(Change, Change.source_id == Citation.source_id)
        .where(Change.detected_at >= since, Change.detected_at < until)
        .distinct()
        .order_by(Article.id)
    )
    out: dict[str, list[int]] = {tag: [] for tag in tags}
    with Session(engine) as session:
        for article_id, article_tags in session.execute(query):
            for tag in article_tags or ():
                if tag in out:
                    out[tag].append(article_id)
    return out


def _ref(row: Capture) -> CaptureRef:
    return CaptureRef(
        id=row.id,
        url=row.url,
        captured_at=row.captured_at,
        status=row.status,
        record_type=row.record_type,
        mode=row.mode,
        recovered_from=row.recovered_from,
        memento_datetime=row.memento_datetime,
        final_url=row.final_url,
    )


def _newest_changes(session: Session, source_ids: list[int]) -> dict[int, ChangeRef]:
    newest_first = (Change.detected_at.desc(), Change.id.desc())
    ranked = (
        select(
            Change.id, func.row_number().over(partition_by=Change.source_id, order_by=newest_first).label("n")
        )
        .where(Change.source_id.in_(source_ids))
        .subquery()
    )
    rows = session.scalars(select(Change).join(ranked, ranked.c.id == Change.id).where(ranked.c.n == 1))
    return {
        c.source_id: ChangeRef(
            c.id, c.kind, c.detected_at, c.summary, c.before_capture_id, c.after_capture_id
        )
        for c in rows
    }
