"""`Catalog` leases (scale-out): dispatch, claim, renew, expiry, release, and idempotent recording."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from archive.catalog import CaptureRecord, Catalog, CitationRecord, NewCapture
from tests.archive.catalog.catalog_clock import FakeClock

LEASE = timedelta(minutes=5)
URLS = [f"https://gov.example/s{n}" for n in range(5)]


@pytest.fixture
def ids(catalog: Catalog) -> list[int]:
    catalog.add_article(
        origin="a.md",
        title="A",
        kind="markdown",
        citations=[CitationRecord(u, "l", "s", (), n) for n, u in enumerate(URLS)],
    )
    return [s.id for s in catalog.sources_for_urls(URLS)]


def record(
    catalog: Catalog, clock: FakeClock, source_id: int, url: str, *, lease: str | None, rid: str
) -> int:
    entry = NewCapture(
        capture=CaptureRecord(
            url=url,
            captured_at=clock.now,
            status=200,
            role="source",
            source_id=source_id,
            record_id=rid,
            record_type="response",
        ),
        scheduled_at=clock.now,
        lease=lease,
    )
    return catalog.record_captures([entry], next_due=lambda first, now: now + timedelta(days=1))[0]


def test_due_sources_are_leased_once_until_the_deadline(
    catalog: Catalog, clock: FakeClock, ids: list[int]
) -> None:
    first = catalog.lease_sources(lease_for=LEASE, limit=3)
    assert [lease.source_id for lease in first] == ids[:3]
    assert len({lease.token for lease in first}) == 3
    second = catalog.lease_sources(lease_for=LEASE, limit=10)
    assert [lease.source_id for lease in second] == ids[3:]  # the leased ones are not handed out again
    assert catalog.lease_sources(lease_for=LEASE, limit=10) == []
    counts = catalog.lease_counts()
    assert (counts.leased, counts.expired, counts.overdue) == (5, 0, 0)
    clock.advance(minutes=6)
    counts = catalog.lease_counts()
    assert (counts.leased, counts.expired, counts.overdue) == (0, 5, 5)
    again = catalog.lease_sources(lease_for=LEASE, limit=10)
    assert sorted(lease.source_id for lease in again) == sorted(ids)
    assert not {lease.token for lease in again} & {lease.token for lease in first + second}


def test_a_stale_request_cannot_be_claimed(catalog: Catalog, clock: FakeClock, ids: list[int]) -> None:
    (old,) = catalog.lease_sources(lease_for=LEASE, limit=1)
    clock.advance(minutes=6)  # expired while queued: dispatched again under a new token
    (new,) = catalog.lease_sources(lease_for=LEASE, limit=1)
    assert new.source_id == old.source_id and new.token != old.token
    assert catalog.claim_leases([(old.source_id, old.token)], owner="w1", lease_for=LEASE) == {}
    assert catalog.claim_leases([(new.source_id, new.token)], owner="w2", lease_for=LEASE) == {
        new.token: new.url
    }


def test_claim_and_renewal_push_the_deadline_and_recording_ends_the_lease(
    catalog: Catalog, clock: FakeClock, ids: list[int]
) -> None:
    (lease,) = catalog.lease_sources(lease_for=LEASE, limit=1)
    clock.advance(minutes=4)
    assert catalog.claim_leases([(lease.source_id, lease.token)], owner="w1", lease_for=LEASE) == {
        lease.token: lease.url
    }
    clock.advance(minutes=4)  # 8 minutes after dispatch, 4 after the claim: still held
    assert catalog.renew_leases([lease.token], owner="w1", lease_for=LEASE) == 1
    assert catalog.renew_leases([lease.token], owner="w2", lease_for=LEASE) == 0  # not w2's
    clock.advance(minutes=4)
    assert catalog.lease_sources(lease_for=LEASE, limit=1, source_ids=[lease.source_id]) == []
    record(catalog, clock, lease.source_id, lease.url, lease=lease.token, rid="<urn:uuid:1>")
    counts = catalog.lease_counts()
    assert (counts.leased, counts.expired) == (0, 0)
    # Captured: no longer due, so not dispatched again.
    assert catalog.lease_sources(lease_for=LEASE, limit=10, source_ids=[lease.source_id]) == []


def test_a_late_recording_under_an_old_token_leaves_the_new_lease_alone(
    catalog: Catalog, clock: FakeClock, ids: list[int]
) -> None:
    (old,) = catalog.lease_sources(lease_for=LEASE, limit=1)
    clock.advance(minutes=6)
    (new,) = catalog.lease_sources(lease_for=LEASE, limit=1)
    record(catalog, clock, old.source_id, old.url, lease=old.token, rid="<urn:uuid:late>")
    assert catalog.lease_counts().leased == 1
    assert catalog.claim_leases([(new.source_id, new.token)], owner="w2", lease_for=LEASE) == {
        new.token: new.url
    }


def test_released_leases_are_dispatched_again_at_once(
    catalog: Catalog, clock: FakeClock, ids: list[int]
) -> None:
    leases = catalog.lease_sources(lease_for=LEASE, limit=2)
    catalog.claim_leases([(x.source_id, x.token) for x in leases], owner="w1", lease_for=LEASE)
    assert catalog.release_leases([leases[0].token], owner="w1") == 1
    clock.advance(seconds=1)
    again = catalog.lease_sources(lease_for=LEASE, limit=10)
    assert leases[0].source_id in {x.source_id for x in again}
    assert leases[1].source_id not in {x.source_id for x in again}


def test_paused_and_not_due_sources_are_not_leased_unless_all_are_asked_for(
    catalog: Catalog, clock: FakeClock, ids: list[int]
) -> None:
    record(catalog, clock, ids[0], URLS[0], lease=None, rid="<urn:uuid:x>")  # due tomorrow now
    catalog.set_paused(ids[1], True)
    due = {x.source_id for x in catalog.lease_sources(lease_for=LEASE, limit=10)}
    assert due == set(ids[2:])
    clock.advance(minutes=6)
    every = {x.source_id for x in catalog.lease_sources(lease_for=LEASE, limit=10, due_only=False)}
    assert every == {ids[0], *ids[2:]}


def test_recording_a_batch_twice_adds_no_second_capture(
    catalog: Catalog, clock: FakeClock, ids: list[int]
) -> None:
    first = record(catalog, clock, ids[0], URLS[0], lease=None, rid="<urn:uuid:same>")
    again = record(catalog, clock, ids[0], URLS[0], lease=None, rid="<urn:uuid:same>")
    assert again == first
    assert len(catalog.captures_for(URLS[0])) == 1


def test_the_catalog_refuses_a_second_row_for_one_record(
    catalog: Catalog, clock: FakeClock, ids: list[int]
) -> None:
    record(catalog, clock, ids[0], URLS[0], lease=None, rid="<urn:uuid:once>")
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), catalog.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO capture (source_id, role, url, captured_at, record_type, record_id, redirects, "
                "judge_attempts) VALUES (:s, 'source', :u, :t, 'response', '<urn:uuid:once>', '[]', 0)"
            ),
            {"s": ids[0], "u": URLS[0], "t": clock.now.replace(tzinfo=None)},
        )


def test_a_batch_recorded_again_moves_nothing_back(
    catalog: Catalog, clock: FakeClock, ids: list[int]
) -> None:
    record(catalog, clock, ids[0], URLS[0], lease=None, rid="<urn:uuid:first>")
    sooner = clock.now + timedelta(hours=2)
    with catalog.engine.begin() as conn:  # since then, detection rescheduled it (an edit: sooner)
        conn.execute(
            text("UPDATE source SET next_due_at = :t WHERE id = :s"),
            {
                "t": sooner if catalog.engine.dialect.name != "sqlite" else sooner.replace(tzinfo=None),
                "s": ids[0],
            },
        )
    record(catalog, clock, ids[0], URLS[0], lease=None, rid="<urn:uuid:first>")  # recovery, again
    [after] = [s for s in catalog.list_sources() if s.id == ids[0]]
    assert after.next_due_at == sooner


def test_a_lease_left_behind_by_a_capture_recorded_without_it_is_not_counted_expired(
    catalog: Catalog, clock: FakeClock, ids: list[int]
) -> None:
    (lease,) = catalog.lease_sources(lease_for=LEASE, limit=1)
    record(catalog, clock, lease.source_id, lease.url, lease=None, rid="<urn:uuid:recovered>")  # recovery
    clock.advance(minutes=6)
    counts = catalog.lease_counts()
    assert (counts.leased, counts.expired) == (0, 0)  # captured, not due: nothing to dispatch again
    clock.advance(days=2)  # due again: the old lease is no obstacle
    assert lease.source_id in {x.source_id for x in catalog.lease_sources(lease_for=LEASE, limit=10)}
