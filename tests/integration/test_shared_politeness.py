"""Two workers (two processes) crawling one host are together as polite as one (issue 9, item 3).

Each worker is a real crawl in its own process (``tests/integration/worker_crawl.py``) sharing
one real Redis; the host is a loopback server that logs when each request arrives and how many
are in flight at that moment.  The same two crawls without Redis show what the sharing prevents.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis
from warcio.archiveiterator import ArchiveIterator

from crawler.cluster import keys
from tests.fixtures.site import TestSite

REPO = Path(__file__).resolve().parents[2]
DELAY = 0.4
PAGES_PER_WORKER = 5
# How long the host takes to answer: long enough for two workers' requests to overlap if allowed.
ANSWER_SECONDS = 0.15
# Redis spaces the grants exactly; between a grant and the request's arrival there is the rest of
# the downloader chain, the worker's reactor and a loopback connect: a few ms, up to ~30 ms seen
# on this shared 2-core machine.  An earlier grant that arrives late shortens the next gap by that
# much.  Unshared workers leave gaps of a few ms (see the control test): far below this margin.
ARRIVAL_JITTER = 0.08


@dataclass
class Arrival:
    path: str
    at: float
    in_flight: int  # requests in flight at the host when this one arrived, this one included


@dataclass
class CountingHost:
    """A host that answers every GET after ANSWER_SECONDS and logs arrivals with the load they met."""

    arrivals: list[Arrival] = field(default_factory=list)
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with host._lock:
                    host._in_flight += 1
                    host.arrivals.append(Arrival(self.path, time.monotonic(), host._in_flight))
                try:
                    time.sleep(ANSWER_SECONDS)
                    body = b"<html><body><p>A statement.</p></body></html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    with host._lock:
                        host._in_flight -= 1

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def counting_host() -> Iterator[tuple[CountingHost, str]]:
    host = CountingHost()
    server = ThreadingHTTPServer(("127.0.0.1", 0), host.handler())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield host, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_workers(
    tmp_path: Path, urls_per_worker: list[list[str]], config: dict[str, Any]
) -> list[dict[str, str]]:
    """Run one crawl per URL list, each in its own process, starting together; their outcomes."""
    start_at = time.time() + 3.0  # after both have imported Scrapy
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.worker_crawl",
                json.dumps(
                    {"spool": str(tmp_path / f"w{n}"), "urls": urls, "config": config, "start_at": start_at}
                ),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, urls in enumerate(urls_per_worker)
    ]
    outcomes = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr[-3000:]
        assert "host slots were still held" not in stderr  # each slot was released when its download ended
        outcomes.append(json.loads(stdout.strip().splitlines()[-1]))
    return outcomes


def base_config(redis_url: str | None, **values: Any) -> dict[str, Any]:
    return {
        "allow_private": True,
        "requisites": False,
        "autothrottle": False,
        "retry_times": 0,
        "download_timeout": 10.0,
        "redis_url": redis_url,
        **values,
    }


def crawl_one_host_with_two_workers(
    tmp_path: Path, host: CountingHost, base: str, redis_url: str | None
) -> tuple[list[float], int]:
    """The gaps between request starts the host saw, and the most requests it had in flight."""
    workers = [[f"{base}/w{w}/p{n}" for n in range(PAGES_PER_WORKER)] for w in range(2)]
    config = base_config(redis_url, obey_robots=False, concurrent_per_domain=1, download_delay=DELAY)
    outcomes = run_workers(tmp_path, workers, config)
    assert [sorted(o.values()) for o in outcomes] == [["200"] * PAGES_PER_WORKER] * 2
    starts = sorted(a.at for a in host.arrivals)
    assert len(starts) == 2 * PAGES_PER_WORKER
    return [b - a for a, b in itertools.pairwise(starts)], max(a.in_flight for a in host.arrivals)


def test_two_workers_together_keep_one_hosts_delay_and_concurrency(
    tmp_path: Path, counting_host: tuple[CountingHost, str], redis_url: str
) -> None:
    host, base = counting_host

    gaps, most_in_flight = crawl_one_host_with_two_workers(tmp_path, host, base, redis_url)

    assert most_in_flight == 1
    # The whole run is spaced by the one delay: the span is (requests - 1) delays.  Single gaps are
    # measured where the requests arrive, so one request a client sent late (a loaded machine:
    # CI saw 0.447 s then 0.305 s) shortens the next gap by as much; half a delay still tells the
    # shared gate from two workers firing together.
    assert sum(gaps) >= len(gaps) * DELAY - ARRIVAL_JITTER, gaps
    assert min(gaps) >= DELAY / 2, gaps
    # Both workers crawled: the host's requests came from the two of them, interleaved by Redis.
    assert {a.path.split("/")[1] for a in host.arrivals} == {"w0", "w1"}
    client = redis.Redis.from_url(redis_url)
    minute = int(client.time()[0]) // 60
    hits = sum(int(client.hget(keys.host_hits_key(m), "127.0.0.1") or 0) for m in (minute - 1, minute))
    assert hits == 2 * PAGES_PER_WORKER
    assert client.zcard(keys.host_active_key("127.0.0.1")) == 0  # every slot was given back


def test_without_redis_two_workers_each_keep_only_their_own_limit(
    tmp_path: Path, counting_host: tuple[CountingHost, str]
) -> None:
    """The control: the measurement above does see what two unshared workers do to a host."""
    host, base = counting_host

    gaps, _ = crawl_one_host_with_two_workers(tmp_path, host, base, None)

    # Each worker spaces only its own requests: two of them leave gaps far shorter than the delay.
    # (They also overlap at the host now and then, so the in-flight count is not asserted here.)
    assert min(gaps) < DELAY - ARRIVAL_JITTER, gaps
    assert sum(gaps) < len(gaps) * DELAY - ARRIVAL_JITTER, gaps  # and the run takes far less time


def test_robots_txt_is_fetched_once_for_two_workers_and_obeyed_by_both(
    tmp_path: Path, redis_url: str
) -> None:
    with TestSite() as site:
        # A redirect chain too: RedirectMiddleware answers its hops with new requests, so this
        # middleware never sees their responses; their slots must still come back.
        workers = [
            [
                site.url("/private/page"),
                site.url("/redirect/chain"),
                *(site.url(f"/statements/{n}") for n in range(w * 2 + 1, w * 2 + 3)),
            ]
            for w in range(2)
        ]
        outcomes = run_workers(
            tmp_path, workers, base_config(redis_url, obey_robots=True, concurrent_per_domain=2)
        )
        paths = [r.url_path for r in site.requests]

    assert paths.count("/robots.txt") == 1
    assert "/private/page" not in paths
    assert paths.count("/plain") == 2  # both redirect chains were followed to the end
    for urls, outcome in zip(workers, outcomes, strict=True):
        # (A redirect also sends the spider's soft-404 probe to the host: not a target, not asserted.)
        assert [outcome[u] for u in urls] == ["robots", "200", "200", "200"], outcome
    # The worker that fetched robots.txt archived it, as one crawl does; the other had nothing to archive.
    robots_records = 0
    for warc in tmp_path.glob("w*/**/*.warc.gz"):
        with warc.open("rb") as stream:
            robots_records += sum(
                1
                for record in ArchiveIterator(stream)
                if record.rec_type == "response"
                and record.rec_headers.get_header("WARC-Target-URI").endswith("/robots.txt")
            )
    assert robots_records == 1
