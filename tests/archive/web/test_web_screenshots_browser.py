"""Browser captures' screenshots in a real browser (Debian chromium via Playwright): the timeline's
lazy thumbnails and the capture page's full-size image load under the UI's own CSP, a forged
screenshot does not, and the screenshot URL opened on its own is an image, not a page.

The timeline's picture lands in test-artifacts/ (for the README).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from archive.catalog import CitationRecord
from archive.warc.writer import WarcWriter
from tests.archive.browser_capture import png, record_browser_capture
from tests.archive.web.replay.browser import UvicornThread, launch_chromium
from tests.archive.web.web_site import T0, build_site

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
PORTAL = "http://portal.example/statement"
WIDTH, HEIGHT = 320, 480


@dataclass(frozen=True)
class Ui:
    url: str
    source_id: int
    good: list[int]
    forged: int


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[Ui]:
    site = build_site(tmp_path)
    article = site.catalog.add_article(
        origin="https://paper.example/portal",
        title="Portal article",
        kind="html",
        citations=[CitationRecord(PORTAL, "the portal", "The portal said so.", (), 0)],
    )
    sid = article.citations[0].source_id
    writer = WarcWriter(site.spool, fsync=False)
    good = [
        record_browser_capture(
            site.catalog, writer, url=PORTAL, at=T0 + timedelta(days=d), text=f"Statement, day {d}.",
            source_id=sid, screenshot=png(WIDTH, HEIGHT, (40 * d, 90, 160)),
        ).capture_id
        for d in range(3)
    ]  # fmt: skip
    forged = record_browser_capture(
        site.catalog, writer, url=PORTAL, at=T0 + timedelta(days=3), text="x", source_id=sid,
        screenshot=b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    ).capture_id  # fmt: skip
    writer.close()
    with UvicornThread(site.app()) as server:
        yield Ui(server.url, sid, good, forged)
    site.catalog.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield context.new_page()
    context.close()


def _loaded_width(page: Any, selector: str) -> int:
    """The natural width of the image ``selector`` once the browser is done with it (0: it failed)."""
    handle = page.locator(selector)
    handle.scroll_into_view_if_needed()
    return int(
        page.evaluate(
            """(sel) => new Promise((done) => {
                const img = document.querySelector(sel);
                if (img.complete) { done(img.naturalWidth); return; }
                img.addEventListener('load', () => done(img.naturalWidth));
                img.addEventListener('error', () => done(0));
            })""",
            selector,
        )
    )


def test_thumbnails_load_on_the_timeline_and_a_forged_one_does_not(ui: Ui, page: Any) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{ui.url}/sources/{ui.source_id}")

    for capture_id in ui.good:
        assert _loaded_width(page, f'tr[data-id="{capture_id}"] img.thumb') == WIDTH
    assert _loaded_width(page, f'tr[data-id="{ui.forged}"] img.thumb') == 0
    box = page.locator(f'tr[data-id="{ui.good[0]}"] img.thumb').bounding_box()
    assert box is not None and (round(box["width"]), round(box["height"])) == (160, 100)  # cropped by CSS
    assert errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#timeline").screenshot(path=str(ARTIFACTS / "browser-capture-timeline.png"))


def test_the_capture_page_shows_the_full_screenshot(ui: Ui, page: Any) -> None:
    page.goto(f"{ui.url}/captures/{ui.good[1]}")

    assert _loaded_width(page, "#screenshot-full") == WIDTH
    assert "Statement, day 1." in page.locator("#rendered-text").inner_text()


def test_the_screenshot_url_opened_alone_is_an_image(ui: Ui, page: Any) -> None:
    response = page.goto(f"{ui.url}/captures/{ui.good[0]}/screenshot.png")
    assert response is not None and response.headers["content-type"] == "image/png"
    # Chromium shows it in its image viewer: one <img>, no document of the archive's.
    assert page.evaluate("document.images.length") == 1

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    forged = page.goto(f"{ui.url}/captures/{ui.forged}/screenshot.png")
    assert forged is not None and forged.status == 404
    page.wait_for_timeout(200)
    assert dialogs == []
