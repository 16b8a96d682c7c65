"""The benchmark's site: each host its own ~20 kB pages, kept-alive connections, the latency it is set to."""

from __future__ import annotations

import http.client
import time

import pytest

from benchmarks.latency_site import LatencySite, hosts_for


def fetch(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read(), time.perf_counter() - started


def test_pages_latency_and_keep_alive() -> None:
    with LatencySite(hosts_for(2), 3) as site:
        urls = site.urls()
        assert urls == [f"http://127.0.0.{h}:{site.port}/news/{n}" for n in (1, 2, 3) for h in (1, 2)]
        one = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
        two = http.client.HTTPConnection("127.0.0.2", site.port, timeout=10)
        status, page, _ = fetch(one, "/news/1")
        assert status == 200 and 20_000 <= len(page) < 22_000
        assert page.count(b"<p>") >= 10 and b"</html>" in page
        assert fetch(two, "/news/1")[1] != page  # another host, other pages
        assert fetch(one, "/news/1")[1] == page  # the same bytes every time
        assert fetch(one, "/news/4")[0] == 404
        site.latency = 0.2
        served = site.requests, site.pages_served
        status, _, elapsed = fetch(one, "/news/2")
        assert status == 200 and elapsed >= 0.2
        assert (site.requests, site.pages_served) == (served[0] + 1, served[1] + 1)
        assert site.connections == 2  # every request above went over the two kept-alive connections
        one.close()
        two.close()


def test_serves_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LatencySite(("10.0.0.1",), 1)
