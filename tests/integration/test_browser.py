"""A real browser (Playwright driving Debian's chromium) against `citewatch serve` on loopback.

The catalog is built by crawling a local test site twice, with an edit and a deletion between
the crawls.  Screenshots land in test-artifacts/ (the README's come from here).
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.site import TestSite
from tests.integration.conftest import REPO, Citewatch, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = REPO / "test-artifacts"
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="!!! chromium is not installed (apt-get install chromium): the browser tests are SKIPPED !!!",
)

QUOTE = "the convoy will leave at dawn with 70 buses"
STYLE = "body { background-color: rgb(250, 240, 200); font-family: serif; }"
HOSTILE = """<!doctype html><html><head><title>Hostile page</title></head><body>
<main><h1>An archived page with a script</h1><p>Nothing to see here.</p><ul id="results"></ul></main>
<script>
function note(name, value) {
  var li = document.createElement('li'); li.id = name; li.textContent = name + ': ' + value;
  document.getElementById('results').appendChild(li);
}
try { note('cookie', 'read:' + document.cookie); } catch (e) { note('cookie', 'blocked:' + e.name); }
try { note('parent', 'read:' + parent.document.title); } catch (e) { note('parent', 'blocked:' + e.name); }
fetch('/api/articles').then(function (r) { note('api', 'status:' + r.status); })
  .catch(function (e) { note('api', 'blocked:' + e.name); });
document.addEventListener('securitypolicyviolation', function (e) {
  if (e.effectiveDirective === 'connect-src' && !document.getElementById('unmapped')) {
    note('unmapped', 'blocked:' + e.effectiveDirective);
  }
});
try {
  var source = new EventSource(location.origin + '/api/articles');
  source.onerror = function () {
    source.close();
    setTimeout(function () { if (!document.getElementById('unmapped')) { note('unmapped', 'sent'); } }, 1000);
  };
} catch (e) { note('unmapped', 'blocked:' + e.name); }
fetch('LIVE_URL').then(function (r) { note('live', 'status:' + r.status); })
  .catch(function (e) { note('live', 'blocked:' + e.name); });
var img = new Image(); img.src = 'LIVE_URL?img'; document.body.appendChild(img);
try { var w = window.open('LIVE_URL?popup'); note('popup', w ? 'opened' : 'blocked:null'); }
catch (e) { note('popup', 'blocked:' + e.name); }
</script></body></html>"""


def statement(text: str) -> str:
    return (
        "<!doctype html><html><head><title>Convoy statement</title>"
        '<link rel="stylesheet" href="/static/convoy.css"></head><body>'
        "<header><nav><a href='/'>Home</a></nav></header>"
        f"<main><article><h1>Convoy statement</h1><p>{text}</p>"
        "<p>The agency thanks all partners for their cooperation.</p></article></main></body></html>"
    )


@pytest.fixture
def archive(tmp_path: Path, site: TestSite, cw: Citewatch) -> dict[str, Any]:
    """Two crawls of an article's sources, with an edit and a deletion in between."""
    cw.config(autothrottle=False, download_timeout=3.0, concurrent_per_domain=4)
    site.robots_txt = "User-agent: *\nAllow: /\n"
    site.set_page("/static/convoy.css", STYLE, content_type="text/css")
    site.set_page("/s/convoy", statement(f"The ministry said {QUOTE}, as agreed with the parties."))
    site.set_page("/s/hostile", HOSTILE.replace("LIVE_URL", site.url("/live-web", host="127.0.0.3")))
    site.set_page("/s/withdrawn", statement("This statement was issued on 1 May."), host="127.0.0.2")
    urls = {
        "convoy": site.url("/s/convoy"),
        "hostile": site.url("/s/hostile"),
        "withdrawn": site.url("/s/withdrawn", host="127.0.0.2"),
    }
    article = tmp_path / "convoy.md"
    article.write_text(
        "# Convoy numbers\n\n"
        f'The ministry promised that "{QUOTE}" ([statement]({urls["convoy"]})).\n\n'
        f"A [withdrawn statement]({urls['withdrawn']}) and a [strange page]({urls['hostile']}).\n",
        encoding="utf-8",
    )
    (created,) = cw.json("ingest", str(article), "--tag", "convoy")
    site.set_page(
        "/s/convoy", statement("The ministry said the convoy would leave later, as agreed with the parties.")
    )
    site.remove_page("/s/withdrawn", host="127.0.0.2")
    cw.json("crawl", "--all")
    return {"article_id": created["article_id"], "urls": urls}


@pytest.fixture
def server(cw: Citewatch, archive: dict[str, Any]) -> Iterator[str]:
    with serving(cw) as served:
        yield served.url


@pytest.fixture
def browser_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


def load_ms(page: Any) -> float:
    return float(page.evaluate("performance.getEntriesByType('navigation')[0].duration"))


