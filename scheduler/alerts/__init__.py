"""Alerts: render a detected change as a message and deliver it through Apprise, with retries.

`render_alert` writes the message, `targets_for` picks where it goes, `deliver_due` sends what is
due and records the outcome in the catalog; `AppriseNotifier` is the real sender.

The delivery names are loaded on first use (`archive.exports`): they bring in Apprise (~0.14 s),
which a crawl that detects no change never needs, though it renders and addresses alerts through
this package.
"""

from typing import TYPE_CHECKING

from archive.exports import lazy_exports
from scheduler.alerts.backoff import Backoff
from scheduler.alerts.errors import AlertError, DeliveryError
from scheduler.alerts.message import render_alert
from scheduler.alerts.targets import mask, targets_for

if TYPE_CHECKING:
    from scheduler.alerts.deliver import AppriseNotifier, DeliveryReport, Notifier, deliver_due

__all__ = [
    "AlertError",
    "AppriseNotifier",
    "Backoff",
    "DeliveryError",
    "DeliveryReport",
    "Notifier",
    "deliver_due",
    "mask",
    "render_alert",
    "targets_for",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        name: "scheduler.alerts.deliver"
        for name in ("AppriseNotifier", "DeliveryReport", "Notifier", "deliver_due")
    },
)
