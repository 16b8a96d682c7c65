"""`AlertBook`: the part of `Catalog` that keeps alerts and their deliveries, one row per target.

A delivery moves ``pending`` -> ``sending`` (claimed) -> ``delivered``, back to ``pending`` with a
later ``next_attempt_at`` after a failure worth retrying, or to ``failed`` once retries run out.
Claiming is one guarded UPDATE, so any number of delivering processes can share the table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Row, Select, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.catalog import keyset
from archive.catalog.errors import InvalidValue, UnknownChange, UnknownDelivery
from archive.catalog.keyset import Key
from archive.catalog.mapping import aware
from archive.catalog.masking import mask_url
from archive.catalog.models import Alert, Change, Delivery, Source
from archive.catalog.transactions import Transactions
from archive.catalog.views import AlertView, ChannelView, DeliveryJob


class AlertBook(Transactions):
    """Alerts (one per change) and their deliveries to notification targets."""

    def create_alert(self, change_id: int, *, title: str, text: str, targets: Sequence[str]) -> int | None:
        """Create the alert for a change with one pending delivery per target, due now.

        Idempotent: if the change already has an alert, nothing is created and None is returned,
        so a re-run of detection (or two daemons racing) never alerts twice.  Duplicate targets
        are delivered once; no targets still records the alert (the UI and feed show it).
        """
        with self._tx() as session:
            if session.get(Change, change_id) is None:
                raise UnknownChange(change_id)
            return self._add_alert(session, change_id, title=title, text=text, targets=targets)

    def _add_alert(
        self, session: Session, change_id: int, *, title: str, text: str, targets: Sequence[str]
    ) -> int | None:
        """`create_alert` inside a caller's transaction."""
        wanted = list(dict.fromkeys(targets))
        if any(not t.strip() for t in wanted):
            raise InvalidValue("alert target", "", "an Apprise URL such as json://host/path or mailto://…")
        now = self._now()
        values: dict[str, Any] = {"change_id": change_id, "created_at": now, "title": title, "text": text}
        alert_id = self._insert_alert(session, values)
        if alert_id is None:
            return None
        session.add_all(
            Delivery(alert_id=alert_id, target=t, state="pending", attempts=0, next_attempt_at=now)
            for t in wanted
        )
        return alert_id

    @staticmethod
    def _insert_alert(session: Session, values: dict[str, Any]) -> int | None:
        dialect = session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            # ON CONFLICT DO NOTHING: the unique change_id decides the race without an error.
            insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
            statement = (
                insert(Alert)
                .values(values)
                .on_conflict_do_nothing(index_elements=["change_id"])
                .returning(Alert.id)
            )
            return session.execute(statement).scalar_one_or_none()
        try:
            with session.begin_nested():
                row = Alert(**values)
                session.add(row)
            return row.id
        except IntegrityError:
            return None

    def claim_due_deliveries(self, now: datetime, limit: int = 50) -> list[DeliveryJob]:
        """Claim up to ``limit`` pending deliveries due by ``now``: they become ``sending``, attempts + 1.

        The claim is one ``UPDATE … WHERE state = 'pending'``, so two processes claiming at the
        same moment never get the same delivery.  Returns them earliest due first, with the alert's
        title and text.
        """
        now = aware("now", now)
        due = (
            select(Delivery.id)
            .where(Delivery.state == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        claim = update(Delivery).values(state="sending", attempts=Delivery.attempts + 1, claimed_at=now)
        with self._tx() as session:
            dialect = session.get_bind().dialect
            if dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            if dialect.update_returning:
                statement = claim.where(Delivery.id.in_(due.scalar_subquery()), Delivery.state == "pending")
                statement = statement.returning(Delivery.id).execution_options(synchronize_session=False)
                claimed = list(session.scalars(statement))
            else:
                claimed = []
                for delivery_id in list(session.scalars(due)):
                    guarded = claim.where(Delivery.id == delivery_id, Delivery.state == "pending")
                    result = session.execute(guarded)
                    if isinstance(result, CursorResult) and result.rowcount == 1:
                        claimed.append(delivery_id)
            if not claimed:
                return []
            query = (
                select(Delivery, Alert)
                .join(Alert, Alert.id == Delivery.alert_id)
                .where(Delivery.id.in_(claimed))
                .order_by(Delivery.next_attempt_at, Delivery.id)
            )
            return [
                DeliveryJob(d.id, a.id, a.change_id, d.target, a.title, a.text, d.attempts)
                for d, a in session.execute(query)
            ]

    def finish_delivery(
        self, delivery_id: int, *, ok: bool, error: str | None, retry_at: datetime | None
    ) -> None:
        """Record how a send went: delivered; pending again at ``retry_at``; or failed for good."""
        now = self._now()
        with self._tx() as session:
            row = session.get(Delivery, delivery_id)
            if row is None:
                raise UnknownDelivery(delivery_id)
            row.claimed_at = None
            if ok:
                row.state, row.delivered_at, row.next_attempt_at, row.last_error = (
                    "delivered",
                    now,
                    None,
                    None,
                )
            elif retry_at is not None:
                row.state, row.next_attempt_at, row.last_error = "pending", aware("retry_at", retry_at), error
            else:
                row.state, row.next_attempt_at, row.last_error = "failed", None, error

    def requeue_stale_sending(self, older_than: datetime) -> int:
        """Put deliveries claimed before ``older_than`` and never finished back to pending, due now.

        Such a delivery was claimed by a process that died.  Trade-off: if it died after the
        message went out but before `finish_delivery`, the message is sent a second time; we
        prefer one duplicate to a lost alert.  Returns how many were requeued.
        """
        older_than = aware("older_than", older_than)
        statement = (
            update(Delivery)
            .where(Delivery.state == "sending", Delivery.claimed_at < older_than)
            .values(state="pending", next_attempt_at=self._now(), claimed_at=None)
        )
        with self._tx() as session:
            result = session.execute(statement)
            return result.rowcount if isinstance(result, CursorResult) else 0

    def list_alerts(self, *, limit: int | None = None) -> list[AlertView]:
        """Alerts newest first, each with its channels (targets masked) in the order they were added."""
        return list(self.iter_alerts(limit=limit))

    def iter_alerts(
        self, *, limit: int | None = None, batch: int = keyset.DEFAULT_BATCH
    ) -> Iterator[AlertView]:
        """`list_alerts` read ``batch`` alerts at a time: memory stays flat, and the channels are
        looked up for one batch of alerts at a time (a list of every alert id failed past SQLite's
        250,000 variables)."""
        for views in keyset.batches(
            self._tx,
            alert_query(),
            (Key(Alert.created_at, descending=True), Key(Alert.id, descending=True)),
            key_of=lambda r: (r[0].created_at, r[0].id),
            convert=lambda session, rows: alert_views(session, list(rows)),
            batch=batch,
            limit=limit,
        ):
            yield from views


def alert_query() -> Select[Alert, str, str]:
    """Alerts with their change's kind and source URL (callers add order, offset and limit)."""
    return (
        select(Alert, Change.kind, Source.url)
        .join(Change, Change.id == Alert.change_id)
        .join(Source, Source.id == Change.source_id)
    )


def alert_views(session: Session, rows: Sequence[Row[Alert, str, str]]) -> list[AlertView]:
    """Views of alert rows from :func:`alert_query`, each with its channels (targets masked)."""
    channels: dict[int, list[ChannelView]] = {}
    if rows:
        deliveries = select(Delivery).where(Delivery.alert_id.in_([a.id for a, _, _ in rows]))
        for d in session.scalars(deliveries.order_by(Delivery.id)):
            channels.setdefault(d.alert_id, []).append(
                ChannelView(
                    mask_url(d.target), d.state, d.attempts, d.last_error, d.next_attempt_at, d.delivered_at
                )
            )
    return [
        AlertView(a.change_id, url, kind, a.created_at, tuple(channels.get(a.id, ())), a.id, a.title)
        for a, kind, url in rows
    ]
