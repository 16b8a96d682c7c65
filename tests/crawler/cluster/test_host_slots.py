"""HostSlots on a real Redis: the shared per-host limit, its delay, and slots that free themselves."""

from __future__ import annotations

import time

import redis

from crawler.cluster import keys
from crawler.cluster.politeness import FULL_POLL_SECONDS, HostLimit, HostSlots

HOLD = 30.0


def slots(url: str, *, concurrency: int = 1, delay: float = 0.0) -> HostSlots:
    return HostSlots(keys.connect(url), HostLimit(concurrency=concurrency, delay=delay))


def test_a_full_host_makes_the_next_request_wait_until_a_slot_is_released(redis_url: str) -> None:
    worker_a, worker_b = slots(redis_url, concurrency=2), slots(redis_url, concurrency=2)

    assert worker_a.try_acquire("un.org", "a1", hold=HOLD) == 0.0
    assert worker_b.try_acquire("un.org", "b1", hold=HOLD) == 0.0
    assert worker_b.try_acquire("un.org", "b2", hold=HOLD) == FULL_POLL_SECONDS
    assert worker_a.try_acquire("other.org", "a2", hold=HOLD) == 0.0  # hosts are counted apart

    worker_a.release("un.org", "a1")

    assert worker_b.try_acquire("un.org", "b2", hold=HOLD) == 0.0


def test_request_starts_to_a_host_are_spaced_by_the_delay_across_workers(redis_url: str) -> None:
    worker_a, worker_b = slots(redis_url, delay=0.5), slots(redis_url, delay=0.5)

    assert worker_a.try_acquire("un.org", "a1", hold=HOLD) == 0.0
    worker_a.release("un.org", "a1")
    wait = worker_b.try_acquire("un.org", "b1", hold=HOLD)

    # Free, but too soon: told how long to wait (what is left of the 0.5 s, measured by Redis).
    assert 0.3 < wait <= 0.5
    time.sleep(wait)
    assert worker_b.try_acquire("un.org", "b1", hold=HOLD) == 0.0


def test_a_killed_holders_slot_frees_itself_after_its_expiry(redis_url: str) -> None:
    killed, survivor = slots(redis_url, concurrency=2), slots(redis_url, concurrency=2)
    assert killed.try_acquire("un.org", "dead", hold=0.4) == 0.0
    assert survivor.try_acquire("un.org", "live", hold=HOLD) == 0.0
    # The holder is gone (SIGKILL): nobody ever releases "dead", while "live" is still in flight.
    del killed

    assert survivor.try_acquire("un.org", "next", hold=HOLD) > 0
    time.sleep(0.45)
    assert survivor.try_acquire("un.org", "next", hold=HOLD) == 0.0
    client = redis.Redis.from_url(redis_url)
    assert sorted(client.zrange(keys.host_active_key("un.org"), 0, -1)) == [b"live", b"next"]


def test_a_short_slot_does_not_shorten_the_life_of_a_longer_one(redis_url: str) -> None:
    worker = slots(redis_url, concurrency=2)
    worker.try_acquire("un.org", "long", hold=HOLD)
    worker.try_acquire("un.org", "short", hold=0.2)
    time.sleep(0.3)

    assert worker.try_acquire("un.org", "third", hold=HOLD) == 0.0
    assert worker.try_acquire("un.org", "fourth", hold=HOLD) > 0  # "long" still counts


def test_requests_started_are_counted_per_host_and_minute(redis_url: str) -> None:
    worker = slots(redis_url, concurrency=3)
    for token in ("a", "b", "c", "d"):  # "d" finds the host full: not a request started
        worker.try_acquire("un.org", token, hold=HOLD)
    worker.try_acquire("who.int", "e", hold=HOLD)

    client = redis.Redis.from_url(redis_url)
    seconds, _ = client.time()
    minute = int(seconds) // 60
    hits: dict[bytes, int] = {}
    for key in (keys.host_hits_key(minute - 1), keys.host_hits_key(minute)):  # a minute may just have turned
        for host, count in client.hgetall(key).items():
            hits[host] = hits.get(host, 0) + int(count)
    assert hits == {b"un.org": 3, b"who.int": 1}
    assert 0 < client.ttl(keys.host_hits_key(minute)) <= 180
