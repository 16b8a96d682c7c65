"""What can go wrong delivering alerts, each with a message a user can act on."""

from __future__ import annotations


class AlertError(Exception):
    """Base class for alert errors."""


class DeliveryError(AlertError, ConnectionError):
    """A notification could not be delivered to one target (its URL is shown masked)."""

    def __init__(self, target: str, reason: str) -> None:
        self.target = target
        self.reason = reason
        super().__init__(f"could not deliver the alert to {target}: {reason}")
