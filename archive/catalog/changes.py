"""`ChangeLog`: the part of `Catalog` that records detected changes and answers what they touch."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, exists, select
from sqlalchemy.orm import Session, aliased

from archive.catalog import keyset
from archive.catalog.errors import InvalidValue, UnknownCapture
from archive.catalog.keyset import Key
from archive.catalog.mapping import aware
from archive.catalog.models import Article, Capture, Change, Citation, Evidence, Source
from archive.catalog.transactions import Transactions
from archive.catalog.views import CHANGE_KINDS, ArticleRef, ChangeRecord, ChangeView, CitingArticle


class ChangeLog(Transactions):
    """Changes (edited, deleted, redirected, unreachable, restored) and the articles they concern."""

    def record_change(self, c: ChangeRecord) -> int:
        """Record a detected change and return its id."""
        with self._tx() as session:
            return self._add_change(session, c)

    def _add_change(self, session: Session, c: ChangeRecord) -> int:
        """`record_change` inside a caller's transaction."""
        if c.kind not in CHANGE_KINDS:
            raise InvalidValue("change kind", c.kind, " | ".join(CHANGE_KINDS))
        detected_at = aware("detected_at", c.detected_at)
        self._source(session, c.source_id)
        for capture_id in (c.before_capture_id, c.after_capture_id):
            if capture_id is not None and session.get(Capture, capture_id) is None:
                raise UnknownCapture(capture_id)
        row = Change(
            source_id=c.source_id,
            kind=c.kind,
            detected_at=detected_at,
            before_capture_id=c.before_capture_id,
            after_capture_id=c.after_capture_id,
            summary=c.summary,
            added=list(c.added),
            removed=list(c.removed),
            removed_quotes=list(c.removed_quotes),
        )
        session.add(row)
        session.flush()
        return row.id

    def list_changes(self, *, since: datetime | None = None, limit: int | None = None) -> list[ChangeView]:
        """Changes newest first, optionally only those detected at or after ``since``."""
        return list(self.iter_changes(since=since, limit=limit))

    def iter_changes(
        self, *, since: datetime | None = None, limit: int | None = None, batch: int = keyset.DEFAULT_BATCH
    ) -> Iterator[ChangeView]:
        """`list_changes` read ``batch`` changes at a time, each batch with the articles citing its
        sources: memory stays flat, and no statement names more than ``batch`` sources (one list of
        every changed source made SQLite pick a bad plan, and failed past its 250,000 variables)."""
        query = self._change_query()
        if since is not None:
            query = query.where(Change.detected_at >= aware("since", since))
        for views in keyset.batches(
            self._tx,
            query,
            (Key(Change.detected_at, descending=True), Key(Change.id, descending=True)),
            key_of=lambda r: (r[0].detected_at, r[0].id),
            convert=self._views_of_rows,
            batch=batch,
            limit=limit,
        ):
            yield from views

    def get_change(self, change_id: int) -> ChangeView | None:
        """The change with that id, or None."""
        with self._tx() as session:
            views = self._change_views(session, self._change_query().where(Change.id == change_id))
        return views[0] if views else None

    @staticmethod
    def _change_query() -> Select[Change, str, datetime, datetime, str, bool]:
        before, after = aliased(Capture), aliased(Capture)
        # Whether the after capture kept a screenshot (a browser capture): alerts link it.
        screenshot = (
            exists()
            .where(Evidence.capture_id == Change.after_capture_id, Evidence.kind == "screenshot")
            .correlate(Change)
        )
        return (
            select(Change, Source.url, before.captured_at, after.captured_at, after.mode, screenshot)
            .join(Source, Source.id == Change.source_id)
            .join(after, after.id == Change.after_capture_id)
            .outerjoin(before, before.id == Change.before_capture_id)
        )

    def _change_views(
        self, session: Session, query: Select[Change, str, datetime, datetime, str, bool]
    ) -> list[ChangeView]:
        return self._views_of_rows(session, list(session.execute(query)))

    def _views_of_rows(self, session: Session, found: Sequence[Row[Any]]) -> list[ChangeView]:
        # The outer-joined "before" time may be None, whatever the Select's type says.
        rows: list[tuple[Change, str, datetime | None, datetime, str, bool]] = [tuple(r) for r in found]
        citing = self._citing(session, {row[0].source_id for row in rows})
        return [
            ChangeView(
                change.id,
                url,
                change.kind,
                change.detected_at,
                before_at,
                after_at,
                change.before_capture_id,
                change.after_capture_id,
                change.summary,
                tuple(change.added),
                tuple(change.removed),
                tuple(change.removed_quotes),
                tuple(CitingArticle(a.id, a.title, a.origin) for a in citing.get(change.source_id, ())),
                change.source_id,
                after_mode,
                bool(after_screenshot),
            )
            for change, url, before_at, after_at, after_mode, after_screenshot in rows
        ]

    def quotes_for_source(self, source_id: int) -> tuple[str, ...]:
        """Every quote that any article citing the source took from it, deduplicated, in citing order."""
        query = (
            select(Citation.quotes)
            .where(Citation.source_id == source_id)
            .order_by(Citation.article_id, Citation.position)
        )
        with self._tx() as session:
            quotes = [q for row in session.scalars(query) for q in row]
        return tuple(dict.fromkeys(quotes))

    def citing_articles(self, source_id: int) -> list[ArticleRef]:
        """The articles citing a source, oldest first, with their tags."""
        with self._tx() as session:
            return list(self._citing(session, {source_id}).get(source_id, ()))

    @staticmethod
    def _citing(session: Session, source_ids: Sequence[int] | set[int]) -> dict[int, list[ArticleRef]]:
        if not source_ids:
            return {}
        # Columns, not entities: a hot source is cited by thousands of articles.
        query = (
            select(Citation.source_id, Article.id, Article.title, Article.origin, Article.tags)
            .join(Article, Article.id == Citation.article_id)
            .where(Citation.source_id.in_(list(source_ids)))
            .order_by(Article.id)
        )
        out: dict[int, list[ArticleRef]] = {}
        for sid, aid, title, origin, tags in session.execute(query):
            out.setdefault(sid, []).append(ArticleRef(aid, title, origin, tuple(tags)))
        return out
