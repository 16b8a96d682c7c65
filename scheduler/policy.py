"""The revisit policy: when to look at a source again.

New citations matter most while the story is fresh, and that is when official pages get quietly
edited, so a source is checked often at first and less often as it ages: hourly during its
first day, daily for its first month, weekly after that.  A source that just changed is brought
back to the hourly tier.  Bounds are configurable; the function is pure so it can be reasoned
about and tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RevisitPolicy:
    """Age tiers of a source, and the interval used inside each."""

    fresh_for: timedelta = timedelta(days=1)
    fresh_interval: timedelta = timedelta(hours=1)
    recent_for: timedelta = timedelta(days=30)
    recent_interval: timedelta = timedelta(days=1)
    old_interval: timedelta = timedelta(days=7)

    def next_due(self, *, first_seen: datetime, now: datetime, changed: bool = False) -> datetime:
        """When a source first seen at ``first_seen`` and captured ``now`` should be captured again."""
        age = now - first_seen
        if changed or age < self.fresh_for:
            interval = self.fresh_interval
        elif age < self.recent_for:
            interval = self.recent_interval
        else:
            interval = self.old_interval
        return now + interval
