"""Worker heartbeats on a real Redis: a beat lists the worker with what it said, by Redis's clock;
a worker unheard of for longer than the window drops out of the list and out of the set; a clean
stop forgets it at once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import redis

from crawler.cluster import keys
from crawler.cluster.heartbeat import beat, forget, live_workers, server_time

INFO: dict[str, str | int | float] = {
    "host": "crawl-1.example",
    "pid": 4242,
    "started_at": "2026-12-01T10:00:00+00:00",
    "captured": 17,
    "round": 3,
    "round_started_at": "2026-12-01T10:05:00+00:00",
    "state": "crawling",
}


def test_a_beat_lists_the_worker_with_what_it_said(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    seen = beat(client, "w1", INFO, ttl_seconds=45)
    now = server_time(client)
    assert now - 5 < seen <= now
    (worker,) = live_workers(client)
    assert worker.id == "w1" and worker.host == "crawl-1.example" and worker.pid == 4242
    assert worker.captured == 17 and worker.round == 3 and worker.state == "crawling"
    assert worker.started_at == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert worker.round_started_at == datetime(2026, 12, 1, 10, 5, tzinfo=UTC)
    assert worker.seen_at == datetime.fromtimestamp(seen, UTC)
    assert 0 <= worker.age_seconds < 5
    # The worker's hash expires with it unless beaten again; the set entry holds the beat's time.
    assert 0 < client.ttl(keys.worker_key("w1")) <= 45
    assert client.zscore(keys.WORKERS, "w1") == seen


def test_a_new_beat_replaces_what_the_worker_said(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    beat(client, "w1", INFO)
    beat(client, "w1", {"host": "crawl-1.example", "pid": 4242, "captured": 18, "state": "judging"})
    (worker,) = live_workers(client)
    assert worker.captured == 18 and worker.state == "judging"
    assert worker.round is None  # not said this time: not kept from the last beat either


def test_workers_unheard_of_too_long_age_out(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    beat(client, "old", INFO)
    beat(client, "new", {**INFO, "host": "crawl-2.example"})
    # "old" last beat two minutes ago by Redis's clock (its machine died since).
    client.zadd(keys.WORKERS, {"old": server_time(client) - 120})
    assert [w.id for w in live_workers(client, within_seconds=60)] == ["new"]
    assert client.zscore(keys.WORKERS, "old") is None  # removed, not only hidden
    assert client.zscore(keys.WORKERS, "new") is not None


def test_ageing_out_by_the_clock(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    beat(client, "w1", INFO)
    assert [w.id for w in live_workers(client, within_seconds=30)] == ["w1"]
    # Nothing touched: only time passes (a window shorter than the worker's age).
    time.sleep(0.5)
    assert live_workers(client, within_seconds=0.3) == []


def test_most_recent_first_and_forget(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    beat(client, "a", INFO)
    beat(client, "b", INFO)
    client.zadd(keys.WORKERS, {"a": server_time(client) - 10})
    assert [w.id for w in live_workers(client)] == ["b", "a"]
    forget(client, "b")
    assert [w.id for w in live_workers(client)] == ["a"]
    assert not client.exists(keys.worker_key("b"))


def test_a_malformed_heartbeat_does_not_break_the_list(redis_url: str) -> None:
    """A heartbeat from another version (or typed by hand) shows what can be read of it."""
    client = redis.Redis.from_url(redis_url)
    beat(client, "odd", {"pid": "not-a-pid", "captured": "inf", "started_at": "yesterday", "state": "x"})
    client.zadd(keys.WORKERS, {"bare": server_time(client)})  # a set entry whose hash expired
    workers = {w.id: w for w in live_workers(client)}
    assert workers["odd"].pid is None and workers["odd"].captured is None
    assert workers["odd"].started_at is None and workers["odd"].state == "x"
    assert workers["bare"].host is None and workers["bare"].captured is None
