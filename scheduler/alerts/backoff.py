"""`Backoff`: when to retry a failed delivery, and when to give up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``base``, then ``base * factor``, … capped at ``max``; at most
    ``max_attempts`` sends in all (the defaults try 8 times over about two hours)."""

    base: timedelta = timedelta(seconds=60)
    factor: float = 2.0
    max: timedelta = timedelta(hours=6)
    max_attempts: int = 8

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failed send."""
        delay = self.base
        # Multiply step by step and stop at the cap, so a large attempt count cannot overflow.
        for _ in range(max(attempts - 1, 0)):
            if delay >= self.max:
                break
            delay = delay * self.factor
        return min(delay, self.max)

    def retry_at(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` failed sends, or None to give up."""
        if attempts >= self.max_attempts:
            return None
        return now + self.delay(attempts)