def test_article_source_capture_diff(server: str, archive: dict[str, Any], browser_page: Any) -> None:
    page = browser_page
    timings: dict[str, float] = {}
    page.goto(f"{server}/")
    timings["articles"] = load_ms(page)
    page.get_by_role("link", name="Convoy numbers").first.click()
    page.wait_for_load_state()
    timings["article"] = load_ms(page)
    assert page.locator(".badge-edited").count() >= 1
    assert page.locator(".badge-deleted").count() >= 1
    assert QUOTE in page.content()

    page.locator(f'a[href^="/sources/"]:near(:text("{archive["urls"]["convoy"]}"))').first.click()
    page.wait_for_load_state()
    timings["source"] = load_ms(page)
    timeline = page.locator("#timeline")
    assert timeline.is_visible()
    assert timeline.locator("tr, li").count() >= 2
    page.screenshot(path=str(ARTIFACTS / "timeline.png"), full_page=True)

    page.locator('#timeline a[href^="/captures/"]').last.click()  # the oldest capture
    page.wait_for_load_state()
    timings["capture"] = load_ms(page)
    assert page.locator("#banner").is_visible()
    frame = page.frame_locator("iframe#replay")
    frame.locator("text=convoy will leave at dawn").wait_for()
    # The stylesheet came from the archive, not the live web.
    background = frame.locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
    assert background == "rgb(250, 240, 200)"

    page.go_back()
    page.wait_for_load_state()
    page.locator('a[href^="/diff/"], a[href^="/changes/"]').first.click()
    page.wait_for_load_state()
    timings["diff"] = load_ms(page)
    diff = page.locator("#diff")
    assert diff.locator("del").count() >= 1 and diff.locator("ins").count() >= 1
    assert "dawn" in " ".join(diff.locator("del").all_inner_texts())
    assert QUOTE in page.locator("#removed-quotes").inner_text()
    page.screenshot(path=str(ARTIFACTS / "diff.png"), full_page=True)

    feed = page.goto(f"{server}/changes.atom")
    assert feed is not None and feed.headers["content-type"].startswith("application/atom+xml")
    assert "<feed" in feed.text() and archive["urls"]["withdrawn"] in feed.text()
    median = statistics.median(timings.values())
    print(f"\npage load times (ms): {timings}; median {median:.0f} ms")
    (ARTIFACTS / "page-load-times.txt").write_text(f"{timings}\nmedian {median:.0f} ms\n", encoding="utf-8")


def test_archived_scripts_cannot_reach_the_ui_or_the_live_web(
    server: str, site: TestSite, archive: dict[str, Any], browser_page: Any
) -> None:
    page = browser_page
    page.context.add_cookies([{"name": "session", "value": "secret", "url": server}])
    live_hits = len(site.requests_for("/live-web", host="127.0.0.3"))
    capture_page = f"{server}/captures/{_capture_id(server, archive['urls']['hostile'])}"
    # By default the archived page's scripts do not run at all.
    page.goto(capture_page)
    scriptless = page.locator("iframe#replay").element_handle().content_frame()
    scriptless.wait_for_load_state()
    assert scriptless.locator("h1").count() == 1 and scriptless.locator("#results li").count() == 0
    # With the per-view switch they run, and stay caged.
    page.locator("#scripts-on").click()
    page.wait_for_url(capture_page + "?scripts=on")
    frame = page.frame_locator("iframe#replay")
    names = ("cookie", "parent", "api", "unmapped", "live", "popup")
    for name in names:
        frame.locator(f"#{name}").wait_for(timeout=10_000)
    results = {name: frame.locator(f"#{name}").inner_text() for name in names}
    page.screenshot(path=str(ARTIFACTS / "hostile.png"), full_page=True)
    assert "blocked" in results["cookie"], results
    assert "secret" not in results["cookie"]
    assert "blocked" in results["parent"], results
    # The replay shim maps the page's fetch('/api/articles') (and the live URL) into the archive,
    # where they are not: our 404 carries no Access-Control-Allow-Origin, so the fetch fails as a
    # blocked one did when connect-src was 'none'.  "unmapped" asks the UI's own API with what the
    # shim does not map (EventSource): only the policy stops it, whose connect-src names the scripted
    # replay space alone (with 'self' the request would go out: "sent").
    assert "blocked" in results["api"], results
    assert results["unmapped"] == "unmapped: blocked:connect-src", results
    assert "blocked" in results["live"], results
    assert "blocked" in results["popup"], results
    assert len(page.context.pages) == 1, "no window was opened"
    time.sleep(0.5)
    assert len(site.requests_for("/live-web", host="127.0.0.3")) == live_hits, "the live web was contacted"


def _capture_id(server: str, url: str) -> int:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{server}/api/sources?per_page=100") as response:
        sources = json.load(response)
    items = sources["items"] if isinstance(sources, dict) else sources
    source = next(s for s in items if s["url"] == url)
    with urllib.request.urlopen(f"{server}/api/sources/{source['id']}/captures") as response:
        captures = json.load(response)
    items = captures["items"] if isinstance(captures, dict) else captures
    return int(items[0]["id"])
