"""One look at the cluster on a real Redis: the queue's length, the dispatcher lease, the live
workers and the per-host rates of the current and the last full minute, busiest hosts first."""

from __future__ import annotations

import json

import redis

from crawler.cluster import keys
from crawler.cluster.heartbeat import beat, server_time
from crawler.cluster.snapshot import HostRate, host_rates, read_snapshot


def test_an_idle_cluster(redis_url: str) -> None:
    snap = read_snapshot(redis.Redis.from_url(redis_url))
    assert snap.queue == 0 and snap.dispatcher is None and snap.workers == ()
    assert snap.hosts == () and snap.host_count == 0


def test_a_busy_cluster(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    for n in range(3):
        entry = {"url": f"http://a.example/{n}", "meta": {"citewatch": {"role": "source", "source_id": n}}}
        client.rpush(keys.REQUESTS, json.dumps(entry))
    client.set(keys.DISPATCHER, "daemon-a:1234", ex=30)
    beat(client, "w1", {"host": "h1", "pid": 1, "captured": 5, "state": "crawling"})
    minute = int(server_time(client) // 60)
    # As the shared politeness counts requests: per minute, per host.
    client.hincrby(keys.host_hits_key(minute), "a.example", 4)
    client.hincrby(keys.host_hits_key(minute), "b.example", 1)
    client.hincrby(keys.host_hits_key(minute - 1), "a.example", 30)
    client.hincrby(keys.host_hits_key(minute - 1), "c.example", 2)
    client.hincrby(keys.host_hits_key(minute - 2), "old.example", 99)  # two minutes ago: not shown

    snap = read_snapshot(client, top_hosts=2)
    assert snap.queue == 3
    assert snap.dispatcher is not None and snap.dispatcher.owner == "daemon-a:1234"
    assert snap.dispatcher.ttl_seconds is not None and 25 < snap.dispatcher.ttl_seconds <= 30
    assert [w.id for w in snap.workers] == ["w1"] and snap.workers[0].captured == 5
    assert snap.hosts == (HostRate("a.example", 4, 30), HostRate("c.example", 0, 2))
    assert snap.host_count == 3


def test_host_rates_are_bounded_and_ordered() -> None:
    this = {f"h{n:03}.example": n % 7 for n in range(100)}
    last = {f"h{n:03}.example": n % 5 for n in range(50, 150)}
    shown, count = host_rates(this, last, top=20)
    assert count == 150 and len(shown) == 20
    totals = [r.requests_this_minute + r.requests_last_minute for r in shown]
    assert totals == sorted(totals, reverse=True)
    everything = sorted(this.keys() | last.keys(), key=lambda h: -(this.get(h, 0) + last.get(h, 0)))
    assert min(totals) >= this.get(everything[20], 0) + last.get(everything[20], 0)
