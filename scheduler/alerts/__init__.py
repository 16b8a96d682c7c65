"""Alerts: render a detected change as a message and deliver it through Apprise, with retries.

`render_alert` writes the message, `targets_for` picks where it goes, `deliver_due` sends what is
due and records the outcome in the catalog; `AppriseNotifier` is the real sender.
"""

from scheduler.alerts.backoff import Backoff
from scheduler.alerts.deliver import AppriseNotifier, DeliveryReport, Notifier, deliver_due
from scheduler.alerts.errors import AlertError, DeliveryError
from scheduler.alerts.message import render_alert
from scheduler.alerts.targets import mask, targets_for

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
