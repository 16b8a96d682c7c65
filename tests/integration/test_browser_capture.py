"""Browser captures (issue 10): real Chromium through the real warcprox sidecar, a real loopback site.

The site is on 127.0.0.2 (allowed to the sidecar and the browser by address); the canaries (TCP on
127.0.0.1 and 127.0.0.3, UDP on 127.0.0.1 for WebRTC's STUN) are allowed to nobody.
"""

from __future__ import annotations

import gzip
import io
import json
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.warc.writer import WarcWriter
from crawler.browser.capture import WATCHDOG_GRACE_SECONDS, BrowserCapturer, BrowserLimits
from crawler.browser.evidence import (
    DOM_URI,
    HTML,
    PNG,
    SCREENSHOT_URI,
    TEXT,
    TEXT_URI,
    TLS_NOTE,
    write_evidence,
)
from crawler.browser.recorder import WarcproxSidecar
from tests.fixtures.site import TestSite
from tests.integration.test_browser_recorder import (
    APP_JS,
    CHROMIUM,
    SITE_HOST,
    SPA,
    STATEMENT,
    WARCIO,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="!!! chromium is not installed (apt-get install chromium): the browser tests are SKIPPED !!!",
    ),
]
LIMITS = BrowserLimits(total_seconds=5.0, load_seconds=3.0, settle_seconds=1.5, max_resources=20)


