"""What an HTTP status (or its absence) says about a source."""

from __future__ import annotations

from scheduler.detect.model import Observation

GONE = frozenset({404, 410})


def is_failure(observation: Observation) -> bool:
    """Whether the capture says nothing about the page, only that fetching it failed for now.

    Network errors, 5xx, 429 and the other 4xx (401, 403, 408, 451...: often a bot wall or a
    passing block) and a redirect chain that ended on a 3xx all count: one of them alone is never
    evidence that a statement was deleted.
    """
    status = observation.status
    if status is None:
        return True
    return status >= 500 or status == 429 or (300 <= status < 500 and status not in GONE)


def is_gone(observation: Observation) -> bool:
    """Whether the server says the page is gone (404 Not Found, 410 Gone)."""
    return observation.status in GONE


def describe_failure(observation: Observation) -> str:
    """A short reason for a failed fetch: 'HTTP 503', 'timeout', ..."""
    if observation.status is not None:
        return f"HTTP {observation.status}"
    return observation.error_kind or "fetch failed"
