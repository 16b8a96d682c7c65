"""The browser recorder's foundation (issue 10): real Chromium through the warcprox sidecar.

The test site lives on 127.0.0.2 (allowed to the sidecar by address); the canary listens on
127.0.0.1 and 127.0.0.3, which nothing allows.  The canary counts TCP connections, not requests:
warcprox's own localhost rule rejects 127.0.0.1 only after connecting, the guard before dialling.
"""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.browser.recorder import DEFAULT_PYTHON, RecordEntry, WarcproxSidecar, warcprox_meta
from tests.fixtures.site import TestSite, free_port
from tests.integration.conftest import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="!!! chromium is not installed (apt-get install chromium): the browser tests are SKIPPED !!!",
    ),
]
WARCIO = Path(sys.executable).parent / "warcio"
SITE_HOST = "127.0.0.2"
STATEMENT = "The ministry confirms that the convoy leaves at dawn with 70 buses."
SPA = """<!doctype html><html><head><title>Statement</title><script src="/app.js"></script></head>
<body><main><h1>Statement</h1><p id="statement">Loading…</p></main></body></html>"""
APP_JS = """document.addEventListener('DOMContentLoaded', function () {
  fetch('/api/statement.json').then(function (r) { return r.json(); }).then(function (data) {
    document.getElementById('statement').textContent = data.text;
  });
});"""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Canary:
    """A TCP listener on several loopback addresses (one port) that counts every connection."""

    def __init__(self, hosts: tuple[str, ...]) -> None:
        self.port = free_port()
        self.hits: list[str] = []
        self._sockets = []
        for host in hosts:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, self.port))
            sock.listen(16)
            sock.settimeout(0.1)
            self._sockets.append(sock)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, args=(s,), daemon=True) for s in self._sockets]
        for thread in self._threads:
            thread.start()

    def _accept(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.hits.append(str(sock.getsockname()[0]))
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\ncanary")
            conn.close()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        for sock in self._sockets:
            sock.close()


@pytest.fixture
def site() -> Iterator[TestSite]:
    with TestSite(hosts=(SITE_HOST,)) as test_site:
        yield test_site


@pytest.fixture
def canary() -> Iterator[Canary]:
    trap = Canary(("127.0.0.1", "127.0.0.3"))
    yield trap
    trap.close()


@pytest.fixture
def sidecar(tmp_path: Path) -> Iterator[WarcproxSidecar]:
    running = WarcproxSidecar(
        tmp_path / "warcs", tmp_path / "state", prefix="test-browser", allow_addresses=[SITE_HOST]
    ).start()
    try:
        yield running
    finally:
        running.stop(graceful=False)  # no test reads its files after it (~2 s sooner)


@pytest.fixture
def browser(sidecar: WarcproxSidecar) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, proxy={"server": sidecar.proxy_url}
        )
        yield launched
        launched.close()


def open_capture(browser: Any, page_id: str) -> Any:
    """A context whose every request carries the page id to warcprox (route, not extra headers)."""
    context = browser.new_context(ignore_https_errors=True, service_workers="block")
    meta = warcprox_meta(page_id)

    def tag(route: Any, request: Any) -> None:
        try:
            route.continue_(headers={**request.headers, "Warcprox-Meta": meta})
        except Exception:
            route.abort("failed")

    context.route("**/*", tag)
    return context


def wait_for_records(sidecar: WarcproxSidecar, page_id: str, url: str) -> list[RecordEntry]:
    deadline = time.monotonic() + 5
    while True:
        records = sidecar.records_for(page_id)
        if any(r.url == url and r.warc_type == "response" for r in records) or time.monotonic() > deadline:
            return records
        time.sleep(0.05)


def read_record(entry: RecordEntry) -> tuple[Any, bytes]:
    with entry.path.open("rb") as warc:
        warc.seek(entry.offset)
        record = next(iter(ArchiveIterator(warc)))
        return record, record.raw_stream.read()


