"""Our WACZ exports play in ReplayWeb.page (issue 11, item 6): its own ui.js and sw.js (npm package
`replaywebpage`, fetched by `make install` into .replaywebpage/), served on loopback with the
package, opened in Debian's chromium through Playwright; the archived page's text must show.

Before the fix every local zip header carried a Zip64 field the central directory lacked, and
ReplayWeb.page's reader (it trusts the central directory) stopped every page with
"Unexpected Loading Error".
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.fixtures.site import TestSite
from tests.integration.conftest import REPO, Citewatch
from tests.integration.test_browser_sources import SITE_HOST

RWP = REPO / ".replaywebpage" / "package"
STATEMENT = "The ministry said every family in the valley will receive clean water by June."

# The replay/ service worker's scope, as ReplayWeb.page registers it.
SW_ACTIVE = """async () => {
    const reg = await navigator.serviceWorker.getRegistration("/replay/");
    return !!(reg && reg.active && reg.active.state === "activated");
}"""


def played_text(page: Page, embed_url: str, wanted: str, timeout: float = 45) -> str:
    """The text ReplayWeb.page shows in its replay frame at `embed_url`, once it holds `wanted`
    (or the last text seen when `timeout` seconds pass).

    ReplayWeb.page creates its replay iframe as soon as its service worker is *registered* and
    reloads it at most three times, 100 ms apart, until the worker controls it; on a slow machine
    the worker (1.2 MB of script) is not active by then and the frame keeps the web server's own
    answer for /replay/. A reader would reload the page; so does this, once the worker is active.
    """
    page.goto(embed_url)
    page.wait_for_function(SW_ACTIVE, timeout=timeout * 1000)
    page.reload()
    shown = ""
    deadline = time.monotonic() + timeout
    while wanted not in shown and time.monotonic() < deadline:
        for frame in page.frames:
            try:
                shown = frame.evaluate("() => document.body ? document.body.innerText : ''")
            except Exception:  # a frame navigating away
                continue
            if wanted in shown:
                return shown
        time.sleep(0.5)
    return shown


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def player(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback web root with ReplayWeb.page's ui.js at / and its sw.js at /replay/."""
    assert (RWP / "ui.js").exists(), "ReplayWeb.page is not installed here: run make install"
    root = tmp_path / "www"
    (root / "replay").mkdir(parents=True)
    shutil.copy(RWP / "ui.js", root / "ui.js")
    shutil.copy(RWP / "sw.js", root / "replay" / "sw.js")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()


def test_an_exported_package_plays_in_replaywebpage(
    tmp_path: Path, site: TestSite, cw: Citewatch, player: tuple[str, Path]
) -> None:
    base, root = player
    site.set_page(
        "/statement",
        "<!doctype html><html><head><title>Water</title></head>"
        f"<body><main><p>{STATEMENT}</p></main></body></html>",
    )
    url = site.url("/statement", host=SITE_HOST)
    article = tmp_path / "water.md"
    article.write_text(f"[statement]({url})\n", encoding="utf-8")
    (created,) = cw.json("ingest", str(article))
    cw.run("export", str(created["article_id"]), "--wacz", str(root / "archive.wacz"))
    (root / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><script src="/ui.js"></script></head><body>'
        '<replay-web-page style="display:block;width:1000px;height:700px" source="/archive.wacz" '
        f'url="{url}" replayBase="/replay/" embed="replayonly"></replay-web-page></body></html>',
        encoding="utf-8",
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page()
        shown = played_text(page, f"{base}/index.html", STATEMENT)
        browser.close()
    assert STATEMENT in shown, "ReplayWeb.page did not show the archived page"