class UdpCanary:
    """A UDP socket on 127.0.0.1 that counts every datagram (a STUN binding request is one)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = int(self.sock.getsockname()[1])
        self.packets = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.packets += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def site() -> Iterator[TestSite]:
    with TestSite(hosts=(SITE_HOST,)) as test_site:
        yield test_site


@pytest.fixture
def sidecar(tmp_path: Path) -> Iterator[WarcproxSidecar]:
    running = WarcproxSidecar(
        tmp_path / "warcs", tmp_path / "state", prefix="test-capture", allow_addresses=[SITE_HOST]
    ).start()
    try:
        yield running
    finally:
        running.stop(graceful=False)  # no test reads its files after it (~2 s sooner)


@pytest.fixture
def capturer(sidecar: WarcproxSidecar) -> Iterator[BrowserCapturer]:
    with BrowserCapturer(sidecar, limits=LIMITS, executable=CHROMIUM) as running:
        yield running


def serve_spa(site: TestSite) -> None:
    site.set_page("/", SPA)
    site.set_page(
        "/app.js",
        gzip.compress(APP_JS.encode(), mtime=0),
        headers=[("Content-Encoding", "gzip")],
        content_type="text/javascript",
    )
    site.set_page("/api/statement.json", json.dumps({"text": STATEMENT}), content_type="application/json")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def warc_records(path: Path) -> list[tuple[dict[str, str], bytes]]:
    with path.open("rb") as warc:
        return [
            ({k: v for k, v in record.rec_headers.headers}, record.content_stream().read())
            for record in ArchiveIterator(warc)
        ]


def test_spa_is_rendered_screenshotted_and_its_evidence_points_at_the_document(
    site: TestSite, sidecar: WarcproxSidecar, capturer: BrowserCapturer, tmp_path: Path
) -> None:
    serve_spa(site)
    result = capturer.capture(site.url("/"), page_id="capture-spa")

    assert result.status == 200
    assert result.final_url == site.url("/")
    assert result.text is not None and STATEMENT in result.text  # arrived by fetch(), not in the HTML
    assert result.screenshot is not None
    width, height = png_size(result.screenshot)
    assert width == LIMITS.viewport_width and height >= LIMITS.viewport_height
    assert result.blocked == () and not result.timed_out, (result.blocked, result.notes)
    urls = {r.url for r in result.records if r.warc_type == "response"}
    assert {site.url("/"), site.url("/app.js"), site.url("/api/statement.json")} <= urls
    document = [r for r in result.records if r.warc_type == "response" and r.url == site.url("/")]
    assert result.document_record_id == document[-1].record_id
    # The citewatch UA went out, and Warcprox-Meta did not reach the site.
    sent = site.requests_for("/api/statement.json")[0]
    assert "citewatch" in (sent.header("User-Agent") or "")
    assert sent.header("Warcprox-Meta") is None

    writer = WarcWriter(tmp_path / "evidence", prefix="evidence", warcinfo_fields={"description": "test"})
    evidence = write_evidence(writer, result, recorder_version=sidecar.version())
    writer.close()
    sidecar.stop()
    assert set(evidence.written) == {"screenshot", "dom", "text", "metadata"}
    assert evidence.written["screenshot"].width == LIMITS.viewport_width
    ours = sorted((tmp_path / "evidence").glob("*.warc.gz"))
    assert len(ours) == 1
    for warc in [*ours, *sidecar.warc_files()]:
        check = subprocess.run([WARCIO, "check", "-v", warc], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr
    by_type = {headers["WARC-Type"]: (headers, body) for headers, body in warc_records(ours[0])[1:]}
    assert set(by_type) == {"resource", "metadata"}
    resources = [(h, b) for h, b in warc_records(ours[0]) if h["WARC-Type"] == "resource"]
    assert [h["Content-Type"] for h, _ in resources] == [PNG, HTML, TEXT]
    assert resources[0][1] == result.screenshot
    assert STATEMENT in resources[1][1].decode("utf-8") and b"<script" in resources[1][1]
    assert STATEMENT in resources[2][1].decode("utf-8")
    # Evidence has target URIs of its own: a replay tool never serves it for the page's URL.
    assert [h["WARC-Target-URI"] for h, _ in resources] == [
        f"{prefix}{site.url('/')}" for prefix in (SCREENSHOT_URI, DOM_URI, TEXT_URI)
    ]
    metadata, fields = by_type["metadata"]
    assert metadata["WARC-Target-URI"] == site.url("/")
    for headers in [*(h for h, _ in resources), metadata]:
        assert headers["WARC-Concurrent-To"] == result.document_record_id
    assert TLS_NOTE.encode() in fields and b"warcprox 2.13" in fields and b"max-resources=20" in fields
    # The record it points at is the document's response, in the sidecar's WARC.
    pointed = [
        h
        for warc in sidecar.warc_files()
        for h, _ in warc_records(warc)
        if h["WARC-Record-ID"] == result.document_record_id
    ]
    assert len(pointed) == 1
    assert pointed[0]["WARC-Type"] == "response" and pointed[0]["WARC-Target-URI"] == site.url("/")


def test_lazy_content_below_the_fold_is_loaded_by_scrolling(
    site: TestSite, capturer: BrowserCapturer
) -> None:
    site.set_page("/api/more.json", json.dumps({"text": "Second statement, loaded on scroll."}))
    site.set_page(
        "/lazy",
        "<!doctype html><html><body><p>Top</p><div style='height: 3000px'></div><p id='more'></p><script>"
        "var asked = false; window.addEventListener('scroll', function () {"
        " if (asked || window.scrollY + window.innerHeight < document.body.scrollHeight - 100) return;"
        " asked = true; fetch('/api/more.json').then(function (r) { return r.json(); }).then(function (d) {"
        " var p = document.getElementById('more'); p.textContent = d.text; p.style.height = '2000px'; });"
        "});</script></body></html>",
    )
    # The default time limits: the tight ones of this module are for the tests that hit them, and on
    # a loaded machine (CI) scrolling and the fetch it starts did not fit in 5 s.
    capturer.limits = BrowserLimits(max_resources=LIMITS.max_resources)
    result = capturer.capture(site.url("/lazy"), page_id="lazy")
    assert result.text is not None and "Second statement, loaded on scroll." in result.text
    assert result.screenshot is not None and png_size(result.screenshot)[1] > 5000


def test_endless_loop_before_load_still_returns_in_time(site: TestSite, capturer: BrowserCapturer) -> None:
    site.set_page(
        "/loop", "<!doctype html><html><body><p>Loop</p><script>while (true) {}</script></body></html>"
    )
    started = time.monotonic()
    result = capturer.capture(site.url("/loop"), page_id="loop")
    assert time.monotonic() - started < LIMITS.total_seconds + 4
    assert result.timed_out, result.notes
    assert any("load" in note for note in result.notes), result.notes


def test_page_with_too_many_resources_is_capped(
    site: TestSite, sidecar: WarcproxSidecar, capturer: BrowserCapturer
) -> None:
    images = LIMITS.max_resources + 15
    for i in range(images):
        site.set_page(f"/img/{i}.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png")
    tags = "".join(f"<img src='/img/{i}.png'>" for i in range(images))
    site.set_page("/many", f"<!doctype html><html><body><p>Many images</p>{tags}</body></html>")
    result = capturer.capture(site.url("/many"), page_id="many")

    assert result.resources == LIMITS.max_resources
    capped = [b for b in result.blocked if b.reason == "resource-cap"]
    assert len(capped) >= images + 1 - LIMITS.max_resources  # the page itself was one resource
    fetched = sum(len(site.requests_for(f"/img/{i}.png")) for i in range(images))
    assert fetched <= LIMITS.max_resources - 1
    responses = [r for r in result.records if r.warc_type == "response"]
    assert len(responses) <= LIMITS.max_resources
    assert result.text is not None and "Many images" in result.text


def test_page_over_the_byte_cap_gets_no_more_requests(site: TestSite, sidecar: WarcproxSidecar) -> None:
    limits = BrowserLimits(total_seconds=8.0, load_seconds=5.0, settle_seconds=1.5, max_bytes=50_000)
    site.set_page("/big.js", "var big = '" + "x" * 60_000 + "';", content_type="text/javascript")
    site.set_page("/after.json", "{}", content_type="application/json")
    # Asked for only once big.js is in (a second <script src> would be fetched alongside it).
    site.set_page(
        "/heavy",
        "<!doctype html><html><body><p>Heavy</p>"
        "<script src='/big.js' onload=\"fetch('/after.json')\"></script></body></html>",
    )
    with BrowserCapturer(sidecar, limits=limits, executable=CHROMIUM) as capturer:
        result = capturer.capture(site.url("/heavy"), page_id="heavy")
    assert result.bytes_received > limits.max_bytes
    assert [(b.reason, b.url) for b in result.blocked] == [("byte-cap", site.url("/after.json"))]
    assert site.requests_for("/after.json") == []


def test_one_response_past_the_byte_cap_is_cut_and_says_so(site: TestSite, tmp_path: Path) -> None:
    site.set_page("/huge.bin", b"z" * 400_000, content_type="application/octet-stream")
    site.set_page(
        "/huge", "<!doctype html><html><body><p>Huge</p><script>fetch('/huge.bin');</script></body></html>"
    )
    with (
        WarcproxSidecar(
            tmp_path / "w", tmp_path / "s", allow_addresses=[SITE_HOST], max_resource_size=100_000
        ) as capped,
        BrowserCapturer(capped, limits=LIMITS, executable=CHROMIUM) as capturer,
    ):
        result = capturer.capture(site.url("/huge"), page_id="huge")
        (entry,) = [r for r in result.records if r.warc_type == "response" and r.url.endswith("/huge.bin")]
        headers = warc_headers_at(capped.read_member(entry))
    assert headers.get("WARC-Truncated") == "length", headers
    # The record's block (HTTP headers and the body as far as it was kept) stopped near the cap.
    assert 100_000 <= int(headers["Content-Length"]) < 200_000, headers


def warc_headers_at(member: bytes) -> dict[str, str]:
    (record,) = list(ArchiveIterator(io.BytesIO(member)))
    return dict(record.rec_headers.headers)


def test_tagging_requests_keeps_their_cookies(site: TestSite, capturer: BrowserCapturer) -> None:
    # The route handler rewrites each request's headers to add Warcprox-Meta; the page's own
    # cookies must survive that, or a site with a session would behave differently when captured.
    site.set_page("/api/who", "{}", content_type="application/json")
    site.set_page(
        "/session",
        "<!doctype html><html><body><p>Session</p><script>fetch('/api/who');</script></body></html>",
        headers=[("Set-Cookie", "session=abc123; Path=/")],
    )
    result = capturer.capture(site.url("/session"), page_id="session")
    assert result.status == 200
    asked = site.requests_for("/api/who")
    assert len(asked) == 1 and asked[0].header("Cookie") == "session=abc123"


class _Stuck(BrowserCapturer):
    """A capture whose step blocks with no timeout at all (as Playwright's waits sometimes do
    while a page's script loops): only the watchdog can end it."""

    hang = True

    def _settle(self, state: Any, page: Any, deadline: float) -> None:
        if self.hang:
            self.hang = False
            self._step(state, "settle", lambda: _loop_forever(page))
            return
        super()._settle(state, page, deadline)


def _loop_forever(page: Any) -> None:
    """Hang the page's renderer.  On a loaded machine the page may still be loading when this
    starts (the load step gave up at its limit): its navigation then destroys the context the loop
    ran in, so start it again in the next one until only the watchdog can end it."""
    while True:
        try:
            page.evaluate("() => { while (true) {} }")
        except Exception as exc:
            if "Execution context was destroyed" not in str(exc):
                raise


def test_watchdog_kills_a_hung_renderer_and_the_browser_goes_on(
    site: TestSite, sidecar: WarcproxSidecar
) -> None:
    serve_spa(site)
    limits = BrowserLimits(total_seconds=2.0, load_seconds=1.5, settle_seconds=1.0)
    with _Stuck(sidecar, limits=limits) as stuck:
        started = time.monotonic()
        result = stuck.capture(site.url("/"), page_id="stuck")
        elapsed = time.monotonic() - started
        assert elapsed < limits.total_seconds + WATCHDOG_GRACE_SECONDS + 5, elapsed
        assert any("renderer was killed" in note for note in result.notes), result.notes
        assert result.status == 200  # what was recorded before the hang is kept
        # The same browser captures the next page as usual (with the default limits: the tight
        # ones above only had to outlast the hang, and a loaded machine may need more for a page).
        stuck.limits = BrowserLimits()
        after = stuck.capture(site.url("/"), page_id="after-stuck")
    assert after.text is not None and STATEMENT in after.text, after.notes


def test_the_sidecar_writes_no_record_a_client_sends_it(sidecar: WarcproxSidecar) -> None:
    """warcprox's WARCPROX_WRITE_RECORD and PUTMETA would write whatever a client sends."""
    import http.client

    for method in ("WARCPROX_WRITE_RECORD", "PUTMETA"):
        connection = http.client.HTTPConnection("127.0.0.1", sidecar.port, timeout=10)
        connection.request(
            method,
            f"http://{SITE_HOST}/",
            body=b"HTTP/1.1 200 OK\r\n\r\nFORGED",
            headers={"WARC-Type": "response", "Content-Type": "application/http;msgtype=response"},
        )
        assert connection.getresponse().status == 405, method
        connection.close()
    assert sidecar.records() == []


def test_a_kept_capture_lists_the_redirects_that_led_to_its_document(site: TestSite, tmp_path: Path) -> None:
    """As an HTTP capture does: so that a source moved to its site's home page is 'deleted', and
    one moved elsewhere 'redirected', when captured with the browser too."""
    from crawler.browser.session import BrowserSession

    serve_spa(site)
    site.set_page("/old", "", status=301, headers=[("Location", "/older")])
    site.set_page("/older", "", status=302, headers=[("Location", site.url("/"))])
    writer = WarcWriter(tmp_path / "spool", prefix="redirects")
    with BrowserSession(
        writer, tmp_path / "browser", limits=LIMITS, allow_addresses=(SITE_HOST,), executable=CHROMIUM
    ) as session:
        captured = session.keep(session.visit(site.url("/old")))
    writer.close()
    assert captured.document is not None and captured.document.url == site.url("/")
    assert [(h.url, h.status) for h in captured.redirects] == [
        (site.url("/old"), 301),
        (site.url("/older"), 302),
    ]
    assert {r.url for r in captured.resources}.isdisjoint({site.url("/old"), site.url("/older")})
    assert STATEMENT in (captured.result.text or "")
