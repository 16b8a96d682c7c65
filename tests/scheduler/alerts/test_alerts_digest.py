"""When a tag's link-health digest is due: once per period, in the first run after it ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.alerts.digest import due_period

DAY = timedelta(days=1)
WINDOW = timedelta(seconds=30)
MIDNIGHT = datetime(2026, 11, 30, tzinfo=UTC)


def test_the_first_run_of_a_day_sends_the_day_before() -> None:
    assert due_period(MIDNIGHT + timedelta(seconds=12), period=DAY, window=WINDOW) == (
        MIDNIGHT - DAY,
        MIDNIGHT,
    )


def test_other_runs_send_nothing() -> None:
    assert due_period(MIDNIGHT + WINDOW, period=DAY, window=WINDOW) is None
    assert due_period(MIDNIGHT - timedelta(seconds=1), period=DAY, window=WINDOW) is None


def test_periods_are_aligned_on_the_epoch() -> None:
    hour = timedelta(hours=1)
    start = MIDNIGHT + 5 * hour
    assert due_period(start + timedelta(seconds=1), period=hour, window=WINDOW) == (start - hour, start)
