"""`Judgements`: the part of `Catalog` that records what change detection made of each source capture.

A source capture is judged exactly once.  Its verdict — the source's new state, the change it
revealed, that change's alert and deliveries, and the capture's ``judged_at`` — is written in one
transaction guarded by ``judged_at IS NULL``: a detection pass killed at any point leaves the
capture unjudged, so the next pass judges it, and two passes racing never record a change twice.
A capture that cannot be judged keeps the reason and is retried; after the last attempt it is
given up, and later captures of its source are compared with the last capture that was judged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, CursorResult, and_, func, select, update
from sqlalchemy.orm import Session

from archive.catalog.alerts import AlertBook
from archive.catalog.changes import ChangeLog
from archive.catalog.errors import InvalidValue, UnknownCapture
from archive.catalog.mapping import aware, to_capture_view
from archive.catalog.models import Capture, Change, Source
from archive.catalog.views import SOURCE_STATES, CaptureView, ChangeView, Judgement, UncomparedCapture

AlertRenderer = Callable[[ChangeView], tuple[str, str]]
_REASON_CHARS = 500


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
            query = (
                select(Capture)
                .where(
                    Capture.source_id == source_id,
                    Capture.role == "source",
                    Capture.judged_at.is_not(None),
                    Capture.judge_error.is_(None),
                    Capture.status.is_not(None),
                    (Capture.captured_at < pivot.captured_at)
                    | ((Capture.captured_at == pivot.captured_at) & (Capture.id < pivot.id)),
                )
                .order_by(Capture.captured_at.desc(), Capture.id.desc())
                .limit(1)
            )
            row = session.scalars(query).first()
            return None if row is None else to_capture_view(row)

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

    def record_judgement(self, judgement: Judgement, *, render_alert: AlertRenderer) -> int | None:
        """Record a capture's verdict in one transaction and return the id of the change it revealed.

        Returns None when there was no change, or when the capture had been judged already (by an
        earlier run of the same pass, or by a racing process): nothing is then written.
        ``render_alert`` makes the (title, text) of the change's alert from the recorded change.
        """
        if judgement.state not in SOURCE_STATES:
            raise InvalidValue("source state", judgement.state, " | ".join(SOURCE_STATES))
        now = self._now()
        with self._tx() as session:
            capture = session.get(Capture, judgement.capture_id)
            if capture is None:
                raise UnknownCapture(judgement.capture_id)
            if not _claim(session, judgement.capture_id, now):
                return None
            assert capture.source_id is not None
            source = self._source(session, capture.source_id)
            source.state = judgement.state
            source.consecutive_failures = judgement.consecutive_failures
            change = judgement.change
            if change is None:
                return None
            if judgement.next_due_at is not None:
                source.next_due_at = aware("next_due_at", judgement.next_due_at)
            change_id = self._add_change(session, change)
            view = self._change_views(session, self._change_query().where(Change.id == change_id))[0]
            title, text = render_alert(view)
            self._add_alert(session, change_id, title=title, text=text, targets=judgement.alert_targets)
            return change_id

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
