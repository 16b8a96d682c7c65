"""`Leases`: sources handed to the workers of a scale-out deployment, each until a deadline.

The dispatcher leases the sources it pushes into the shared queue (`lease_sources`): a fresh
token, a deadline.  A worker that pops a request claims it (`claim_leases`) only while the token
is still the source's: a request left in the queue after its lease expired and the source was
dispatched again is stale and dropped, so no two workers capture a source for the same due time.
The worker renews the leases it holds while it works (`renew_leases`); recording the capture
clears the lease (`CaptureBatches.record_captures`, by token).  A worker killed mid-capture
leaves its leases to expire; the dispatcher then leases those sources again, with new tokens.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from archive.catalog.batches import in_chunks
from archive.catalog.mapping import aware, to_capture_view
from archive.catalog.models import Capture, Source
from archive.catalog.transactions import Transactions
from archive.catalog.views import CaptureView


@dataclass(frozen=True)
class Lease:
    """A source leased for dispatch: what goes into its queue entry."""

    source_id: int
    url: str
    token: str
    due_at: datetime | None
    until: datetime


@dataclass(frozen=True)
class LeaseCounts:
    """For `citewatch status`: sources leased now, due sources whose lease is past its deadline
    (to dispatch again), and due sources no live lease covers (waiting for the dispatcher)."""

    leased: int
    expired: int
    overdue: int


@dataclass(frozen=True)
class RoundProgress:
    """Of some sources: those captured since a moment, those of them without a response (failed),
    and how many of their captures change detection has still to judge."""

    captured: frozenset[int]
    failed: frozenset[int]
    unjudged: int


def _free(now: datetime) -> ColumnElement[bool]:
    """Not leased, or leased past the deadline."""
    return or_(Source.lease_token.is_(None), Source.lease_until < now)


class Leases(Transactions):
    """The lease columns of `source`, for the dispatcher, the workers and `status`."""

    def lease_sources(
        self,
        *,
        lease_for: timedelta,
        limit: int,
        due_only: bool = True,
        source_ids: Sequence[int] | None = None,
        now: datetime | None = None,
    ) -> list[Lease]:
        """Lease up to ``limit`` sources that no live lease holds, the longest due first: due ones
        (``due_only``), or every watched one, or those of ``source_ids``; paused ones never.

        On PostgreSQL the rows are locked with SKIP LOCKED, so two dispatchers racing (one
        about to lose its dispatcher lease) never lease one source twice."""
        when = self._at(now)
        until = when + lease_for
        query = select(Source.id, Source.url, Source.next_due_at).where(Source.paused.is_(False), _free(when))
        if source_ids is not None:
            query = query.where(Source.id.in_(list(source_ids)))
        if due_only:
            query = query.where(Source.next_due_at <= when)
        query = query.order_by(Source.next_due_at, Source.id).limit(limit)
        with self._tx() as session:
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=Source)
            rows = list(session.execute(query))
            leases = [Lease(sid, url, secrets.token_hex(16), due, until) for sid, url, due in rows]
            if leases:
                session.execute(
                    update(Source),
                    [
                        {
                            "id": lease.source_id,
                            "lease_token": lease.token,
                            "lease_until": until,
                            "lease_owner": None,
                        }
                        for lease in leases
                    ],
                )
            return leases

    def claim_leases(
        self,
        claims: Iterable[tuple[int, str]],
        *,
        owner: str,
        lease_for: timedelta,
        now: datetime | None = None,
    ) -> dict[str, str]:
        """Claim popped requests (source id, token) for worker ``owner``; return, by token, the URL
        of each source whose token it still is (the others are stale: the source was captured or
        dispatched again since).  The worker fetches that URL, the catalog's, and nothing else a
        queue entry says.  A claim extends the deadline: the worker starts now."""
        when = self._at(now)
        granted: dict[str, str] = {}
        with self._tx() as session:
            for source_id, token in claims:
                url = session.scalar(
                    update(Source)
                    .where(Source.id == source_id, Source.lease_token == token)
                    .values(lease_owner=owner, lease_until=when + lease_for)
                    .returning(Source.url)
                    .execution_options(synchronize_session=False)
                )
                if url is not None:
                    granted[token] = url
        return granted

    def renew_leases(
        self, tokens: Iterable[str], *, owner: str, lease_for: timedelta, now: datetime | None = None
    ) -> int:
        """Push back the deadline of the leases ``owner`` holds among ``tokens`` (still working on
        them); return how many it still holds."""
        when = self._at(now)
        return self._set_deadline(tokens, owner, when + lease_for)

    def release_leases(self, tokens: Iterable[str], *, owner: str, now: datetime | None = None) -> int:
        """Give back leases ``owner`` will not finish (a worker stopping): they expire now, and
        the dispatcher hands them out again at once instead of after the deadline."""
        return self._set_deadline(tokens, owner, self._at(now))

    def _set_deadline(self, tokens: Iterable[str], owner: str, until: datetime) -> int:
        """Move the deadline of the leases ``owner`` holds among ``tokens``; how many it holds."""
        held = 0
        with self._tx() as session:
            for chunk in in_chunks(sorted(set(tokens))):
                result = session.execute(
                    update(Source)
                    .where(Source.lease_token.in_(chunk), Source.lease_owner == owner)
                    .values(lease_until=until)
                    .execution_options(synchronize_session=False)
                )
                held += result.rowcount  # type: ignore[attr-defined]
        return held

    def lease_counts(self, now: datetime | None = None) -> LeaseCounts:
        """Leased, expired and overdue sources (see `LeaseCounts`)."""
        when = self._at(now)
        leased_rows = and_(Source.lease_token.is_not(None), Source.lease_until.is_not(None))
        with self._tx() as session:
            leased = session.scalar(select(func.count()).where(leased_rows, Source.lease_until >= when))
            # Past the deadline and due: waiting to be dispatched again.  (A lease left behind by a
            # capture recorded without it, by a dead worker's recovery, is not work to do.)
            expired = session.scalar(
                select(func.count()).where(leased_rows, Source.lease_until < when, Source.next_due_at <= when)
            )
            overdue = session.scalar(
                select(func.count()).where(Source.paused.is_(False), Source.next_due_at <= when, _free(when))
            )
        return LeaseCounts(int(leased or 0), int(expired or 0), int(overdue or 0))

    def round_progress(self, source_ids: Sequence[int], since: datetime) -> RoundProgress:
        """How far the capture of these sources since ``since`` has come (a command that queued
        them for the workers waits on this)."""
        since = aware("since", since)
        captured: set[int] = set()
        failed: set[int] = set()
        unjudged = 0
        with self._tx() as session:
            for chunk in in_chunks(sorted(set(source_ids))):
                query = select(Source.id, Source.last_status).where(
                    Source.id.in_(chunk), Source.last_captured_at >= since
                )
                for sid, status in session.execute(query):
                    captured.add(sid)
                    if status is None:
                        failed.add(sid)
                waiting = select(func.count()).where(
                    Capture.source_id.in_(chunk),
                    Capture.role == "source",
                    Capture.judged_at.is_(None),
                )
                unjudged += int(session.scalar(waiting) or 0)
        return RoundProgress(frozenset(captured), frozenset(failed), unjudged)

    def page_captured_since(self, url: str, since: datetime) -> CaptureView | None:
        """The newest capture of the article page at ``url`` made at or after ``since``, if any
        (ingest through the workers waits for it, and reports why it is no article)."""
        query = (
            select(Capture)
            .where(
                Capture.url == url, Capture.role == "article", Capture.captured_at >= aware("since", since)
            )
            .order_by(Capture.captured_at.desc(), Capture.id.desc())
            .limit(1)
        )
        with self._tx() as session:
            row = session.scalars(query).first()
            return None if row is None else to_capture_view(row)
