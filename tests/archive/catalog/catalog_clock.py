"""The hand-moved clock of the catalog tests.

Imported by path (``tests.archive.catalog.catalog_clock``) rather than ``from conftest``, which
breaks as soon as pytest loads another directory's ``conftest`` first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = field(default=T0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
