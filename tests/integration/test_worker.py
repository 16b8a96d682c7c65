"""`citewatch worker` on a real Redis and a loopback site: a round takes the queue, claims each
entry's lease, drops stale and foreign entries, captures each source once under its own WARC
prefix and spool, ends the leases and uploads its WARCs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

from archive.catalog import open_catalog
from crawler.cluster import keys
from crawler.cluster.queue import Entry, decode, push
from scheduler.dispatch import dispatch, entry
from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch

PAGES = [f"/statement-{n}" for n in range(4)]


def article(site: TestSite, tmp_path: Path) -> Path:
    for n, path in enumerate(PAGES):
        site.set_page(
            path, f"<html><body><main><p>Statement {n}: the ministry said it.</p></main></body></html>"
        )
    links = ", ".join(f"[s{n}]({site.url(p)})" for n, p in enumerate(PAGES))
    path = tmp_path / "article.md"
    path.write_text(f"# Story\n\nAs said in {links}.\n", encoding="utf-8")
    return path


def wait_for_heartbeat(redis_url: str, name: str, worker: subprocess.Popen[bytes]) -> None:
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 60
    while not client.zscore(keys.WORKERS, name):
        assert time.monotonic() < deadline and worker.poll() is None, "the worker did not start"
        time.sleep(0.1)


def test_a_worker_round_captures_each_queued_source_once_and_drops_stale_entries(
    cw: Citewatch, site: TestSite, redis_url: str, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'catalog.db'}"
    store = tmp_path / "store"
    cw.env.update(
        {
            "CITEWATCH_DB": db,
            "CITEWATCH_STORE": str(store),
            "CITEWATCH_REDIS_URL": redis_url,
            "CITEWATCH_WORKER_ID": "w1",
            "CITEWATCH_WORKER_IDLE_SECONDS": "0.5",
            "CITEWATCH_OBEY_ROBOTS": "0",
        }
    )
    cw.run("ingest", "--no-crawl", str(article(site, tmp_path)))
    client = redis.Redis.from_url(redis_url)
    # An hour ago the first source was dispatched, and its lease ran out in the queue...
    earlier = open_catalog(db, clock=lambda: datetime.now(UTC) - timedelta(hours=1))
    stale = earlier.lease_sources(lease_for=timedelta(minutes=5), limit=1, due_only=False)
    push(client, [entry(lease) for lease in stale])
    # ...so this dispatch leases it again, under a new token, with the others.
    catalog = open_catalog(db)
    assert dispatch(catalog, client, lease_for=timedelta(minutes=5), queue_limit=100) == len(PAGES)
    client.rpush(keys.REQUESTS, b"https://not-ours.example/bare-url")  # another tool's entry
    push(client, [Entry(url=site.url(PAGES[0]), source_id=stale[0].source_id, lease="f" * 32)])  # forged
    # Forged with a real token (anyone who can read Redis sees them) but another URL: not fetched.
    real = decode(client.lindex(keys.REQUESTS, -3))
    push(client, [Entry(url=site.url("/secret"), source_id=real.source_id, lease=real.lease)], urgent=True)

    proc = cw.run("worker", "--once", timeout=120)

    assert "dropped a queue entry" in proc.stderr
    assert "dropped a queue entry whose URL is not its source's" in proc.stderr
    assert site.requests_for("/secret") == []
    for path in PAGES:
        assert len(site.requests_for(path)) == 1, path  # the stale and forged entries were not fetched
    assert client.llen(keys.REQUESTS) == 0
    sources = {s["url"]: s for s in cw.json("sources")}
    assert {s["captures"] for s in sources.values()} == {1}
    counts = catalog.lease_counts()
    assert (counts.leased, counts.expired, counts.overdue) == (0, 0, 0)  # every lease ended by its capture
    # Its own WARC prefix and spool; uploaded at the end of the round, and the catalog says so.
    warcs = catalog.list_warcs()
    assert warcs and all(w.name.startswith("citewatch-w1-") and w.state == "stored" for w in warcs)
    assert not list((cw.home / "spool" / "w1").glob("*.warc.gz*"))
    assert sorted(p.name for p in (store / "warcs").iterdir()) == sorted(w.name for w in warcs)


def test_a_worker_without_redis_says_what_it_needs(cw: Citewatch) -> None:
    proc = cw.run("worker", "--once", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "citewatch: error: citewatch worker needs CITEWATCH_REDIS_URL (the shared queue); without it, "
        "`citewatch daemon` crawls by itself"
    ]


def test_ingest_with_redis_queues_the_article_and_waits_for_the_workers(
    cw: Citewatch, site: TestSite, redis_url: str, tmp_path: Path
) -> None:
    article(site, tmp_path)
    links = "".join(f'<p>As <a href="{site.url(p)}">said</a>.</p>' for p in PAGES)
    site.set_page("/news/story", f"<html><head><title>Story</title></head><body>{links}</body></html>")
    site.remove_page("/news/gone")
    cw.env.update(
        {
            "CITEWATCH_DB": f"sqlite:///{tmp_path / 'catalog.db'}",
            "CITEWATCH_STORE": str(tmp_path / "store"),
            "CITEWATCH_REDIS_URL": redis_url,
            "CITEWATCH_WORKER_ID": "w1",
            "CITEWATCH_WORKER_IDLE_SECONDS": "0.5",
            "CITEWATCH_OBEY_ROBOTS": "0",
        }
    )
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "citewatch", "worker"], env=cw.environ(), stdout=log, stderr=log
    )
    try:
        wait_for_heartbeat(redis_url, "w1", worker)
        proc = cw.run("ingest", site.url("/news/story"), site.url("/news/gone"), "--json", check=False)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        log.close()
    worker_log = (tmp_path / "worker.log").read_text()[-3000:]
    assert proc.returncode == 1, (
        f"{proc.stderr}\n--- worker:\n{worker_log}"
    )  # one article could not be fetched
    assert "could not ingest" in proc.stderr and "/news/gone" in proc.stderr and "HTTP 404" in proc.stderr
    [story] = json.loads(proc.stdout)
    assert story["title"] == "Story"
    assert sorted(s["url"] for s in story["sources"]) == sorted(site.url(p) for p in PAGES)
    for path in PAGES:  # captured by the worker before ingest returned, once each
        assert len(site.requests_for(path)) == 1, path
    assert worker.returncode == 0, worker_log  # SIGTERM: a clean stop


def test_a_second_worker_of_the_same_name_and_data_directory_is_refused(
    cw: Citewatch, redis_url: str, tmp_path: Path
) -> None:
    cw.env.update(
        {
            "CITEWATCH_DB": f"sqlite:///{tmp_path / 'catalog.db'}",
            "CITEWATCH_REDIS_URL": redis_url,
            "CITEWATCH_WORKER_ID": "w1",
        }
    )
    log = (tmp_path / "worker.log").open("w")
    first = subprocess.Popen(
        [sys.executable, "-m", "citewatch", "worker"], env=cw.environ(), stdout=log, stderr=log
    )
    try:
        wait_for_heartbeat(redis_url, "w1", first)  # it beats once it holds its name
        second = cw.run("worker", "--once", check=False)
        assert second.returncode == 1
        assert (
            second.stderr.strip()
            .splitlines()[-1]
            .startswith("citewatch: error: another worker named 'w1' runs")
        )
        assert first.poll() is None  # the first goes on
    finally:
        first.terminate()
        first.wait(timeout=60)
        log.close()
    assert first.returncode == 0


def test_a_capture_longer_than_its_lease_keeps_it(
    cw: Citewatch, site: TestSite, redis_url: str, tmp_path: Path
) -> None:
    """The worker renews the leases it works on: a slow page is not dispatched again meanwhile."""
    db = f"sqlite:///{tmp_path / 'catalog.db'}"
    cw.env.update(
        {
            "CITEWATCH_DB": db,
            "CITEWATCH_STORE": str(tmp_path / "store"),
            "CITEWATCH_REDIS_URL": redis_url,
            "CITEWATCH_WORKER_ID": "w1",
            "CITEWATCH_WORKER_IDLE_SECONDS": "0.5",
            "CITEWATCH_OBEY_ROBOTS": "0",
            "CITEWATCH_LEASE_SECONDS": "2",
            "CITEWATCH_DOWNLOAD_TIMEOUT": "30",
        }
    )
    cw.run("ingest", "--no-crawl", str(article(site, tmp_path)))
    site.set_page("/statement-0", "<html><body><p>Slow statement.</p></body></html>", delay=5.0)
    client = redis.Redis.from_url(redis_url)
    catalog = open_catalog(db)
    lease = timedelta(seconds=2)
    assert dispatch(catalog, client, lease_for=lease, queue_limit=100) == len(PAGES)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "citewatch", "worker", "--once"], env=cw.environ(), stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 60
        while not site.requests_for("/statement-0"):  # the slow fetch has begun
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.05)
        time.sleep(3.5)  # well past the 2 s lease, still fetching
        assert worker.poll() is None
        assert dispatch(catalog, client, lease_for=lease, queue_limit=100) == 0  # as the dispatcher would
        assert catalog.lease_counts().leased == 1
        worker.wait(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-3000:]
    assert len(site.requests_for("/statement-0")) == 1
    assert {s["captures"] for s in cw.json("sources")} == {1}
    counts = catalog.lease_counts()
    assert (counts.leased, counts.expired) == (0, 0)
