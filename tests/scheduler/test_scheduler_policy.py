"""RevisitPolicy.next_due: hourly while fresh, daily for a month, weekly after; a change resets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.policy import RevisitPolicy

FIRST_SEEN = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


@pytest.mark.parametrize(
    ("age", "interval"),
    [
        (timedelta(0), HOUR),
        (timedelta(hours=23, minutes=59), HOUR),
        (DAY, DAY),  # the tier bound belongs to the next tier
        (timedelta(days=29, hours=23), DAY),
        (timedelta(days=30), WEEK),
        (timedelta(days=400), WEEK),
    ],
)
def test_interval_grows_with_age(age: timedelta, interval: timedelta) -> None:
    now = FIRST_SEEN + age

    assert RevisitPolicy().next_due(first_seen=FIRST_SEEN, now=now) == now + interval


@pytest.mark.parametrize("age", [timedelta(hours=2), timedelta(days=3), timedelta(days=90)])
def test_a_change_brings_a_source_back_to_hourly(age: timedelta) -> None:
    now = FIRST_SEEN + age

    assert RevisitPolicy().next_due(first_seen=FIRST_SEEN, now=now, changed=True) == now + HOUR


def test_tiers_are_configurable() -> None:
    policy = RevisitPolicy(
        fresh_for=timedelta(hours=6),
        fresh_interval=timedelta(minutes=15),
        recent_for=timedelta(days=7),
        recent_interval=timedelta(hours=6),
        old_interval=timedelta(days=30),
    )

    assert policy.next_due(first_seen=FIRST_SEEN, now=FIRST_SEEN) == FIRST_SEEN + timedelta(minutes=15)
    later = FIRST_SEEN + DAY
    assert policy.next_due(first_seen=FIRST_SEEN, now=later) == later + timedelta(hours=6)
    old = FIRST_SEEN + timedelta(days=8)
    assert policy.next_due(first_seen=FIRST_SEEN, now=old) == old + timedelta(days=30)


def test_next_due_is_always_after_now() -> None:
    policy = RevisitPolicy()
    for days in range(0, 60, 3):
        now = FIRST_SEEN + timedelta(days=days)
        assert policy.next_due(first_seen=FIRST_SEEN, now=now) > now
