"""Sending due alerts: claim deliveries from the catalog, send each through a `Notifier`, record the outcome.

Per-target failures are data, not crashes: a failed send is retried later by `Backoff` and,
once retries run out, marked ``failed`` with the reason shown by ``citewatch alerts``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import apprise

from archive.catalog import Catalog
from scheduler.alerts.backoff import Backoff
from scheduler.alerts.errors import DeliveryError
from scheduler.alerts.targets import mask

log = logging.getLogger(__name__)

APPRISE_HELP = "not a notification URL Apprise understands (see https://github.com/caronc/apprise/wiki)"


class Notifier(Protocol):
    """Sends one message to one target; raises `DeliveryError` when it does not get through."""

    def send(self, target: str, title: str, body: str) -> None: ...


class AppriseNotifier:
    """The real `Notifier`: any Apprise URL (mailto://, slack://, matrix://, json://, …)."""

    def __init__(self, *, timeout: float = 15.0) -> None:
        self._timeout = timeout

    def send(self, target: str, title: str, body: str) -> None:
        """Send through a fresh Apprise object holding only ``target``, so results are per target."""
        # In-memory persistent store: delivering must not write caches into the user's home.
        client = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode=apprise.PersistentStoreMode.MEMORY))
        if not client.add(target):
            raise DeliveryError(mask(target), APPRISE_HELP)
        result = client.notify(
            body=body, title=title, body_format=apprise.NotifyFormat.TEXT, timeout=self._timeout
        )
        if not result:
            reasons = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR", "CRITICAL")]
            # Apprise's reasons are its own log lines; they never contain the URL's secrets.
            raise DeliveryError(mask(target), "; ".join(reasons) or f"Apprise reported {result!r}")


@dataclass(frozen=True)
class DeliveryReport:
    """What one `deliver_due` run did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    requeued: int = 0


def deliver_due(
    catalog: Catalog,
    notifier: Notifier,
    *,
    now: datetime,
    backoff: Backoff = Backoff(),  # noqa: B008 - frozen, so sharing the default is safe
    batch: int = 1,
    stale_after: timedelta | None = timedelta(minutes=15),
) -> DeliveryReport:
    """Send every delivery due by ``now`` and record each outcome.

    First puts back deliveries left ``sending`` for longer than ``stale_after`` by a process that
    died (see `Catalog.requeue_stale_sending` for the duplicate this can cause).  Claims ``batch``
    at a time, so several processes can deliver side by side without sending anything twice; one
    by default, claimed just before it is sent: a batch claimed at once and sent one after another
    behind a slow target would age past ``stale_after`` and be sent again by another process (a
    scale-out deployment has many delivering processes: every daemon and worker).
    """
    requeued = catalog.requeue_stale_sending(now - stale_after) if stale_after is not None else 0
    delivered = retrying = failed = 0
    while True:
        jobs = catalog.claim_due_deliveries(now, batch)
        for job in jobs:
            try:
                notifier.send(job.target, job.title, job.text)
            except DeliveryError as exc:
                retry_at = backoff.retry_at(job.attempts, now)
                catalog.finish_delivery(job.delivery_id, ok=False, error=exc.reason, retry_at=retry_at)
                if retry_at is None:
                    failed += 1
                    log.warning("alert %s: giving up after %d attempts: %s", job.alert_id, job.attempts, exc)
                else:
                    retrying += 1
                    log.info("alert %s: %s; retrying at %s", job.alert_id, exc, retry_at.isoformat())
            else:
                catalog.finish_delivery(job.delivery_id, ok=True, error=None, retry_at=None)
                delivered += 1
        if len(jobs) < batch:
            break
    return DeliveryReport(delivered, retrying, failed, requeued)
