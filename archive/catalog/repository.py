"""`Catalog`: the one way in and out of the catalog database, speaking in frozen views."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from cssselect import GenericTranslator, SelectorError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from archive.catalog import keyset
from archive.catalog.batches import CaptureBatches
from archive.catalog.capturelog import CaptureLog, LogItem, append, capture_fields
from archive.catalog.claims import Claims
from archive.catalog.counts import summaries
from archive.catalog.errors import InvalidValue, UnknownArticle, UnknownCapture, UnknownSource
from archive.catalog.judgements import Judgements, newest_captures
from archive.catalog.keyset import Key
from archive.catalog.leases import Leases
from archive.catalog.mapping import (
    aware,
    capture_columns,
    check_capture,
    merge_citations,
    to_article_view,
    to_capture_view,
    to_warc_view,
)
from archive.catalog.models import Article, Capture, Citation, Source, WarcFile
from archive.catalog.modes import Modes
from archive.catalog.originals import Originals
from archive.catalog.recoveries import Recoveries
from archive.catalog.views import (
    SOURCE_STATES,
    WARC_STATES,
    ArticleView,
    CaptureRecord,
    CaptureView,
    CitationRecord,
    CitationView,
    SourceRef,
    SourceSummary,
    WarcFileView,
)
from archive.text.patterns import InvalidPattern, check_pattern


class Catalog(Judgements, CaptureBatches, Leases, Modes, CaptureLog, Claims, Recoveries, Originals):
    """Articles, the sources they cite, captures, WARC files, changes and alerts.

    Each method runs in its own short transaction, so one instance can be shared by the threads
    of a process.  Build it with `archive.catalog.db.open_catalog`, which migrates the schema.
    Changes live in `ChangeLog`, alerts and their deliveries in `AlertBook`, change detection's
    verdicts on captures in `Judgements`, the crawl's batched capture writes in `CaptureBatches`,
    the scale-out's leases on sources in `Leases`, the hash-linked capture log in `CaptureLog`,
    what the rows say of WARC records in `Claims`.
    """

    # -- articles ---------------------------------------------------------------------------

    def add_article(
        self,
        *,
        origin: str,
        title: str,
        kind: str,
        citations: Sequence[CitationRecord],
        tags: Sequence[str] = (),
    ) -> ArticleView:
        """Add an article with its citations, or update the one with the same ``origin`` (same id).

        Sources are shared: one row per URL; a new one starts ``pending`` and due now.  On
        re-ingest, citations of sources still cited are updated, others removed; tags are merged.
        A URL cited twice in one article becomes one citation (first label and position, all quotes).
        """
        now = self._now()
        merged = merge_citations(citations)
        with self._tx() as session:
            source_ids = self._ensure_sources(session, [c.url for c in merged], now)
            article = session.scalars(select(Article).where(Article.origin == origin)).one_or_none()
            if article is None:
                article = Article(origin=origin, tags=[], ingested_at=now, title=title, kind=kind)
                session.add(article)
            article.title, article.kind, article.updated_at = title, kind, now
            article.tags = list(dict.fromkeys([*article.tags, *tags]))
            session.flush()
            existing = {
                c.source_id: c
                for c in session.scalars(select(Citation).where(Citation.article_id == article.id))
            }
            for record in merged:
                sid = source_ids[record.url]
                row = existing.pop(sid, None) or Citation(article_id=article.id, source_id=sid)
                row.label, row.sentence = record.label, record.sentence
                row.quotes, row.position = list(record.quotes), record.position
                session.add(row)
            for stale in existing.values():
                session.delete(stale)
            session.flush()
            return self._article_view(session, article)

    def set_article_capture(self, article_id: int, capture_id: int) -> None:
        """Link an article to the archived copy of its own page."""
        with self._tx() as session:
            article = session.get(Article, article_id)
            if article is None:
                raise UnknownArticle(article_id)
            if session.get(Capture, capture_id) is None:
                raise UnknownCapture(capture_id)
            article.capture_id = capture_id

    def set_article_tags(self, article_id: int, tags: Sequence[str]) -> None:
        """Replace an article's tags (duplicates dropped, order kept); tags route its alerts."""
        with self._tx() as session:
            article = session.get(Article, article_id)
            if article is None:
                raise UnknownArticle(article_id)
            article.tags = list(dict.fromkeys(tags))

    def get_article(self, article_id: int) -> ArticleView | None:
        """The article with that id, or None."""
        with self._tx() as session:
            article = session.get(Article, article_id)
            return None if article is None else self._article_view(session, article)

    def list_articles(self) -> list[ArticleView]:
        """Every article, oldest first, with its citations (two queries in all)."""
        with self._tx() as session:
            articles = list(session.scalars(select(Article).order_by(Article.id)))
            cited = self._citations(session, None)
            return [to_article_view(a, cited.get(a.id, ())) for a in articles]

    def _article_view(self, session: Session, article: Article) -> ArticleView:
        return to_article_view(article, self._citations(session, article.id).get(article.id, ()))

    @staticmethod
    def _citations(session: Session, article_id: int | None) -> dict[int, tuple[CitationView, ...]]:
        query = select(Citation, Source.url).join(Source, Source.id == Citation.source_id)
        if article_id is not None:
            query = query.where(Citation.article_id == article_id)
        out: dict[int, list[CitationView]] = {}
        for c, url in session.execute(query.order_by(Citation.position, Citation.id)):
            view = CitationView(c.source_id, url, c.label, c.sentence, tuple(c.quotes), c.position)
            out.setdefault(c.article_id, []).append(view)
        return {k: tuple(v) for k, v in out.items()}

    # -- sources ----------------------------------------------------------------------------

    def sources_to_crawl(
        self,
        *,
        due_only: bool,
        urls: Sequence[str] | None = None,
        now: datetime | None = None,
        limit: int | None = None,
    ) -> list[SourceRef]:
        """Unpaused sources to fetch: due ones (``next_due_at <= now``, earliest first) or all."""
        when = self._at(now)
        query = _crawl_query(due_only=due_only, urls=urls, now=when)
        if limit is not None:
            query = query.limit(limit)
        with self._tx() as session:
            return [SourceRef(sid, url) for sid, url, _ in session.execute(query)]

    def iter_sources_to_crawl(
        self,
        *,
        due_only: bool,
        urls: Sequence[str] | None = None,
        now: datetime | None = None,
        page: int = 1000,
    ) -> Iterator[SourceRef]:
        """`sources_to_crawl`, read page by page as the caller goes (keyset paging, each page in its
        own short transaction): a crawl of a million sources never holds them all in memory, and
        no transaction stays open while it runs.  Due sources are those due at ``now`` (fixed at
        the first page); one whose schedule moves meanwhile is read at most once."""
        when = self._at(now)
        after: tuple[datetime | None, int] | None = None
        while True:
            query = _crawl_query(due_only=due_only, urls=urls, now=when)
            if after is not None:
                due_at, last_id = after
                if due_only and due_at is not None:
                    query = query.where(
                        (Source.next_due_at > due_at)
                        | ((Source.next_due_at == due_at) & (Source.id > last_id))
                    )
                else:
                    query = query.where(Source.id > last_id)
            with self._tx() as session:
                rows = list(session.execute(query.limit(page)))
            for sid, url, _ in rows:
                yield SourceRef(sid, url)
            if len(rows) < page:
                return
            after = (rows[-1][2], rows[-1][0])

    def sources_for_urls(self, urls: Sequence[str]) -> list[SourceRef]:
        """The watched sources among these exact canonical URLs (paused ones included)."""
        query = select(Source.id, Source.url).where(Source.url.in_(list(urls))).order_by(Source.id)
        with self._tx() as session:
            return [SourceRef(sid, url) for sid, url in session.execute(query)]

    def set_source_state(self, source_id: int, state: str) -> None:
        """Set a source's state (change detection's verdict)."""
        if state not in SOURCE_STATES:
            raise InvalidValue("source state", state, " | ".join(SOURCE_STATES))
        with self._tx() as session:
            self._source(session, source_id).state = state

    def schedule(self, source_id: int, next_due_at: datetime) -> None:
        """Set when a source is next due for a re-crawl."""
        next_due_at = aware("next_due_at", next_due_at)
        with self._tx() as session:
            self._source(session, source_id).next_due_at = next_due_at

    def set_paused(self, source_id: int, paused: bool) -> None:
        """Pause or resume re-crawling one source."""
        with self._tx() as session:
            self._source(session, source_id).paused = paused

    def source_created_at(self, source_id: int) -> datetime | None:
        """When the source was first cited (the revisit policy ages sources from this moment)."""
        with self._tx() as session:
            value = session.scalar(select(Source.created_at).where(Source.id == source_id))
            return value

    def get_ignore_rules(self, source_id: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A source's ignore rules: (CSS selectors, regular expressions) change detection must skip."""
        with self._tx() as session:
            rules = self._source(session, source_id).ignore_rules or {}
            return tuple(rules.get("selectors", ())), tuple(rules.get("patterns", ()))

    def add_ignore_rule(self, url: str, *, selector: str | None = None, pattern: str | None = None) -> None:
        """Tell change detection to ignore part of a source: elements matching a CSS ``selector``
        and/or text matching a regular expression ``pattern`` (e.g. a visitor counter).
        Adding a rule that is already there does nothing."""
        selector = selector.strip() if selector is not None else None
        if not selector and not pattern:
            raise InvalidValue("ignore rule", None, "a CSS selector or a regular expression, or both")
        if selector:
            try:
                GenericTranslator().css_to_xpath(selector)
            except SelectorError as exc:
                raise InvalidValue(
                    "ignore selector", selector, f"a CSS selector such as '#weather' or 'div.ticker' ({exc})"
                ) from exc
        if pattern:
            try:
                check_pattern(pattern)
            except InvalidPattern as exc:
                raise InvalidValue(
                    "ignore pattern", pattern, f"a Python regular expression that runs fast (it {exc.reason})"
                ) from exc
        with self._tx() as session:
            source = session.scalars(select(Source).where(Source.url == url)).one_or_none()
            if source is None:
                raise UnknownSource(url)
            rules = source.ignore_rules or {}
            selectors, patterns = list(rules.get("selectors", [])), list(rules.get("patterns", []))
            if selector and selector not in selectors:
                selectors.append(selector)
            if pattern and pattern not in patterns:
                patterns.append(pattern)
            # A new dict, so the ORM sees the JSON column change.
            source.ignore_rules = {"selectors": selectors, "patterns": patterns}

    def list_sources(self) -> list[SourceSummary]:
        """Every source with its capture and article counts, by id."""
        return list(self.iter_sources())

    def iter_sources(self, *, batch: int = keyset.DEFAULT_BATCH) -> Iterator[SourceSummary]:
        """Every source with its counts, by id, read ``batch`` at a time (memory stays flat)."""
        for rows in keyset.batches(
            self._tx,
            select(Source),
            (Key(Source.id),),
            key_of=lambda r: (r[0].id,),
            convert=lambda session, rows: summaries(session, [r[0] for r in rows]),
            batch=batch,
        ):
            yield from rows

    # -- captures ---------------------------------------------------------------------------

    def record_capture(self, c: CaptureRecord) -> int:
        """Record a capture and return its id; a source capture also updates its source, a probe does not."""
        check_capture(c)
        with self._tx() as session:
            source = None if c.source_id is None else self._source(session, c.source_id)
            if c.parent_id is not None and session.get(Capture, c.parent_id) is None:
                raise UnknownCapture(c.parent_id)
            row = Capture(**capture_columns(c))
            session.add(row)
            # An older capture recorded late (spool recovery) must not roll the source back.  Its
            # state is change detection's to set (`record_judgement`), once it has judged the capture.
            if (
                c.role == "source"
                and source is not None
                and (source.last_captured_at is None or c.captured_at >= source.last_captured_at)
            ):
                source.last_status, source.last_captured_at = c.status, c.captured_at
            session.flush()
            append(session, [LogItem("capture", row.id, capture_fields(row.id, c))])
            return row.id

    def captures_for(self, url: str) -> list[CaptureView]:
        """A watched source's captures, oldest first; `UnknownSource` if the URL is not watched."""
        return list(self.iter_captures(url))

    def iter_captures(self, url: str, *, batch: int = keyset.DEFAULT_BATCH) -> Iterator[CaptureView]:
        """`captures_for` read ``batch`` at a time; `UnknownSource` is raised before the first one."""
        with self._tx() as session:
            source_id = session.scalars(select(Source.id).where(Source.url == url)).one_or_none()
        if source_id is None:
            raise UnknownSource(url)
        return self._capture_stream(source_id, batch)

    def _capture_stream(self, source_id: int, batch: int) -> Iterator[CaptureView]:
        query = select(Capture).where(Capture.source_id == source_id, Capture.role == "source")
        for views in keyset.batches(
            self._tx,
            query,
            (Key(Capture.captured_at), Key(Capture.id)),
            key_of=lambda r: (r[0].captured_at, r[0].id),
            convert=lambda _session, rows: [to_capture_view(r[0]) for r in rows],
            batch=batch,
        ):
            yield from views

    def latest_capture(self, source_id: int) -> CaptureView | None:
        """The newest capture of a source, or None (same as `latest_source_capture`)."""
        return self.latest_source_capture(source_id)

    def latest_source_capture(self, source_id: int, *, before_id: int | None = None) -> CaptureView | None:
        """The newest source capture of a source, or with ``before_id`` the newest one older than
        that capture (the one change detection compares it with); None if there is none."""
        query = select(Capture).where(Capture.source_id == source_id, Capture.role == "source")
        with self._tx() as session:
            if before_id is not None:
                pivot = session.get(Capture, before_id)
                if pivot is None:
                    raise UnknownCapture(before_id)
                query = query.where(
                    (Capture.captured_at < pivot.captured_at)
                    | ((Capture.captured_at == pivot.captured_at) & (Capture.id < pivot.id))
                )
            row = session.scalars(
                query.order_by(Capture.captured_at.desc(), Capture.id.desc()).limit(1)
            ).first()
            return None if row is None else to_capture_view(row)

    def latest_capture_for_url(self, url: str, *, responses_only: bool = False) -> CaptureView | None:
        """The newest capture of exactly this URL, in any role, that has a payload (a response or
        a revisit record).  ``responses_only`` skips revisits: a new revisit record must refer to
        the response record that holds the payload, not to another revisit.  A memento recovered
        from an archive is left out: its payload was fetched from another URL (its URI-M)."""
        kinds = ("response",) if responses_only else ("response", "revisit")
        query = (
            select(Capture)
            .where(Capture.url == url, Capture.record_type.in_(kinds), Capture.recovered_from.is_(None))
            .order_by(Capture.captured_at.desc(), Capture.id.desc())
            .limit(1)
        )
        with self._tx() as session:
            row = session.scalars(query).first()
            return None if row is None else to_capture_view(row)

    def latest_responses_for_urls(self, urls: Sequence[str]) -> dict[str, CaptureView]:
        """`latest_capture_for_url` (``responses_only``) for many URLs in one query: the newest
        response capture of each URL that has one.  For a crawl to look its targets up a batch
        at a time instead of one query per page; at most a few hundred URLs at once."""
        if not urls:
            return {}
        query = newest_captures(
            Capture.url,
            Capture.url.in_(list(urls)),
            Capture.record_type == "response",
            Capture.recovered_from.is_(None),
        )
        with self._tx() as session:
            return {row.url: to_capture_view(row) for row in session.scalars(query)}

    def sources_captured(self, source_ids: Sequence[int]) -> set[int]:
        """Those of these sources that have a source capture (`latest_source_capture` is not None),
        in one query; at most a few hundred ids at once."""
        if not source_ids:
            return set()
        query = (
            select(Capture.source_id)
            .where(Capture.source_id.in_(list(source_ids)), Capture.role == "source")
            .distinct()
        )
        with self._tx() as session:
            return {sid for sid in session.scalars(query) if sid is not None}

    def source_status(self, source_id: int) -> tuple[str, int]:
        """A source's state and its count of failed fetches in a row."""
        with self._tx() as session:
            source = self._source(session, source_id)
            return source.state, source.consecutive_failures

    def get_capture(self, capture_id: int) -> CaptureView | None:
        """The capture with that id, or None."""
        with self._tx() as session:
            row = session.get(Capture, capture_id)
            return None if row is None else to_capture_view(row)

    def requisites_of(self, capture_id: int) -> list[CaptureView]:
        """The page requisites captured for a source or article capture."""
        query = select(Capture).where(Capture.parent_id == capture_id).order_by(Capture.id)
        with self._tx() as session:
            return [to_capture_view(row) for row in session.scalars(query)]

    # -- WARC files -------------------------------------------------------------------------

    def register_warc(self, name: str) -> None:
        """Note a new WARC in the spool (idempotent)."""
        with self._tx() as session:
            if session.get(WarcFile, name) is None:
                session.add(WarcFile(name=name, state="spooled", created_at=self._now()))

    def mark_warc_stored(self, name: str, *, key: str, size: int, sha256: str) -> None:
        """Mark a WARC uploaded and verified; registers it first if spool recovery found it unregistered."""
        now = self._now()
        with self._tx() as session:
            warc = session.get(WarcFile, name)
            if warc is None:
                warc = WarcFile(name=name, created_at=now)
                session.add(warc)
            warc.state, warc.store_key, warc.size, warc.sha256, warc.stored_at = (
                "stored",
                key,
                size,
                sha256,
                now,
            )

    def warc(self, name: str) -> WarcFileView | None:
        """The WARC file of that name, or None."""
        with self._tx() as session:
            row = session.get(WarcFile, name)
            return None if row is None else to_warc_view(row)

    def list_warcs(self, state: str | None = None) -> list[WarcFileView]:
        """WARC files by name, optionally only those ``spooled`` or ``stored``."""
        query = select(WarcFile).order_by(WarcFile.name)
        if state is not None:
            if state not in WARC_STATES:
                raise InvalidValue("WARC state", state, " | ".join(WARC_STATES))
            query = query.where(WarcFile.state == state)
        with self._tx() as session:
            return [to_warc_view(row) for row in session.scalars(query)]


def _crawl_query(
    *, due_only: bool, urls: Sequence[str] | None, now: datetime
) -> Select[int, str, datetime | None]:
    query = select(Source.id, Source.url, Source.next_due_at).where(Source.paused.is_(False))
    if urls is not None:
        query = query.where(Source.url.in_(list(urls)))
    if due_only:
        return query.where(Source.next_due_at <= now).order_by(Source.next_due_at, Source.id)
    return query.order_by(Source.id)


def summary_query() -> Select[Source, int, int]:
    """Sources with their capture count (role=source) and citing-article count, as one statement;
    callers add filters, order and paging."""
    captures = (
        select(Capture.source_id.label("sid"), func.count().label("n"))
        .where(Capture.role == "source")
        .group_by(Capture.source_id)
        .subquery()
    )
    articles = (
        select(Citation.source_id.label("sid"), func.count(func.distinct(Citation.article_id)).label("n"))
        .group_by(Citation.source_id)
        .subquery()
    )
    return (
        select(Source, func.coalesce(captures.c.n, 0), func.coalesce(articles.c.n, 0))
        .outerjoin(captures, captures.c.sid == Source.id)
        .outerjoin(articles, articles.c.sid == Source.id)
    )
