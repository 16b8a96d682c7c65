"""`citewatch status` as a user runs it (issue 9, item 6): with and without Redis, on a data
directory with leased sources, on one with nothing archived (nothing created), and against a Redis
that is not there (one line, exit 1)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

from archive.catalog import open_catalog
from crawler.cluster import keys
from crawler.cluster.heartbeat import beat, server_time
from tests.fixtures.site import free_port
from tests.integration.conftest import Citewatch
from tests.integration.test_read_only_commands import assert_one_line_error, files_only, snapshot

URLS = [f"https://gov.example/s{n}" for n in range(4)]
CONTRACT = {"queue", "leased", "overdue", "workers"}


def watched(tmp_path: Path) -> Citewatch:
    """Four watched sources, all due now; one leased for an hour, one whose lease ran out."""
    cw = Citewatch(home=tmp_path / "home")
    article = tmp_path / "article.md"
    article.write_text("".join(f"Said [here]({u}).\n" for u in URLS), encoding="utf-8")
    cw.run("ingest", "--no-crawl", str(article))
    catalog = open_catalog(f"sqlite:///{cw.home / 'catalog.db'}")
    try:
        ids = [s.id for s in catalog.sources_for_urls(URLS)]
        now = datetime.now(UTC)
        catalog.lease_sources(lease_for=timedelta(hours=1), limit=1, source_ids=ids[:1], now=now)
        catalog.lease_sources(
            lease_for=timedelta(minutes=5),
            limit=1,
            source_ids=ids[1:2],
            due_only=False,  # cited just now: not due yet ten minutes ago
            now=now - timedelta(minutes=10),
        )
    finally:
        catalog.close()
    return cw


def test_status_without_redis(tmp_path: Path) -> None:
    cw = watched(tmp_path)
    doc = cw.json("status")
    assert doc.keys() >= CONTRACT
    assert (doc["leased"], doc["expired"], doc["overdue"]) == (1, 1, 3)
    assert doc["queue"] is None and doc["workers"] == [] and doc["dispatcher"] is None
    assert doc["hosts"] == [] and doc["redis"] is None
    human = cw.run("status").stdout
    assert "single machine" in human and "3 source(s) due" in human


def test_status_with_redis(tmp_path: Path, redis_url: str) -> None:
    cw = watched(tmp_path)
    cw.env["CITEWATCH_REDIS_URL"] = redis_url
    client = redis.Redis.from_url(redis_url)
    client.rpush(keys.REQUESTS, json.dumps({"url": URLS[2], "meta": {"citewatch": {"source_id": 3}}}))
    client.set(keys.DISPATCHER, "daemon-on-box-a", ex=30)
    beat(client, "box-b", {"host": "box-b.example", "pid": 99, "captured": 41, "state": "crawling"})
    client.hincrby(keys.host_hits_key(int(server_time(client) // 60)), "gov.example", 3)

    doc = cw.json("status")
    assert (doc["queue"], doc["leased"], doc["expired"], doc["overdue"]) == (1, 1, 1, 3)
    assert doc["dispatcher"]["owner"] == "daemon-on-box-a"
    ((worker),) = doc["workers"]
    assert (worker["id"], worker["host"], worker["pid"], worker["captured"]) == (
        "box-b",
        "box-b.example",
        99,
        41,
    )
    assert doc["hosts"] == [{"host": "gov.example", "requests_this_minute": 3, "requests_last_minute": 0}]
    human = cw.run("status").stdout
    for text in (
        "distributed over Redis",
        "1 request(s) waiting",
        "daemon-on-box-a",
        "box-b.example",
        "gov.example",
    ):
        assert text in human, human


def test_status_with_nothing_archived_creates_nothing(tmp_path: Path, redis_url: str) -> None:
    cw = Citewatch(home=tmp_path / "home", env={"CITEWATCH_REDIS_URL": redis_url})
    before = files_only(snapshot(tmp_path))
    proc = cw.run("status", "--json")
    doc = json.loads(proc.stdout)
    assert (doc["leased"], doc["overdue"], doc["queue"]) == (0, 0, 0)
    assert "nothing archived in" in proc.stderr
    assert not cw.home.exists() and files_only(snapshot(tmp_path)) == before


def test_status_with_redis_down(tmp_path: Path) -> None:
    cw = watched(tmp_path)
    cw.env["CITEWATCH_REDIS_URL"] = f"redis://:hunter2-secret@127.0.0.1:{free_port()}/0"
    for args in (["status"], ["status", "--json"]):
        proc = cw.run(*args, check=False)
        assert_one_line_error(proc, "cannot reach Redis at redis://:***@127.0.0.1:")
        assert "hunter2" not in proc.stderr and "CITEWATCH_REDIS_URL" in proc.stderr
        assert proc.stdout == ""
