"""`Judgements`: the part of `Catalog` that records what change detection made of each source capture.

A source capture is judged exactly once.  Its verdict — the source's new state, the change it
revealed, that change's alert and deliveries, and the capture's ``judged_at`` — is written in one
transaction guarded by ``judged_at IS NULL``: a detection pass killed at any point leaves the
capture unjudged, so the next pass judges it, and two passes racing never record a change twice.
A capture that cannot be judged keeps the reason and is retried; after the last attempt it is
given up, and later captures of its source are compared with the last capture that was judged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, Select, and_, func, or_, select, update
from sqlalchemy.orm import QueryableAttribute, Session

from archive.catalog.alerts import AlertBook
from archive.catalog.changes import ChangeLog
from archive.catalog.errors import InvalidValue, UnknownCapture
from archive.catalog.mapping import aware, to_capture_view
from archive.catalog.models import Capture, Change, Citation, Source
from archive.catalog.views import (
    SOURCE_STATES,
    CaptureView,
    ChangeView,
    Judgement,
    JudgementOutcome,
    JudgingContext,
    UncomparedCapture,
)

AlertRenderer = Callable[[ChangeView], tuple[str, str]]
_REASON_CHARS = 500

# A source's state until the first judgement of one of its captures (every judgement sets one).
NEVER_JUDGED = "pending"


def _unjudged() -> ColumnElement[bool]:
    # The same predicate as the partial index ix_capture_unjudged, so the planner can use it.
    return and_(Capture.judged_at.is_(None), Capture.role == "source")


class Judgements(ChangeLog, AlertBook):
    """Which source captures wait for change detection, and the verdicts recorded on them."""

    def unjudged_sources(self) -> list[int]:
        """The sources with at least one capture not judged yet, the longest-waiting first."""
        query = (
            select(Capture.source_id)
            .where(_unjudged())
            .group_by(Capture.source_id)
            .order_by(func.min(Capture.captured_at), Capture.source_id)
        )
        with self._tx() as session:
            return [source_id for source_id in session.scalars(query) if source_id is not None]

    def has_unjudged(self) -> bool:
        """Whether any source capture waits for change detection."""
        with self._tx() as session:
            return session.scalars(select(Capture.id).where(_unjudged()).limit(1)).first() is not None

    def unjudged_captures(self, source_id: int) -> list[CaptureView]:
        """A source's captures not judged yet, oldest first: the order they must be judged in."""
        query = (
            select(Capture)
            .where(Capture.source_id == source_id, _unjudged())
            .order_by(Capture.captured_at, Capture.id)
        )
        with self._tx() as session:
            return [to_capture_view(row) for row in session.scalars(query)]

    def last_judged_capture(self, source_id: int, *, before_id: int) -> CaptureView | None:
        """The newest capture of a source older than ``before_id`` that was judged and got an HTTP
        response: what change detection compares that capture with.  A failed fetch gives nothing
        to compare with, and a capture that could not be judged may hold an edit nobody saw."""
        with self._tx() as session:
            pivot = session.get(Capture, before_id)
            if pivot is None:
                raise UnknownCapture(before_id)
            return _comparable_before(session, source_id, to_capture_view(pivot))

    def given_up_between(self, source_id: int, *, after_id: int, before_id: int) -> bool:
        """Whether a capture of the source newer than ``after_id`` and older than ``before_id`` was
        given up (change detection tried it until its last attempt)."""
        with self._tx() as session:
            after, before = session.get(Capture, after_id), session.get(Capture, before_id)
            if after is None or before is None:
                raise UnknownCapture(after_id if after is None else before_id)
            query = select(Capture.id).where(
                Capture.source_id == source_id,
                Capture.role == "source",
                Capture.judged_at.is_not(None),
                Capture.judge_error.is_not(None),
                (Capture.captured_at > after.captured_at)
                | ((Capture.captured_at == after.captured_at) & (Capture.id > after.id)),
                (Capture.captured_at < before.captured_at)
                | ((Capture.captured_at == before.captured_at) & (Capture.id < before.id)),
            )
            return session.scalars(query.limit(1)).first() is not None

    def judging_contexts(self, *, after_source_id: int = 0, limit: int = 200) -> list[JudgingContext]:
        """The next ``limit`` sources (by id, after ``after_source_id``) with captures waiting to be
        judged, each with all that judging them needs: one read for a whole batch, not a dozen
        small transactions per capture.

        Another process may judge some of them between the statements of this read (workers of
        a scale-out deployment do, on PostgreSQL's READ COMMITTED): a source left with nothing
        waiting is left out, and a batch left with none at all is followed by the next one."""
        while True:
            with self._tx() as session:
                source_ids = list(
                    session.scalars(
                        select(Capture.source_id)
                        .where(_unjudged(), Capture.source_id > after_source_id)
                        .group_by(Capture.source_id)
                        .order_by(Capture.source_id)
                        .limit(limit)
                    )
                )
                wanted = [sid for sid in source_ids if sid is not None]
                if not wanted:
                    return []
                contexts = _contexts(session, wanted)
            if contexts:
                return contexts
            after_source_id = wanted[-1]

    def record_judgement(self, judgement: Judgement, *, render_alert: AlertRenderer) -> int | None:
        """Record one capture's verdict (see `record_judgements`) and return the id of the change it
        revealed, or None; an error writing it is raised, with nothing written."""
        [outcome] = self.record_judgements([judgement], render_alert=render_alert)
        if outcome.error is not None:
            raise outcome.error
        return outcome.change_id

    def record_judgements(
        self, judgements: Sequence[Judgement], *, render_alert: AlertRenderer
    ) -> list[JudgementOutcome]:
        """Record many captures' verdicts in one transaction, each all or nothing.

        For each: the capture is marked judged (unless someone judged it already: then nothing is
        written for it), the source takes its new state, and a change is recorded with its alert
        and deliveries (``render_alert`` makes the alert's title and text from the change).  A
        judgement whose writing fails is rolled back alone (a savepoint) and reported with its
        error; the later judgements of the same source are then not written either, since each
        was made after the one before.
        """
        for judgement in judgements:
            if judgement.state not in SOURCE_STATES:
                raise InvalidValue("source state", judgement.state, " | ".join(SOURCE_STATES))
        now = self._now()
        outcomes: list[JudgementOutcome] = []
        stopped: set[int] = set()
        with self._tx() as session:
            _open_before_savepoints(session)
            # The batch's captures and their sources in two reads, not two per judgement: the
            # session.get calls below then find them in the session (which holds them weakly:
            # `loaded` keeps them alive until the batch is written).
            capture_ids = [j.capture_id for j in judgements]
            captures = list(session.scalars(select(Capture).where(Capture.id.in_(capture_ids))))
            source_ids = {c.source_id for c in captures if c.source_id is not None}
            loaded = [*captures, *session.scalars(select(Source).where(Source.id.in_(source_ids)))]
            for judgement in judgements:
                capture = session.get(Capture, judgement.capture_id)
                if capture is None:
                    outcomes.append(
                        JudgementOutcome(
                            judgement.capture_id, False, error=UnknownCapture(judgement.capture_id)
                        )
                    )
                    continue
                source_id = capture.source_id or 0
                if source_id in stopped:
                    outcomes.append(JudgementOutcome(judgement.capture_id, False))
                    continue
                try:
                    with session.begin_nested():
                        outcome = self._write_judgement(session, judgement, source_id, now, render_alert)
                except Exception as error:  # this judgement only; the batch goes on
                    outcome = JudgementOutcome(judgement.capture_id, False, error=error)
                if not outcome.recorded:
                    stopped.add(source_id)
                outcomes.append(outcome)
            del loaded
        return outcomes

    def _write_judgement(
        self,
        session: Session,
        judgement: Judgement,
        source_id: int,
        now: datetime,
        render_alert: AlertRenderer,
    ) -> JudgementOutcome:
        if not _claim(session, judgement.capture_id, now):
            return JudgementOutcome(judgement.capture_id, False)
        source = self._source(session, source_id)
        source.state = judgement.state
        source.consecutive_failures = judgement.consecutive_failures
        change = judgement.change
        if change is None:
            return JudgementOutcome(judgement.capture_id, True)
        if judgement.next_due_at is not None:
            source.next_due_at = aware("next_due_at", judgement.next_due_at)
        change_id = self._add_change(session, change)
        if not judgement.alert:
            return JudgementOutcome(judgement.capture_id, True, change_id=change_id)
        view = self._change_views(session, self._change_query().where(Change.id == change_id))[0]
        title, text = render_alert(view)
        self._add_alert(session, change_id, title=title, text=text, targets=judgement.alert_targets)
        return JudgementOutcome(judgement.capture_id, True, change_id=change_id)

    def record_judge_failure(self, capture_id: int, reason: str, *, max_attempts: int) -> UncomparedCapture:
        """Note that a capture could not be judged, and why; after ``max_attempts`` it is given up."""
        now = self._now()
        with self._tx() as session:
            capture = session.get(Capture, capture_id)
            if capture is None:
                raise UnknownCapture(capture_id)
            url = session.scalars(select(Source.url).where(Source.id == capture.source_id)).one()
            if capture.judged_at is not None and capture.judge_error is None:
                return _uncompared(capture, url)  # a racing pass judged it meanwhile: leave it be
            capture.judge_attempts += 1
            capture.judge_error = reason[:_REASON_CHARS] or "unknown error"
            if capture.judge_attempts >= max_attempts:
                capture.judged_at = now
            session.flush()
            return _uncompared(capture, url)

    def uncompared_captures(
        self, *, since: datetime | None = None, limit: int | None = None
    ) -> list[UncomparedCapture]:
        """Source captures change detection could not judge (retrying or given up), newest first."""
        query = (
            select(Capture, Source.url)
            .join(Source, Source.id == Capture.source_id)
            .where(Capture.judge_error.is_not(None), Capture.role == "source")
            .order_by(Capture.captured_at.desc(), Capture.id.desc())
        )
        if since is not None:
            query = query.where(Capture.captured_at >= aware("since", since))
        if limit is not None:
            query = query.limit(limit)
        with self._tx() as session:
            return [_uncompared(capture, url) for capture, url in session.execute(query)]


