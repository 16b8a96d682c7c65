"""A browser capture in the browsing UI: its screenshot served as an image (and only as one), a
thumbnail on the source timeline, the full evidence on the capture page, the source's mode, the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive.catalog import CaptureRecord, CitationRecord
from archive.catalog.views import EvidenceRecord
from archive.warc.writer import WarcWriter
from tests.archive.browser_capture import BROWSER, RECORDER, TLS, BrowserCapture, png, record_browser_capture
from tests.archive.web.web_site import T0, XSS, Site, build_site

PORTAL = "http://portal.example/statement"
STATEMENT_TEXT = "The ministry will publish the report on 3 March."
SHOT = png(12, 9, (10, 120, 200))


@dataclass
class World:
    site: Site
    portal: int
    old: BrowserCapture
    new: BrowserCapture
    hostile: BrowserCapture
    reads: list[Any]


@pytest.fixture(name="world")
def world_fixture(tmp_path: Path) -> Iterator[World]:
    site = build_site(tmp_path)
    catalog = site.catalog
    article = catalog.add_article(
        origin="https://paper.example/portal",
        title="Portal article",
        kind="html",
        citations=[CitationRecord(PORTAL, "the portal", "The portal said so.", (), 0)],
    )
    portal = article.citations[0].source_id
    writer = WarcWriter(site.spool, fsync=False)
    old = record_browser_capture(
        catalog, writer, url=PORTAL, at=T0, text=STATEMENT_TEXT, source_id=portal, screenshot=SHOT,
        blocked=("forbidden-address http://127.0.0.1:9/canary",), notes=("scrolled 3 times",),
    )  # fmt: skip
    new = record_browser_capture(
        catalog, writer, url=PORTAL, at=T0 + timedelta(days=1), text=f"Now: {XSS}", source_id=portal,
        screenshot=SHOT,
    )  # fmt: skip
    # A "screenshot" that is an HTML page with a script: an archive holds whatever was written.
    hostile = record_browser_capture(
        catalog, writer, url=PORTAL, at=T0 + timedelta(days=2), text="x", source_id=portal,
        screenshot=b"<html><script>alert(1)</script></html>",
    )  # fmt: skip
    writer.close()
    catalog.record_mode_decision(portal, "browser", "the page ships scripts but no text", now=T0)
    reads: list[Any] = []
    plain_read = site.read_record

    def counting_read(location: Any) -> bytes | None:
        reads.append(location)
        return plain_read(location)

    site.read_record = counting_read  # type: ignore[method-assign]
    yield World(site, portal, old, new, hostile, reads)
    catalog.close()


@pytest.fixture(name="client")
def client_fixture(world: World) -> Iterator[TestClient]:
    with TestClient(world.site.app()) as test_client:
        yield test_client


def test_the_screenshot_is_served_as_a_png_straight_from_its_record(world: World, client: TestClient) -> None:
    response = client.get(f"/captures/{world.old.capture_id}/screenshot.png")

    assert response.status_code == 200
    assert response.content == SHOT
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp
    assert [getattr(r, "kind", None) for r in world.reads] == ["screenshot"]


def test_no_screenshot_is_a_one_line_404(world: World, client: TestClient) -> None:
    http_capture = world.site.ids["v1"]
    for path in (f"/captures/{http_capture}/screenshot.png", "/captures/99999/screenshot.png"):
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 404, path
        detail = response.json()["detail"]
        assert "has no screenshot" in detail and "\n" not in detail


def test_a_screenshot_that_is_not_a_png_is_never_served(world: World, client: TestClient) -> None:
    response = client.get(f"/captures/{world.hostile.capture_id}/screenshot.png")

    assert response.status_code == 404
    assert "is not a PNG image" in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_a_screenshot_row_pointing_at_another_record_is_refused(world: World, client: TestClient) -> None:
    # The catalog says "screenshot" but the bytes there are the document's response record.
    catalog, doc = world.site.catalog, world.old.document
    capture_id = catalog.record_capture(
        CaptureRecord(
            role="source", source_id=world.portal, url=PORTAL, captured_at=T0 + timedelta(days=5),
            status=200, record_type="response", warc_name=doc.warc_name, offset=doc.offset,
            length=doc.length, record_id="<urn:uuid:another>", mode="browser",
        )
    )  # fmt: skip
    catalog.record_evidence(
        capture_id,
        [EvidenceRecord(kind="screenshot", content_type="image/png", warc_name=doc.warc_name,
                        offset=doc.offset, length=doc.length, record_id="<urn:uuid:not-this-one>",
                        digest=None, size=1)],
    )  # fmt: skip

    response = client.get(f"/captures/{capture_id}/screenshot.png")

    assert response.status_code == 404
    assert "is not where the catalog says it is" in response.text


def test_the_timeline_shows_lazy_thumbnails_without_reading_any_warc(
    world: World, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[int]] = []
    original = world.site.catalog.evidence_for

    def counting(ids: Any) -> Any:
        calls.append(list(ids))
        return original(ids)

    monkeypatch.setattr(world.site.catalog, "evidence_for", counting)

    html = client.get(f"/sources/{world.portal}").text

    timeline = html.split('id="timeline"', 1)[1]
    thumbs = re.findall(r'<img class="thumb"[^>]*>', timeline)
    assert len(thumbs) == 3
    for capture in (world.old, world.new):
        row = timeline.split(f'data-id="{capture.capture_id}"', 1)[1].split("</tr>", 1)[0]
        assert "mode-browser" in timeline.split(f'data-id="{capture.capture_id}"', 1)[0].rsplit("<tr", 1)[1]
        img = re.search(r'<img class="thumb"[^>]*>', row)
        assert img is not None
        assert 'loading="lazy"' in img.group(0)
        assert f'src="/captures/{capture.capture_id}/screenshot.png"' in img.group(0)
    assert len(calls) == 1 and sorted(calls[0]) == sorted(
        [world.old.capture_id, world.new.capture_id, world.hostile.capture_id]
    )
    assert world.reads == []  # the page reads no WARC: the images come with their own requests
    # HTTP captures get no thumbnail.
    http_timeline = client.get(f"/sources/{world.site.ids['statement']}").text.split('id="timeline"', 1)[1]
    assert '<img class="thumb"' not in http_timeline


def test_the_source_page_says_how_the_source_is_captured(world: World, client: TestClient) -> None:
    html = client.get(f"/sources/{world.portal}").text
    mode = html.split('id="capture-mode"', 1)[1].split("</p>", 1)[0]
    assert '<strong id="mode">auto</strong>' in mode
    assert '<strong id="detected-mode">browser</strong>' in mode
    assert "the page ships scripts but no text" in mode
    assert "2026-11-20 09:00:00 UTC" in mode

    world.site.catalog.set_mode(PORTAL, "http")
    forced = client.get(f"/sources/{world.portal}").text.split('id="capture-mode"', 1)[1].split("</p>", 1)[0]
    assert '<strong id="mode">http</strong>' in forced and "set by an operator" in forced
    assert "browser" in forced  # what the last check found is still said

    pending = client.get(f"/sources/{world.site.ids['fresh']}").text
    assert "not checked yet" in pending.split('id="capture-mode"', 1)[1].split("</p>", 1)[0]


def test_the_capture_page_shows_the_screenshot_the_note_and_the_text(
    world: World, client: TestClient
) -> None:
    html = client.get(f"/captures/{world.old.capture_id}").text

    img = re.search(r'<img id="screenshot-full"[^>]*>', html)
    assert img is not None
    assert f'src="/captures/{world.old.capture_id}/screenshot.png"' in img.group(0)
    assert 'width="12" height="9"' in img.group(0)
    note = html.split('id="browser-capture"', 1)[1].split("</section>", 1)[0]
    assert "Captured with a browser" in note
    assert BROWSER in note and RECORDER in note and TLS in note
    assert "forbidden-address http://127.0.0.1:9/canary" in note
    assert "scrolled 3 times" in note
    text = html.split('id="rendered-text"', 1)[1].split("</section>", 1)[0]
    assert STATEMENT_TEXT in text
    # The screenshot does not depend on the replay: both are there, the replay still sandboxed.
    assert re.search(r'<iframe id="replay" sandbox="allow-forms"', html)


def test_the_rendered_text_is_escaped(world: World, client: TestClient) -> None:
    html = client.get(f"/captures/{world.new.capture_id}").text
    text = html.split('id="rendered-text"', 1)[1].split("</section>", 1)[0]
    assert XSS not in html
    assert "Now: &lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_an_http_capture_page_has_no_browser_sections(world: World, client: TestClient) -> None:
    html = client.get(f"/captures/{world.site.ids['v1']}").text
    for marker in ('id="browser-capture"', 'id="screenshot-full"', 'id="rendered-text"'):
        assert marker not in html
    assert world.reads == []


def test_api_capture_has_mode_and_evidence(world: World, client: TestClient) -> None:
    body = client.get(f"/api/captures/{world.old.capture_id}").json()

    assert body["mode"] == "browser"
    assert set(body["evidence"]) == {"screenshot", "dom", "text", "metadata"}
    shot = body["evidence"]["screenshot"]
    assert shot == {
        "url": f"/captures/{world.old.capture_id}/screenshot.png",
        "content_type": "image/png",
        "size": len(SHOT),
        "width": 12,
        "height": 9,
        "record_id": world.old.evidence["screenshot"].record_id,
    }
    assert body["evidence"]["text"]["url"] is None
    assert body["evidence"]["text"]["size"] == len(STATEMENT_TEXT.encode())
    assert body["page"] == f"/captures/{world.old.capture_id}"  # existing keys stay

    plain = client.get(f"/api/captures/{world.site.ids['v1']}").json()
    assert plain["mode"] == "http" and plain["evidence"] == {}

    listed = client.get(f"/api/sources/{world.portal}/captures").json()["items"]
    assert [item["mode"] for item in listed] == ["browser"] * 3
    assert all(item["evidence"]["screenshot"]["url"].endswith("/screenshot.png") for item in listed)


def test_api_source_has_its_mode(world: World, client: TestClient) -> None:
    body = client.get(f"/api/sources/{world.portal}").json()

    assert body["mode"] == "auto"
    assert body["detected_mode"] == "browser"
    assert body["mode_reason"] == "the page ships scripts but no text"
    assert body["mode_checked_at"].startswith("2026-11-20T09:00:00")
    assert body["source"]["url"] == PORTAL  # existing keys stay
