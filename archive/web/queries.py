"""Read-only queries of the browsing UI on the catalog's tables, paginated, shared by pages and API.

Each method opens one short session on ``catalog.engine`` and returns frozen rows (`archive.web.rows`)
or catalog views, never ORM objects.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Engine, String, cast, func, or_, select
from sqlalchemy.orm import Session

from archive.catalog import AlertView, ArticleRef, CaptureView, SourceSummary
from archive.catalog.alerts import alert_query, alert_views
from archive.catalog.counts import source_counts, summaries
from archive.catalog.keyset import Key
from archive.catalog.mapping import to_capture_view, to_summary
from archive.catalog.models import Alert, Article, Capture, Change, Citation, Source
from archive.web.paging import PageRequest, read_page
from archive.web.rows import (
    ArticleDetail,
    ArticleRow,
    ChangeRow,
    CitationRow,
    Neighbours,
    Page,
    SourceDetail,
    worst_state,
)

PER_PAGE = 25
# Citing articles listed on a source's page and in its API object (the count covers them all).
CITING_SHOWN = 100


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class WebQueries:
    """The read side of the catalog as the browsing UI needs it."""

    def __init__(self, engine: Engine, *, per_page: int = PER_PAGE) -> None:
        self._engine = engine
        self.per_page = per_page

    def _session(self) -> Session:
        return Session(self._engine)

    def _request(self, page: int, per_page: int | None, after: int | None, before: int | None) -> PageRequest:
        return PageRequest(page=page, per_page=per_page or self.per_page, after=after, before=before)

    # -- articles ---------------------------------------------------------------------------

    def articles(
        self,
        *,
        q: str | None = None,
        tag: str | None = None,
        page: int = 1,
        per_page: int | None = None,
        after: int | None = None,
        before: int | None = None,
    ) -> Page[ArticleRow]:
        """Articles newest first; optionally only those with ``q`` in title or URL, or tagged ``tag``."""
        query = select(Article)
        if q:
            query = query.where(
                or_(Article.title.ilike(_like(q), escape="\\"), Article.origin.ilike(_like(q), escape="\\"))
            )
        if tag:
            # Tags are a JSON list: match the JSON-encoded tag, quotes included, so "ab" never matches "abc".
            query = query.where(cast(Article.tags, String).like(_like(json.dumps(tag)), escape="\\"))

        with self._session() as session:
            return read_page(
                session,
                query,
                (Key(Article.id, descending=True),),
                Article.id,
                self._request(page, per_page, after, before),
                lambda rows: self._article_rows(session, [row[0] for row in rows]),
            )

    def _article_rows(self, session: Session, articles: Sequence[Article]) -> list[ArticleRow]:
        states = self._state_counts(session, [a.id for a in articles])
        return [
            ArticleRow(
                a.id,
                a.title,
                a.origin,
                a.kind,
                tuple(a.tags),
                a.ingested_at,
                sum(states.get(a.id, {}).values()),
                worst_state(tuple(states.get(a.id, {}))),
                states.get(a.id, {}),
            )
            for a in articles
        ]

    @staticmethod
    def _state_counts(session: Session, article_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        if not article_ids:
            return {}
        query = (
            select(Citation.article_id, Source.state, func.count())
            .join(Source, Source.id == Citation.source_id)
            .where(Citation.article_id.in_(list(article_ids)))
            .group_by(Citation.article_id, Source.state)
        )
        out: dict[int, dict[str, int]] = {}
        for article_id, state, n in session.execute(query):
            out.setdefault(article_id, {})[state] = int(n)
        return out

    def tags(self) -> tuple[str, ...]:
        """Every tag in use, sorted."""
        # Each distinct list once, as text: a few rows to decode instead of one per article.
        as_text = cast(Article.tags, String)
        with self._session() as session:
            lists = session.scalars(select(as_text).where(as_text != "[]").distinct())
            return tuple(sorted({t for text in lists for t in json.loads(text)}))

    def article(self, article_id: int) -> ArticleDetail | None:
        """One article with its citations in order and the state of each cited source."""
        with self._session() as session:
            a = session.get(Article, article_id)
            if a is None:
                return None
            query = (
                select(Citation, Source)
                .join(Source, Source.id == Citation.source_id)
                .where(Citation.article_id == article_id)
                .order_by(Citation.position, Citation.id)
            )
            citations = tuple(
                CitationRow(
                    c.position,
                    c.label,
                    c.sentence,
                    tuple(c.quotes),
                    s.id,
                    s.url,
                    s.state,
                    s.paused,
                    s.last_status,
                    s.last_captured_at,
                )
                for c, s in session.execute(query)
            )
            worst = worst_state(tuple(c.state for c in citations))
            return ArticleDetail(
                a.id,
                a.title,
                a.origin,
                a.kind,
                tuple(a.tags),
                a.ingested_at,
                a.updated_at,
                a.capture_id,
                worst,
                citations,
            )

    # -- sources ----------------------------------------------------------------------------

    def sources(
        self,
        *,
        q: str | None = None,
        state: str | None = None,
        page: int = 1,
        per_page: int | None = None,
        after: int | None = None,
        before: int | None = None,
    ) -> Page[SourceSummary]:
        """Sources by id, optionally only those whose URL contains ``q`` or in ``state``."""
        query = select(Source)
        if q:
            query = query.where(Source.url.ilike(_like(q), escape="\\"))
        if state:
            query = query.where(Source.state == state)
        with self._session() as session:
            return read_page(
                session,
                query,
                (Key(Source.id),),
                Source.id,
                self._request(page, per_page, after, before),
                lambda rows: summaries(session, [row[0] for row in rows]),
            )

    def source_exists(self, source_id: int) -> bool:
        with self._session() as session:
            return session.get(Source, source_id) is not None

    def source(self, source_id: int) -> SourceDetail | None:
        """One source with its counts, ignore rules and citing articles."""
        with self._session() as session:
            s = session.get(Source, source_id)
            if s is None:
                return None
            rules = s.ignore_rules or {}
            # The first articles citing it (``summary.articles`` says how many in all): a hot source
            # is cited by thousands.
            query = (
                select(Article)
                .join(Citation, Citation.article_id == Article.id)
                .where(Citation.source_id == source_id)
                .order_by(Citation.article_id)
                .limit(CITING_SHOWN)
            )
            articles = tuple(
                ArticleRef(a.id, a.title, a.origin, tuple(a.tags)) for a in session.scalars(query)
            )
            return SourceDetail(
                to_summary(s, *source_counts(session, [s.id])[s.id]),
                tuple(rules.get("selectors", ())),
                tuple(rules.get("patterns", ())),
                articles,
            )

    # -- captures ---------------------------------------------------------------------------

    def captures(
        self,
        source_id: int,
        *,
        page: int = 1,
        per_page: int | None = None,
        after: int | None = None,
        before: int | None = None,
    ) -> Page[CaptureView]:
        """A source's captures, newest first."""
        query = select(Capture).where(Capture.source_id == source_id, Capture.role == "source")
        with self._session() as session:
            return read_page(
                session,
                query,
                (Key(Capture.captured_at, descending=True), Key(Capture.id, descending=True)),
                Capture.id,
                self._request(page, per_page, after, before),
                lambda rows: [to_capture_view(row[0]) for row in rows],
            )

    def capture(self, capture_id: int) -> CaptureView | None:
        """One capture, whatever its role."""
        with self._session() as session:
            row = session.get(Capture, capture_id)
            return None if row is None else to_capture_view(row)

    def neighbours(self, capture: CaptureView) -> Neighbours:
        """The captures of the same source right before and right after ``capture``."""
        if capture.source_id is None or capture.role != "source":
            return Neighbours(None, None)
        base = select(Capture).where(Capture.source_id == capture.source_id, Capture.role == "source")
        earlier = (Capture.captured_at < capture.captured_at) | (
            (Capture.captured_at == capture.captured_at) & (Capture.id < capture.id)
        )
        later = (Capture.captured_at > capture.captured_at) | (
            (Capture.captured_at == capture.captured_at) & (Capture.id > capture.id)
        )
        with self._session() as session:
            prev = session.scalars(
                base.where(earlier).order_by(Capture.captured_at.desc(), Capture.id.desc()).limit(1)
            ).first()
            nxt = session.scalars(
                base.where(later).order_by(Capture.captured_at, Capture.id).limit(1)
            ).first()
            return Neighbours(
                None if prev is None else to_capture_view(prev), None if nxt is None else to_capture_view(nxt)
            )

    def payload_capture(self, capture: CaptureView) -> CaptureView | None:
        """The capture whose record holds ``capture``'s payload: itself for a response, the newest
        earlier response of the same URL with the same payload digest for a revisit, else None."""
        if capture.record_type == "response":
            return capture
        if capture.record_type != "revisit" or not capture.payload_digest:
            return None
        query = (
            select(Capture)
            .where(
                Capture.url == capture.url,
                Capture.record_type == "response",
                Capture.payload_digest == capture.payload_digest,
                Capture.captured_at <= capture.captured_at,
            )
            .order_by(Capture.captured_at.desc(), Capture.id.desc())
            .limit(1)
        )
        with self._session() as session:
            row = session.scalars(query).first()
            return None if row is None else to_capture_view(row)

    # -- changes ----------------------------------------------------------------------------

    def changes(
        self,
        *,
        kind: str | None = None,
        source_id: int | None = None,
        page: int = 1,
        per_page: int | None = None,
        after: int | None = None,
        before: int | None = None,
    ) -> Page[ChangeRow]:
        """Changes newest first, optionally of one ``kind`` or one source."""
        query = select(Change, Source.url).join(Source, Source.id == Change.source_id)
        if kind:
            query = query.where(Change.kind == kind)
        if source_id is not None:
            query = query.where(Change.source_id == source_id)
        with self._session() as session:
            return read_page(
                session,
                query,
                (Key(Change.detected_at, descending=True), Key(Change.id, descending=True)),
                Change.id,
                self._request(page, per_page, after, before),
                lambda rows: [_change_row(c, url) for c, url in rows],
            )

    def change(self, change_id: int) -> ChangeRow | None:
        """One change."""
        query = select(Change, Source.url).join(Source, Source.id == Change.source_id)
        with self._session() as session:
            found = session.execute(query.where(Change.id == change_id)).first()
            return None if found is None else _change_row(*found)

    def change_between(self, before_id: int, after_id: int) -> ChangeRow | None:
        """The change recorded between exactly these two captures, if any (the newest)."""
        query = (
            select(Change, Source.url)
            .join(Source, Source.id == Change.source_id)
            .where(Change.before_capture_id == before_id, Change.after_capture_id == after_id)
            .order_by(Change.id.desc())
            .limit(1)
        )
        with self._session() as session:
            found = session.execute(query).first()
            return None if found is None else _change_row(*found)

    # -- alerts -----------------------------------------------------------------------------

    def alerts(
        self,
        *,
        page: int = 1,
        per_page: int | None = None,
        after: int | None = None,
        before: int | None = None,
    ) -> Page[AlertView]:
        """Alerts newest first, each with its channels (targets masked)."""
        with self._session() as session:
            return read_page(
                session,
                alert_query(),
                (Key(Alert.created_at, descending=True), Key(Alert.id, descending=True)),
                Alert.id,
                self._request(page, per_page, after, before),
                lambda rows: alert_views(session, list(rows)),
            )


def _change_row(c: Change, url: str) -> ChangeRow:
    return ChangeRow(
        c.id,
        c.source_id,
        url,
        c.kind,
        c.detected_at,
        c.before_capture_id,
        c.after_capture_id,
        c.summary,
        tuple(c.added),
        tuple(c.removed),
        tuple(c.removed_quotes),
    )
