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
from playwright.sync_api import sync_playwright

from tests.fixtures.site import TestSite
from tests.integration.conftest import REPO, Citewatch
from tests.integration.test_browser_sources import SITE_HOST

RWP = REPO / ".replaywebpage" / "package"
STATEMENT = "The ministry said every family in the valley will receive clean water by June."

pytestmark = pytest.mark.skipif(
    not (RWP / "ui.js").exists(), reason="!!! ReplayWeb.page is not installed: run make install !!!"
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def player(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback web root with ReplayWeb.page's ui.js at / and its sw.js at /replay/."""
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
        page.goto(f"{base}/index.html")
        shown = ""
        deadline = time.monotonic() + 45
        while STATEMENT not in shown and time.monotonic() < deadline:
            for frame in page.frames:
                try:
                    shown = frame.evaluate("() => document.body ? document.body.innerText : ''")
                except Exception:  # a frame navigating away
                    continue
                if STATEMENT in shown:
                    break
            time.sleep(0.5)
        browser.close()
    assert STATEMENT in shown, "ReplayWeb.page did not show the archived page"
