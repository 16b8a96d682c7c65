"""Replay of a browser capture (issue 10, item 5), end to end: a single-page app captured by the
crawler's Chromium through warcprox (as in `test_browser_sources`), then `citewatch serve` and a
second Chromium reading its capture page.

Without scripts the frame shows the app's shell and the page the screenshot; with the reader's
switch on, the app's ``fetch('/api/statement.json')`` is answered from the archive, and the site gets
no request at all, while a fetch to the UI's own ``/api/...`` stays blocked.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch, serving
from tests.integration.test_browser_sources import (
    APP_JS,
    QUOTE,
    SHELL,
    SITE_HOST,
    STATEMENT,
    captures,
    statement_json,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("chromium") is None,
        reason="!!! chromium is not installed (apt-get install chromium): the browser tests are SKIPPED !!!",
    ),
]

# What the replayed page is asked to fetch from the UI, in the frame: through the shim (which maps
# it into the archive, where it is not: our 404 is unreadable there), with the UI's origin spelt out,
# and with EventSource, which the shim does not map, so only the policy's connect-src can stop it
# (with 'self' there the request would go out: "sent").
FETCH_UI_API = """async () => {
  const unmapped = new Promise((resolve) => {
    document.addEventListener('securitypolicyviolation', (e) => {
      if (e.effectiveDirective === 'connect-src') { resolve('blocked:' + e.effectiveDirective); }
    });
    const source = new EventSource(location.origin + '/api/articles');
    source.onerror = () => { source.close(); setTimeout(() => resolve('sent'), 1000); };
  });
  const out = {};
  for (const [name, url] of [['shimmed', '/api/articles'], ['absolute', location.origin + '/api/articles']]) {
    try { const r = await fetch(url); out[name] = 'status:' + r.status; }
    catch (e) { out[name] = 'blocked:' + e.name; }
  }
  out.unmapped = await unmapped;
  return out;
}"""


@pytest.fixture
def site() -> Iterator[TestSite]:
    with TestSite(hosts=(SITE_HOST,)) as s:
        s.robots_txt = "User-agent: *\nAllow: /\n"
        yield s


def test_a_browser_capture_replays_its_fetch_from_the_archive_with_scripts_and_its_screenshot_without(
    tmp_path: Path, site: TestSite, cw: Citewatch
) -> None:
    cw.env.update(
        {
            "CITEWATCH_BROWSER_ALLOW_PRIVATE": "0",
            "CITEWATCH_BROWSER_ALLOW_ADDRESSES": SITE_HOST,
            "CITEWATCH_BROWSER_TIMEOUT_SECONDS": "15",
        }
    )
    site.set_page("/statement", SHELL)
    site.set_page("/app.js", APP_JS, content_type="application/javascript")
    site.set_page("/api/statement.json", statement_json(STATEMENT), content_type="application/json")
    spa = site.url("/statement", host=SITE_HOST)
    article = tmp_path / "water.md"
    article.write_text(f'The ministry promised that "{QUOTE}" ([statement]({spa})).\n', encoding="utf-8")
    cw.json("ingest", str(article))
    browser_capture = captures(cw, spa)[-1]
    assert browser_capture["mode"] == "browser", captures(cw, spa)
    asked_of_the_site = len(site.requests)

    with serving(cw) as served, sync_playwright() as p:
        base = served.url
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        capture_page = f"{base}/captures/{browser_capture['id']}"

        # Without scripts: the archived shell, and the screenshot beside it, no archived code run.
        page.goto(capture_page)
        frame = page.frame_locator("iframe#replay")
        assert frame.locator("#app").inner_text() == "Loading…"
        page.wait_for_function(
            "() => { const i = document.querySelector(\"img[src$='/screenshot.png']\");"
            " return i && i.complete && i.naturalWidth > 0; }"
        )

        # With the reader's switch: the app runs and its fetch is answered from the archive.
        page.locator("#scripts-on").click()
        page.wait_for_url(capture_page + "?scripts=on")
        frame.locator(f"text={QUOTE}").wait_for(timeout=15_000)
        assert frame.locator("article h1").inner_text() == "Clean water for the valley"

        # The UI's API stays out of reach of the replayed page, shim or no shim.
        scripted = page.locator("iframe#replay").element_handle().content_frame()
        assert scripted is not None and "/replay/scripts/" in scripted.url
        tried = scripted.evaluate(FETCH_UI_API)
        assert tried == {
            "shimmed": "blocked:TypeError",
            "absolute": "blocked:TypeError",
            "unmapped": "blocked:connect-src",
        }, tried
        browser.close()

    # Replay never went online: the site was asked nothing after the crawl.
    assert len(site.requests) == asked_of_the_site, [r.url_path for r in site.requests[asked_of_the_site:]]
