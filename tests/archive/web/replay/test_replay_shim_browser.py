"""The replay shim in a real browser (Debian chromium via Playwright, the real UI in a thread): with
scripts on, every way an archived page names a URL to fetch() or XHR lands on the archived copy,
and what the archive lacks (the live web) is never asked (issue 10, item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from archive.web import create_app
from archive.web.replay import CaptureLookup, build_replay_router
from tests.archive.web.replay.browser import CountingServer, UvicornThread, launch_chromium, serve_counting
from tests.archive.web.replay.replay_archive import ReplayArchive

T1 = datetime(2026, 11, 25, 15, 30, 0, tzinfo=UTC)
PAGE = "http://spa.example/app/statement"
# Each archived answer names itself, so a result says which copy was read.
ARCHIVED = {
    "http://spa.example/app/data/one.json": "relative",
    "http://spa.example/api/two.json": "root-relative",
    "http://cdn.example/three.json": "absolute",
    "http://spa.example/api/four.json": "read from a link",
    "http://spa.example/api/five.json": "xhr",
}
APP = """<!DOCTYPE html><html><head><title>app</title></head><body>
<a id="more" href="/api/four.json">more</a><ul id="results"></ul>
<script>
function note(name, value) {
  var li = document.createElement('li'); li.id = name; li.textContent = value;
  document.getElementById('results').appendChild(li);
}
function read(name, request) {
  request.then(function (r) { return r.ok ? r.text() : 'status:' + r.status; })
    .then(function (t) { note(name, t); }, function (e) { note(name, 'blocked:' + e.name); });
}
read('relative', fetch('data/one.json'));
read('root', fetch('/api/two.json'));
read('absolute', fetch('http://cdn.example/three.json'));
read('request', fetch(new Request('/api/two.json')));
read('link', fetch(document.getElementById('more').href));
read('header', fetch('/api/two.json', {headers: {'X-Requested-With': 'XMLHttpRequest'}}));
read('live', fetch('@LIVE@/live.json'));
var xhr = new XMLHttpRequest();
xhr.open('GET', '/api/five.json');
xhr.setRequestHeader('Authorization', 'Bearer archived-token');
xhr.onload = function () { note('xhr', xhr.responseText); };
xhr.onerror = function () { note('xhr', 'blocked'); };
xhr.send();
</script></body></html>"""
EXPECTED = {
    "relative": "relative",
    "root": "root-relative",
    "absolute": "absolute",
    "request": "root-relative",
    "link": "read from a link",
    "xhr": "xhr",
    "header": "root-relative",  # preflighted: not a CORS-safelisted header
    "live": "blocked:TypeError",  # not archived: our 404 is not readable, and the site is not asked
}


@pytest.fixture
def live() -> Iterator[CountingServer]:
    yield from serve_counting("127.0.0.5")


@pytest.fixture
def ui(tmp_path: Path, live: CountingServer) -> Iterator[tuple[str, int]]:
    archive = ReplayArchive.open(tmp_path)
    archive.capture(PAGE, T1, APP.replace("@LIVE@", live.url).encode(), role="article")
    for url, name in ARCHIVED.items():
        archive.capture(url, T1, name.encode(), content_type="text/plain")
    archive.writer.close()
    row = CaptureLookup(archive.catalog.engine).closest(PAGE, T1)
    assert row is not None
    app = create_app(catalog=archive.catalog, read_record=lambda capture: None, admin_token=None)
    app.include_router(build_replay_router(engine=archive.catalog.engine, read_record=archive.read_record))
    with UvicornThread(app) as server:
        yield server.url, row.id
    archive.catalog.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


def test_every_url_the_page_fetches_is_read_from_the_archive(
    ui: tuple[str, int], live: CountingServer, browser: Any
) -> None:
    base, capture_id = ui
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/captures/{capture_id}")
    with page.expect_navigation():
        page.locator("#scripts-on").click()
    frame = page.frame_locator("iframe#replay")
    for name in EXPECTED:
        frame.locator(f"#{name}").wait_for(timeout=10_000)
    results = {name: frame.locator(f"#{name}").inner_text() for name in EXPECTED}
    context.close()
    assert results == EXPECTED
    assert live.hits == []