def _open_before_savepoints(session: Session) -> None:
    """Open SQLite's transaction now, so the savepoints that follow nest inside it.

    Python's sqlite3 begins a transaction only before its first INSERT/UPDATE/DELETE; a SAVEPOINT
    issued before one starts the transaction itself, and its RELEASE commits it: every judgement
    was its own commit (an fsync each, ~7 ms of a loaded disk per capture) and a batch was not
    one transaction.  IMMEDIATE: the batch writes anyway, and taking the write lock at once waits
    out another writer (busy timeout) instead of failing when a read snapshot cannot be upgraded.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _comparable() -> ColumnElement[bool]:
    """A source capture that can be a baseline: judged, without error, with an HTTP response (a
    memento recovered from an archive: a 2xx one, `scheduler.changes`)."""
    return and_(
        Capture.role == "source",
        Capture.judged_at.is_not(None),
        Capture.judge_error.is_(None),
        Capture.status.is_not(None),
        or_(Capture.recovered_from.is_(None), Capture.status.between(200, 299)),
    )


def _newest_judged(session: Session, source_ids: list[int]) -> dict[int, CaptureView]:
    """The newest comparable capture of each of these sources, in one query."""
    if not source_ids:
        return {}
    rows = session.scalars(
        newest_captures(Capture.source_id, Capture.source_id.in_(source_ids), _comparable())
    )
    return {row.source_id: to_capture_view(row) for row in rows if row.source_id is not None}


def newest_captures(partition: QueryableAttribute[Any], *conditions: ColumnElement[bool]) -> Select[Capture]:
    """The newest capture (by capture time, then id) of each value of ``partition`` among those
    meeting ``conditions``: one query for a batch, instead of an ORDER BY … LIMIT 1 each."""
    newest_first = (Capture.captured_at.desc(), Capture.id.desc())
    ranked = (
        select(Capture.id, func.row_number().over(partition_by=partition, order_by=newest_first).label("n"))
        .where(*conditions)
        .subquery()
    )
    return select(Capture).join(ranked, ranked.c.id == Capture.id).where(ranked.c.n == 1)


def _baseline(
    session: Session, source_id: int, first: CaptureView, newest: CaptureView | None
) -> CaptureView | None:
    """The last comparable capture before ``first`` (the first waiting one), given the newest.
    Comparable means made the same way too: a browser capture is compared with browser captures."""
    if newest is None:
        return None  # none at all, so none before it
    if newest.mode == first.mode and (newest.captured_at, newest.id) < (first.captured_at, first.id):
        return newest
    return _comparable_before(session, source_id, first)


def _comparable_before(session: Session, source_id: int, first: CaptureView) -> CaptureView | None:
    """The last comparable capture of the source before ``first``."""
    query = (
        select(Capture)
        .where(
            Capture.source_id == source_id,
            _comparable(),
            Capture.mode == first.mode,
            (Capture.captured_at < first.captured_at)
            | ((Capture.captured_at == first.captured_at) & (Capture.id < first.id)),
        )
        .order_by(Capture.captured_at.desc(), Capture.id.desc())
        .limit(1)
    )
    row = session.scalars(query).first()
    return None if row is None else to_capture_view(row)


def _claim(session: Session, capture_id: int, now: datetime) -> bool:
    """Mark the capture judged unless someone did already: the guard that makes judging once."""
    result = session.execute(
        update(Capture)
        .where(Capture.id == capture_id, Capture.judged_at.is_(None))
        .values(judged_at=now, judge_error=None)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def _uncompared(capture: Capture, url: str) -> UncomparedCapture:
    assert capture.source_id is not None
    return UncomparedCapture(
        capture_id=capture.id,
        source_id=capture.source_id,
        url=url,
        captured_at=capture.captured_at,
        reason=capture.judge_error or "",
        attempts=capture.judge_attempts,
        given_up=capture.judged_at is not None,
    )


def _contexts(session: Session, wanted: list[int]) -> list[JudgingContext]:
    """`Judgements.judging_contexts` for these sources, read in ``session``."""
    sources = {s.id: s for s in session.scalars(select(Source).where(Source.id.in_(wanted)))}
    waiting: dict[int, list[CaptureView]] = {sid: [] for sid in wanted}
    rows = session.scalars(
        select(Capture)
        .where(Capture.source_id.in_(wanted), _unjudged())
        .order_by(Capture.source_id, Capture.captured_at, Capture.id)
    )
    for row in rows:
        waiting[row.source_id or 0].append(to_capture_view(row))
    quotes: dict[int, list[str]] = {sid: [] for sid in wanted}
    for sid, row_quotes in session.execute(
        select(Citation.source_id, Citation.quotes)
        .where(Citation.source_id.in_(wanted))
        .order_by(Citation.source_id, Citation.article_id, Citation.position)
    ):
        quotes[sid].extend(row_quotes)
    # Judged (or removed) by another process since the first statement: nothing left to judge.
    present = [sid for sid in wanted if waiting[sid] and sid in sources]
    judged = [sid for sid in present if sources[sid].state != NEVER_JUDGED]
    newest = _newest_judged(session, judged)
    recovered = _newest_recovered(session, [sid for sid in judged if sources[sid].state in _DEAD])
    contexts = []
    for sid in present:
        source, captures = sources[sid], waiting[sid]
        rules = source.ignore_rules or {}
        contexts.append(
            JudgingContext(
                source_id=sid,
                state=source.state,
                consecutive_failures=source.consecutive_failures,
                created_at=source.created_at,
                selectors=tuple(rules.get("selectors", ())),
                patterns=tuple(rules.get("patterns", ())),
                quotes=tuple(dict.fromkeys(quotes[sid])),
                # A source never judged has nothing to compare with (most of an ingest's
                # sources); for the others the newest judged capture, read for the whole batch
                # at once, is the baseline when it is older than the first waiting one
                # (always, but after a reindex of old WARCs).
                baseline=_baseline(session, sid, captures[0], newest.get(sid)) if sid in judged else None,
                captures=tuple(captures),
                recovered=recovered.get(sid),
            )
        )
    return contexts


# The states in which a source's text comes from a recovered memento, if it has one.
_DEAD = ("deleted", "unreachable")


def _newest_recovered(session: Session, source_ids: list[int]) -> dict[int, CaptureView]:
    """The newest judged memento (a 2xx recovered from an archive) of each of these sources."""
    if not source_ids:
        return {}
    rows = session.scalars(
        newest_captures(
            Capture.source_id,
            Capture.source_id.in_(source_ids),
            _comparable(),
            Capture.recovered_from.is_not(None),
        )
    )
    return {row.source_id: to_capture_view(row) for row in rows if row.source_id is not None}
