"""`gather_status` and the web UI's status page (issue 9, item 6) on a real catalog (SQLite, and
PostgreSQL under `make test`) and a real Redis: lease counts from the lease columns, the queue, the
dispatcher lease, live workers and per-host rates; without Redis only the catalog's side; with
Redis down one actionable error, on the command line and on the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from archive.catalog import Catalog, CitationRecord, open_catalog
from archive.web.security import UI_CSP
from citewatch.app import App
from citewatch.config import Settings
from citewatch.distributed import redacted
from citewatch.errors import ClusterUnavailable
from citewatch.render import status_json
from citewatch.status import gather_status
from crawler.cluster import keys
from crawler.cluster.heartbeat import beat, server_time
from tests.archive.catalog.backends import BACKENDS, empty_db_url
from tests.fixtures.site import free_port

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
URLS = [f"https://gov.example/s{n}" for n in range(5)]
CONTRACT = {"queue", "leased", "overdue", "workers"}  # ../shared/CLI.md: kept, only extended
WORKER_FIELDS = {"id", "host", "pid", "seen_at", "age_seconds", "captured", "state"}


def watch(catalog: Catalog) -> list[int]:
    """Five watched sources, all due at ``T0`` (cited an hour before)."""
    catalog.add_article(
        origin="a.md",
        title="A",
        kind="markdown",
        citations=[CitationRecord(u, "l", "s", (), n) for n, u in enumerate(URLS)],
    )
    return [s.id for s in catalog.sources_for_urls(URLS)]


@pytest.fixture(params=BACKENDS)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    cat = open_catalog(empty_db_url(request.param, tmp_path), clock=lambda: T0 - timedelta(hours=1))
    yield cat
    cat.close()


def leased_catalog(catalog: Catalog) -> None:
    watch(catalog)
    lease_some(catalog)


def lease_some(catalog: Catalog) -> None:
    """At ``T0``: two sources leased 10 minutes ago (expired: to dispatch again), one leased now,
    one paused, one due and never leased: 1 leased, 2 expired, 3 overdue."""
    ids = [s.id for s in catalog.sources_for_urls(URLS)]
    catalog.set_paused(ids[4], True)
    old = catalog.lease_sources(lease_for=LEASE, limit=2, source_ids=ids[:2], now=T0 - timedelta(minutes=10))
    assert len(old) == 2
    assert len(catalog.lease_sources(lease_for=LEASE, limit=1, source_ids=ids[2:3], now=T0)) == 1


def busy_redis(url: str) -> None:
    client = redis.Redis.from_url(url)
    for n in range(2):
        client.rpush(keys.REQUESTS, json.dumps({"url": URLS[n], "meta": {"citewatch": {"source_id": n}}}))
    client.set(keys.DISPATCHER, "daemon-a", ex=30)
    for worker in ("w1", "w2"):
        beat(client, worker, {"host": f"{worker}.example", "pid": 7, "captured": 3, "state": "crawling"})
    minute = int(server_time(client) // 60)
    client.hincrby(keys.host_hits_key(minute), "gov.example", 2)
    client.hincrby(keys.host_hits_key(minute - 1), "gov.example", 12)
    client.close()


def test_lease_counts_and_the_cluster(catalog: Catalog, redis_url: str, tmp_path: Path) -> None:
    leased_catalog(catalog)
    busy_redis(redis_url)
    doc = status_json(gather_status(Settings(home=tmp_path, redis_url=redis_url), catalog, T0))
    assert doc.keys() >= CONTRACT
    assert (doc["leased"], doc["expired"], doc["overdue"]) == (1, 2, 3)
    assert doc["queue"] == 2 and doc["redis"] == redis_url
    assert doc["dispatcher"]["owner"] == "daemon-a" and 0 < doc["dispatcher"]["ttl_seconds"] <= 30
    assert sorted(w["id"] for w in doc["workers"]) == ["w1", "w2"]
    assert all(w.keys() >= WORKER_FIELDS and w["captured"] == 3 for w in doc["workers"])
    assert (
        doc["hosts"] == [{"host": "gov.example", "requests_this_minute": 2, "requests_last_minute": 12}]
        and doc["host_count"] == 1
    )


def test_without_redis_only_the_catalog(catalog: Catalog, tmp_path: Path) -> None:
    leased_catalog(catalog)
    doc = status_json(gather_status(Settings(home=tmp_path), catalog, T0))
    assert (doc["leased"], doc["expired"], doc["overdue"]) == (1, 2, 3)
    assert doc["queue"] is None and doc["redis"] is None and doc["dispatcher"] is None
    assert doc["workers"] == [] and doc["hosts"] == [] and doc["host_count"] == 0
    # Later, nothing leased is live any more: every due source is overdue.
    later = status_json(gather_status(Settings(home=tmp_path), catalog, T0 + timedelta(hours=1)))
    assert (later["leased"], later["expired"], later["overdue"]) == (0, 3, 4)


def test_an_unreachable_redis_is_one_line_without_its_password(catalog: Catalog, tmp_path: Path) -> None:
    url = f"redis://:hunter2-secret@127.0.0.1:{free_port()}/0"
    with pytest.raises(ClusterUnavailable) as caught:
        gather_status(Settings(home=tmp_path, redis_url=url), catalog, T0)
    message = str(caught.value)
    assert "\n" not in message and "hunter2" not in message
    assert f"redis://:***@127.0.0.1:{url.rsplit(':', 1)[1]}" in message and "CITEWATCH_REDIS_URL" in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:pw@host:6379/0", "redis://:***@host:6379/0"),
        ("rediss://user:pw@host/1", "rediss://user:***@host/1"),
        ("redis://host:6379/0", "redis://host:6379/0"),
        ("unix:///run/redis.sock?db=2&password=pw", "unix:///run/redis.sock?db=2"),
        ("unix:///run/redis.sock", "unix:///run/redis.sock"),
    ],
)
def test_redacted_url(url: str, shown: str) -> None:
    assert redacted(url) == shown


# The web UI: the page and /api/status through the composition root, as `citewatch serve` builds them.


def web(tmp_path: Path, redis_url: str | None) -> tuple[App, TestClient]:
    """The app, on a clock at ``T0`` (its sources were cited an hour before, see `watch`)."""
    settings = Settings(home=tmp_path / "home", redis_url=redis_url, ui_base_url="http://testserver/")
    now = [T0 - timedelta(hours=1)]
    application = App(settings, clock=lambda: now[0])
    watch(application.catalog)
    now[0] = T0
    return application, TestClient(application.web_app())


def test_the_status_page_and_api(tmp_path: Path, redis_url: str) -> None:
    application, client = web(tmp_path, redis_url)
    lease_some(application.catalog)
    busy_redis(redis_url)
    api = client.get("/api/status")
    assert api.status_code == 200
    doc = api.json()
    cli = status_json(gather_status(application.settings, application.catalog, T0))
    assert doc.keys() == cli.keys()  # the same document as `citewatch status --json`
    assert (doc["queue"], doc["leased"], doc["expired"], doc["overdue"]) == (2, 1, 2, 3)
    assert sorted(w["id"] for w in doc["workers"]) == ["w1", "w2"]
    assert doc["hosts"][0]["requests_last_minute"] == 12
    page = client.get("/status")
    assert page.status_code == 200 and page.headers["content-security-policy"] == UI_CSP
    html = page.text
    assert '<meta http-equiv="refresh" content="15">' in html and "<script" not in html
    assert '<a href="/status">Status</a>' in html
    assert 'data-id="w1"' in html and 'data-id="w2"' in html and "gov.example" in html
    assert "daemon-a" in html and "1 leased, 2 with an expired lease" in html
    assert "/api/status" in client.get("/openapi.json").json()["paths"]


def test_hostile_heartbeats_are_escaped(tmp_path: Path, redis_url: str) -> None:
    _, client = web(tmp_path, redis_url)
    evil = "<script>alert(1)</script>"
    beat(redis.Redis.from_url(redis_url), "w1", {"host": evil, "state": evil})
    html = client.get("/status").text
    assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_status_page_without_redis(tmp_path: Path) -> None:
    _, client = web(tmp_path, None)
    page = client.get("/status")
    assert page.status_code == 200 and "single machine" in page.text and 'id="workers"' not in page.text
    doc = client.get("/api/status").json()
    assert doc["queue"] is None and doc["workers"] == [] and doc["overdue"] == 5


def test_the_status_page_with_redis_down(tmp_path: Path) -> None:
    _, client = web(tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    page = client.get("/status")
    assert page.status_code == 503 and "cannot reach Redis" in page.text
    api = client.get("/api/status")
    assert api.status_code == 503 and "CITEWATCH_REDIS_URL" in api.json()["detail"]
    assert client.get("/articles").status_code == 200  # the rest of the UI is unaffected
