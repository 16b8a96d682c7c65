"""An alert about a change whose after capture is a browser capture links its screenshot: the
catalog's change view knows the after capture's mode and screenshot, with no extra read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.catalog import CaptureRecord, Catalog, ChangeRecord, CitationRecord, Judgement, open_catalog
from archive.catalog.models import Alert
from archive.warc.writer import WarcWriter
from scheduler.alerts import render_alert
from tests.archive.browser_capture import record_browser_capture
from tests.archive.catalog.backends import BACKENDS, empty_db_url
from tests.archive.catalog.catalog_clock import T0

URL = "https://portal.example/statement"
UI = "https://archive.example/"


@pytest.fixture(params=BACKENDS)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    cat = open_catalog(empty_db_url(request.param, tmp_path), clock=lambda: T0)
    yield cat
    cat.close()


def _alert_texts(catalog: Catalog) -> list[str]:
    with catalog.engine.connect() as conn:
        return list(conn.execute(select(Alert.text)).scalars())


def _judge(catalog: Catalog, source_id: int, before: int, after: int) -> int:
    change = ChangeRecord(source_id, "edited", T0 + timedelta(days=1), before, after, "1 passage removed")
    change_id = catalog.record_judgement(
        Judgement(after, "edited", 0, change=change, alert_targets=("json://127.0.0.1:9/hook",)),
        render_alert=lambda view: render_alert(view, ui_base_url=UI),
    )
    assert change_id is not None
    return change_id


def test_the_alert_of_a_browser_capture_links_its_screenshot(catalog: Catalog, tmp_path: Path) -> None:
    article = catalog.add_article(
        origin="a.md", title="A", kind="markdown", citations=[CitationRecord(URL, "the portal", "s", (), 0)]
    )
    sid = article.citations[0].source_id
    writer = WarcWriter(tmp_path / "spool", fsync=False)
    first = record_browser_capture(catalog, writer, url=URL, at=T0, text="Before.", source_id=sid)
    second = record_browser_capture(
        catalog, writer, url=URL, at=T0 + timedelta(days=1), text="After.", source_id=sid
    )
    writer.close()
    catalog.record_judgement(Judgement(first.capture_id, "live", 0), render_alert=render_alert)

    change_id = _judge(catalog, sid, first.capture_id, second.capture_id)

    view = catalog.get_change(change_id)
    assert view is not None and (view.after_mode, view.after_screenshot) == ("browser", True)
    [text] = _alert_texts(catalog)
    assert f"Screenshot: https://archive.example/captures/{second.capture_id}/screenshot.png" in text


def test_an_http_capture_gets_no_screenshot_link(catalog: Catalog) -> None:
    article = catalog.add_article(
        origin="a.md", title="A", kind="markdown", citations=[CitationRecord(URL, "the page", "s", (), 0)]
    )
    sid = article.citations[0].source_id
    ids = [
        catalog.record_capture(
            CaptureRecord(
                role="source", source_id=sid, url=URL, captured_at=T0 + timedelta(days=d), status=200
            )
        )
        for d in (0, 1)
    ]
    catalog.record_judgement(Judgement(ids[0], "live", 0), render_alert=render_alert)

    change_id = _judge(catalog, sid, ids[0], ids[1])

    view = catalog.get_change(change_id)
    assert view is not None and (view.after_mode, view.after_screenshot) == ("http", False)
    [text] = _alert_texts(catalog)
    assert "Details: https://archive.example/changes/" in text and "Screenshot" not in text
