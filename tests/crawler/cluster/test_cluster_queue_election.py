"""The shared queue's entries, the dispatcher's lease and dispatching, on a real Redis."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from archive.catalog import Catalog, CitationRecord, open_catalog
from crawler.cluster import keys
from crawler.cluster.election import DispatcherLease, current_holder
from crawler.cluster.queue import BadEntry, Entry, decode, length, push
from scheduler.dispatch import dispatch

URLS = [f"https://gov.example/s{n}" for n in range(6)]


def test_an_entry_survives_the_queue_as_a_scrapy_redis_json_request() -> None:
    due = datetime(2026, 11, 30, 12, tzinfo=UTC)
    entry = Entry(url="https://gov.example/a?b=c", source_id=7, lease="ab" * 16, due=due)
    data = entry.encode()
    assert b'"url":"https://gov.example/a?b=c"' in data and b'"meta":{"citewatch"' in data
    assert decode(data) == entry
    target = decode(data).target()
    assert (target.url, target.source_id, target.lease) == (entry.url, 7, entry.lease)


@pytest.mark.parametrize(
    "data",
    [
        b"https://gov.example/bare-url",
        b'{"url": "https://gov.example/x"}',
        b'{"url": 5, "meta": {"citewatch": {}}}',
        b'{"url": "u", "meta": {"citewatch": {"role": "requisite"}}}',
        b'{"url": "u", "meta": {"citewatch": {"source_id": "7", "lease": "x"}}}',
        b'{"url": "u", "meta": {"citewatch": {"source_id": 7}}}',
        b'{"url": "u", "meta": {"citewatch": {"lease": "x"}}}',
        b'{"url": "u", "meta": {"citewatch": {"source_id": 7, "lease": "x", "due": "yesterday"}}}',
        b"\xff\xfe",
        b'{"url": "file:///etc/passwd", "meta": {"citewatch": {"role": "article"}}}',
        b'{"url": "ftp://gov.example/a", "meta": {"citewatch": {"role": "article"}}}',
        b'{"url": "", "meta": {"citewatch": {"role": "article"}}}',
        b'{"url": "http://[", "meta": {"citewatch": {"role": "article"}}}',
        b'{"url": "http:///no-host", "meta": {"citewatch": {"role": "article"}}}',
    ],
)
def test_what_is_not_a_citewatch_request_is_refused(data: bytes) -> None:
    with pytest.raises(BadEntry):
        decode(data)


def test_urgent_entries_go_first_in_their_order(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    push(
        client,
        [
            Entry(url="https://a.example/1", source_id=1, lease="a"),
            Entry(url="https://a.example/2", source_id=2, lease="b"),
        ],
    )
    push(
        client,
        [Entry(url="https://b.example/1", role="article"), Entry(url="https://b.example/2", role="article")],
        urgent=True,
    )
    assert [decode(d).url for d in client.lrange(keys.REQUESTS, 0, -1)] == [
        "https://b.example/1",
        "https://b.example/2",
        "https://a.example/1",
        "https://a.example/2",
    ]


def test_one_daemon_dispatches_and_the_other_takes_over_when_its_lease_lapses(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    first = DispatcherLease(client, ttl_seconds=0.5)
    second = DispatcherLease(client, ttl_seconds=0.5)
    assert first.hold() and not second.hold()
    assert first.hold()  # renewing
    holder = current_holder(client)
    assert holder is not None and holder.owner == first.owner and 0 < holder.ttl_seconds <= 0.5
    second.release()  # not second's to give up: nothing happens
    assert not second.hold()
    time.sleep(0.7)  # the first dies: no renewal
    assert second.hold() and not first.hold()
    second.release()
    assert current_holder(client) is None
    assert first.hold()


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    cat = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    cat.add_article(
        origin="a.md", title="A", kind="markdown", citations=[CitationRecord(u, "l", "s") for u in URLS]
    )
    return cat


def test_dispatch_fills_the_queue_to_its_limit_and_leases_what_it_queues(
    redis_url: str, catalog: Catalog
) -> None:
    client = redis.Redis.from_url(redis_url)
    lease = timedelta(minutes=5)
    assert dispatch(catalog, client, lease_for=lease, queue_limit=4) == 4
    assert dispatch(catalog, client, lease_for=lease, queue_limit=4) == 0  # full
    client.lpop(keys.REQUESTS, 3)  # workers took three
    assert dispatch(catalog, client, lease_for=lease, queue_limit=4) == 2  # the two left unleased
    assert length(client) == 3
    queued = [decode(d) for d in client.lrange(keys.REQUESTS, 0, -1)]
    assert all(e.lease and e.source_id for e in queued)
    assert catalog.lease_counts().leased == len(URLS)
    assert dispatch(catalog, client, lease_for=lease, queue_limit=100) == 0  # all leased


def test_sources_someone_waits_for_go_first_past_the_limit(redis_url: str, catalog: Catalog) -> None:
    client = redis.Redis.from_url(redis_url)
    lease = timedelta(minutes=5)
    assert dispatch(catalog, client, lease_for=lease, queue_limit=2) == 2  # the queue is full
    waited_for = [s.id for s in catalog.sources_for_urls(URLS[3:])]
    assert (
        dispatch(catalog, client, lease_for=lease, queue_limit=None, source_ids=waited_for, urgent=True) == 3
    )
    assert [decode(d).source_id for d in client.lrange(keys.REQUESTS, 0, 2)] == waited_for
    assert length(client) == 5
    with pytest.raises(ValueError, match="sources named"):
        dispatch(catalog, client, lease_for=lease, queue_limit=None)
