"""Replay in a real browser (Debian chromium via Playwright): a hostile archived page stays caged
even in the view that runs its scripts (``/replay/scripts/...``, the capture page's switch).

The UI app sets a ``session=secret`` cookie and counts ``/api/ping`` calls; a second server on
127.0.0.9 stands for the live web and counts hits.  The archived page's script tries to read
cookies and storage, call the API, reach the live web and touch its parent, then writes what
happened into its own DOM, which the test reads back through Playwright.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Response
from fastapi.responses import HTMLResponse

from archive.web.replay import build_replay_router
from tests.archive.web.replay.browser import (
    CountingServer,
    UvicornThread,
    launch_chromium,
    serve_counting,
    tiny_png,
)
from tests.archive.web.replay.replay_archive import ReplayArchive

T1 = datetime(2026, 11, 25, 15, 30, 0, tzinfo=UTC)
TS1 = "20261125153000"
HOSTILE = "http://news.example/hostile"

HOSTILE_PAGE = """<!DOCTYPE html><html><head><title>hostile</title>
<link rel="stylesheet" href="/static/hostile.css">
<link rel="stylesheet" href="@LIVE@/live.css">
</head><body>
<img id="logo" src="static/logo.png"><img id="live-img" src="@LIVE@/live.png">
<pre id="out"></pre>
<script>
const LIVE = "@LIVE@";
const out = {};
try { out.cookie = "read:" + document.cookie; } catch (e) { out.cookie = "threw:" + e.name; }
try { localStorage.setItem("k", "v"); out.storage = "ok"; } catch (e) { out.storage = "threw:" + e.name; }
try { out.parent = "read:" + parent.document.cookie; } catch (e) { out.parent = "threw:" + e.name; }
try { out.top = "read:" + top.location.href; } catch (e) { out.top = "threw:" + e.name; }
out.origin = String(self.origin);
try { new Image().src = LIVE + "/live-js-img"; } catch (e) {}
try { navigator.sendBeacon(LIVE + "/beacon", "x"); } catch (e) {}
const xhr = new Promise((resolve) => {
  try {
    const r = new XMLHttpRequest();
    r.open("GET", "/api/ping");
    r.onload = () => resolve("status:" + r.status);
    r.onerror = () => resolve("error");
    r.send();
  } catch (e) { resolve("threw:" + e.name); }
});
const attempt = (p) => p.then((r) => "status:" + r.status, (e) => "rejected:" + e.name);
Promise.all([
  attempt(fetch("/api/ping", {credentials: "include"})),
  attempt(fetch(LIVE + "/live")),
  xhr,
]).then(([api, live, viaXhr]) => {
  out.api = api; out.live = live; out.xhr = viaXhr;
  document.getElementById("out").textContent = JSON.stringify(out);
});
</script></body></html>"""


@pytest.fixture
def live() -> Iterator[CountingServer]:
    yield from serve_counting("127.0.0.9")


@pytest.fixture
def ui(tmp_path: Path, live: CountingServer) -> Iterator[tuple[UvicornThread, list[int]]]:
    archive = ReplayArchive.open(tmp_path)
    archive.capture(HOSTILE, T1, HOSTILE_PAGE.replace("@LIVE@", live.url).encode(), role="article")
    archive.capture(
        "http://news.example/static/hostile.css",
        T1 + timedelta(seconds=1),
        b"body { background-color: rgb(1, 2, 3) }",
        content_type="text/css",
    )
    archive.capture(
        "http://news.example/static/logo.png", T1 + timedelta(seconds=2), tiny_png(), content_type="image/png"
    )
    archive.writer.close()

    pings: list[int] = []
    app = FastAPI()

    @app.get("/")
    def home() -> Response:
        # The capture page's "replay with scripts" view: the scripted space in a scripted sandbox.
        sandbox = "allow-scripts allow-forms"
        frame = f'<iframe sandbox="{sandbox}" src="/replay/scripts/{TS1}/{HOSTILE}"></iframe>'
        response = HTMLResponse(f"<!DOCTYPE html><html><body><h1>UI</h1>{frame}</body></html>")
        response.set_cookie("session", "secret", samesite="lax")
        return response

    @app.get("/api/ping")
    def ping() -> dict[str, int]:
        pings.append(1)
        return {"pings": len(pings)}

    app.include_router(build_replay_router(engine=archive.catalog.engine, read_record=archive.read_record))
    with UvicornThread(app) as server:
        yield server, pings
    archive.catalog.close()


@pytest.fixture
def browser_page() -> Iterator[Any]:
    for browser in launch_chromium():
        yield browser.new_page()


def read_outcome(frame: Any) -> dict[str, str]:
    frame.wait_for_function(
        "() => { const o = document.getElementById('out'); return o && o.textContent.length > 0; }",
        timeout=15000,
    )
    outcome: dict[str, str] = json.loads(frame.evaluate("document.getElementById('out').textContent"))
    return outcome


def assert_caged(
    outcome: dict[str, str], frame: Any, pings: list[int], live: CountingServer, *, requisites: bool = True
) -> None:
    assert outcome["cookie"].startswith("threw:") or outcome["cookie"] == "read:", outcome
    assert "secret" not in json.dumps(outcome)
    assert outcome["storage"].startswith("threw:"), outcome
    assert outcome["origin"] == "null", outcome
    assert outcome["api"].startswith("rejected:"), outcome
    assert outcome["xhr"] in ("error",) or outcome["xhr"].startswith("threw:"), outcome
    assert outcome["live"].startswith("rejected:"), outcome
    if requisites:  # archived requisites still load from replay: CSS and image, sandbox or not
        assert frame.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(1, 2, 3)"
        assert frame.evaluate("document.getElementById('logo').naturalWidth") == 1
    assert frame.evaluate("document.getElementById('live-img').naturalWidth") == 0
    time.sleep(0.5)  # let any beacon or image request that slipped through arrive
    assert live.hits == []


def test_hostile_page_in_the_sandboxed_iframe(
    ui: tuple[UvicornThread, list[int]], live: CountingServer, browser_page: Any
) -> None:
    server, pings = ui
    page = browser_page
    page.goto(server.url + "/")
    # Controls: the UI itself can read its cookie and call its API.
    assert "session=secret" in page.evaluate("document.cookie")
    assert page.evaluate("fetch('/api/ping').then(r => r.status)") == 200
    assert len(pings) == 1
    deadline = time.monotonic() + 10
    frame = None
    while frame is None and time.monotonic() < deadline:
        frame = next((f for f in page.frames if "/replay/" in f.url), None)
        if frame is None:
            time.sleep(0.05)
    assert frame is not None, "the replay iframe never loaded"
    outcome = read_outcome(frame)
    assert outcome["parent"].startswith("threw:"), outcome
    assert outcome["top"].startswith("threw:"), outcome
    assert_caged(outcome, frame, pings, live)
    assert len(pings) == 1  # the archived page's fetch and XHR never reached /api/ping


def test_hostile_page_shown_top_level_under_the_scripted_policy_is_still_caged(
    ui: tuple[UvicornThread, list[int]], live: CountingServer, browser_page: Any
) -> None:
    """The scripted policy's own sandbox cages the document wherever it is shown.  A browser's
    top-level navigation is redirected to the capture page, so the test fetches the answer a frame
    gets and hands it to the top-level page, as an old browser without Sec-Fetch-Dest would see it."""
    server, pings = ui
    page = browser_page
    page.goto(server.url + "/")  # get the session cookie
    assert "session=secret" in page.evaluate("document.cookie")
    url = f"{server.url}/replay/scripts/{TS1}/{HOSTILE}"
    page.route(url, lambda route: route.fulfill(response=route.fetch(headers={"Sec-Fetch-Dest": "iframe"})))
    page.goto(url)
    assert page.url == url
    outcome = read_outcome(page.main_frame)
    # A document fulfilled by Playwright counts as from the public internet, so chromium's local
    # network access rules keep it from loading its requisites from loopback: not checked here.
    assert_caged(outcome, page.main_frame, pings, live, requisites=False)
    assert pings == []