def test_spa_records_are_raw_and_attributed_to_the_page(
    site: TestSite, sidecar: WarcproxSidecar, browser: Any
) -> None:
    statement_json = json.dumps({"text": STATEMENT}).encode()
    site.set_page("/", SPA)
    site.set_page(
        "/app.js",
        gzip.compress(APP_JS.encode(), mtime=0),
        headers=[("Content-Encoding", "gzip")],
        content_type="text/javascript",
    )
    site.set_page(
        "/api/statement.json",
        gzip.compress(statement_json, mtime=0),
        headers=[("Content-Encoding", "gzip")],
        content_type="application/json",
    )
    context = open_capture(browser, "capture-1")
    page = context.new_page()
    page.goto(site.url("/"), wait_until="load", timeout=10_000)
    page.wait_for_function(f"document.body.innerText.includes({json.dumps(STATEMENT)})", timeout=10_000)
    context.close()
    api = site.url("/api/statement.json")
    records = wait_for_records(sidecar, "capture-1", api)
    sidecar.stop()

    urls = {site.url("/"), site.url("/app.js"), api}
    for url in urls:
        kinds = sorted(r.warc_type for r in records if r.url == url)
        assert kinds == ["request", "response"], (url, kinds)
    for entry in records:
        if entry.url not in urls:
            continue
        record, payload = read_record(entry)
        assert record.rec_headers.get_header("WARC-Record-ID") == entry.record_id
        assert record.rec_headers.get_header("WARC-Type") == entry.warc_type
        assert record.rec_headers.get_header("WARC-Target-URI") == entry.url
        if entry.warc_type == "request":
            assert b"warcprox-meta" not in payload.lower()
        if entry.url == api and entry.warc_type == "response":
            assert record.http_headers.get_header("Content-Encoding") == "gzip"
            assert payload == site.sent["/api/statement.json"]
            assert payload[:2] == b"\x1f\x8b"
            assert gzip.decompress(payload) == statement_json
    files = sidecar.warc_files()
    assert files and {r.path for r in records} <= set(files)
    for warc in files:
        check = subprocess.run([WARCIO, "check", "-v", warc], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr


def test_hostile_page_cannot_reach_the_canary(
    site: TestSite, canary: Canary, sidecar: WarcproxSidecar, browser: Any
) -> None:
    port = canary.port
    targets = [
        f"http://127.0.0.1:{port}/fetch",
        f"http://127.0.0.3:{port}/fetch",
        f"http://169.254.0.99:{port}/fetch",
        f"http://localhost.:{port}/fetch",
        f"http://2130706433:{port}/fetch",
        f"http://[::ffff:127.0.0.1]:{port}/fetch",
    ]
    script = "".join(
        f"fetch({json.dumps(u)}, {{mode: 'no-cors'}}).then(function () {{ done('{i}', 'answered'); }},"
        f" function () {{ done('{i}', 'failed'); }});"
        for i, u in enumerate(targets)
    )
    site.set_page("/api/ok", "{}", content_type="application/json")
    site.set_page(
        "/hostile",
        "<!doctype html><html><body><ul id='results'></ul><script>"
        "function done(name, how) { var li = document.createElement('li'); li.textContent = name + ':' + how;"
        " document.getElementById('results').appendChild(li); }"
        "fetch('/api/ok').then(function (r) { done('own', r.status); });"
        f"{script}"
        f"var img = new Image(); img.src = 'http://127.0.0.1:{port}/img'; document.body.appendChild(img);"
        "</script></body></html>",
    )
    context = open_capture(browser, "hostile-1")
    page = context.new_page()
    page.goto(site.url("/hostile"), wait_until="load", timeout=10_000)
    page.wait_for_function(
        f"document.querySelectorAll('#results li').length === {len(targets) + 1}", timeout=15_000
    )
    results = page.inner_text("#results")
    context.close()

    assert "own:200" in results  # the page's scripts ran and its own requests went through
    assert canary.hits == []
    assert not [r for r in sidecar.records() if f":{port}/" in r.url]
    log = sidecar.log_path.read_text()
    for address in ("127.0.0.1", "127.0.0.3", "169.254.0.99"):
        assert f"non-public address ['{address}']" in log or f"non-public address ['::ffff:{address}']" in log


def test_sidecar_stops_cleanly_and_closes_its_warcs(
    site: TestSite, sidecar: WarcproxSidecar, browser: Any
) -> None:
    site.set_page("/plain", "<!doctype html><title>Plain</title><p>Plain page.</p>")
    context = open_capture(browser, "plain-1")
    context.new_page().goto(site.url("/plain"), wait_until="load", timeout=10_000)
    context.close()
    assert wait_for_records(sidecar, "plain-1", site.url("/plain"))
    port = sidecar.port
    assert list(sidecar.warc_dir.glob("*.open"))  # still being written while warcprox runs

    started = time.monotonic()
    assert sidecar.stop() == 0
    assert time.monotonic() - started < sidecar.stop_timeout
    assert not list(sidecar.warc_dir.glob("*.open"))
    files = sidecar.warc_files()
    assert len(files) == 1
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    check = subprocess.run([WARCIO, "check", files[0]], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    assert {r.path for r in sidecar.records()} == {files[0]}


def test_missing_warcprox_venv_says_run_make_install(tmp_path: Path) -> None:
    from crawler.browser.errors import RecorderMissing

    missing = tmp_path / "no-venv" / "bin" / "python"
    with pytest.raises(RecorderMissing, match=r"run make install$") as raised:
        WarcproxSidecar(tmp_path / "w", tmp_path / "s", python=missing).start()
    assert str(missing) in str(raised.value)
    assert DEFAULT_PYTHON.name == "python"


def test_the_sidecar_does_not_outlive_a_killed_crawl(tmp_path: Path) -> None:
    """A crawl killed with SIGKILL cannot stop its sidecar: the sidecar sees its stdin close and
    stops by itself, instead of lingering with its port and ~55 MB for ever."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from crawler.browser.recorder import WarcproxSidecar\n"
        f"sidecar = WarcproxSidecar(Path({str(tmp_path / 'w')!r}), Path({str(tmp_path / 's')!r})).start()\n"
        "print(sidecar._process.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    crawl = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert crawl.stdout is not None
    sidecar_pid = int(crawl.stdout.readline())
    crawl.kill()
    crawl.wait()
    deadline = time.monotonic() + 15
    while _running(sidecar_pid):
        assert time.monotonic() < deadline, "warcprox outlived the crawl that started it"
        time.sleep(0.1)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
