"""ChangeRecorder over a real catalog: captures judged in order, failures retried, lost baselines replaced.

The record reader is the one thing faked here (a dict of payloads, where a missing one raises as
a store does for a lost object); the catalog is a real SQLite file.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.catalog import CaptureRecord, CaptureView, Catalog, CitationRecord, open_catalog
from archive.catalog.views import EvidenceRecord
from archive.store.errors import NotYetStored
from scheduler.changes import MAX_JUDGE_ATTEMPTS, ChangeRecorder
from scheduler.policy import RevisitPolicy

URL = "https://gov.example/statement"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def page(number: int) -> bytes:
    return (
        f"<html><body><main><h1>Statement</h1><p>The ministry evacuated {number} civilians on 3 May.</p>"
        "<p>An independent investigation will report within 30 days.</p></main></body></html>"
    ).encode()


class Archive:
    """Payloads by capture id; ``lost`` ids raise as a store does for an object that is gone."""

    def __init__(self) -> None:
        self.payloads: dict[int, bytes] = {}
        self.lost: set[int] = set()
        self.elsewhere: set[int] = set()  # in another worker's spool, not uploaded yet

    def read(self, capture: CaptureView) -> bytes | None:
        if capture.id in self.lost:
            raise FileNotFoundError(f"the WARC of capture {capture.id} is gone")
        if capture.id in self.elsewhere:
            raise NotYetStored(capture.warc_name or "")
        return self.payloads.get(capture.id)


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    cat = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    cat.add_article(origin="a.md", title="A", kind="markdown", citations=[CitationRecord(URL, "l", "s")])
    return cat


def recorder(catalog: Catalog, archive: Archive, workers: int | None = None) -> ChangeRecorder:
    return ChangeRecorder(
        catalog,
        read_payload=archive.read,
        alert_targets=lambda articles: [],
        policy=RevisitPolicy(),
        failure_threshold=3,
        clock=lambda: T0 + timedelta(days=30),
        workers=workers,
    )


def capture(catalog: Catalog, archive: Archive, hours: int, number: int, url: str = URL) -> int:
    body = page(number)
    cid = catalog.record_capture(
        CaptureRecord(
            role="source",
            source_id=catalog.sources_for_urls([url])[0].id,
            url=url,
            captured_at=T0 + timedelta(hours=hours),
            status=200,
            content_type="text/html",
            payload_digest=f"sha1:{number}",
            warc_name="w.warc.gz",
            offset=hours,
            length=1,
        )
    )
    archive.payloads[cid] = body
    return cid


def test_an_edit_behind_a_failed_capture_is_reported_once_it_can_be_read(catalog: Catalog) -> None:
    archive = Archive()
    capture(catalog, archive, 0, 101)
    assert recorder(catalog, archive).process() == []
    edited = capture(catalog, archive, 1, 91)
    archive.lost.add(edited)  # unreadable for now (the store is down)
    later = capture(catalog, archive, 2, 91)
    assert recorder(catalog, archive).process() == []
    assert [c.id for c in catalog.unjudged_captures(catalog.sources_for_urls([URL])[0].id)] == [edited, later]
    archive.lost.clear()
    [change_id] = recorder(catalog, archive).process()
    change = catalog.get_change(change_id)
    assert change is not None and change.after_capture_id == edited and change.kind == "edited"
    assert not catalog.has_unjudged()


def test_a_lost_baseline_does_not_stop_a_source_for_good(catalog: Catalog) -> None:
    archive = Archive()
    baseline = capture(catalog, archive, 0, 101)
    recorder(catalog, archive).process()
    archive.lost.add(baseline)  # its WARC is gone for good
    stuck = capture(catalog, archive, 1, 102)  # a new payload: comparing it needs the baseline's
    for _ in range(MAX_JUDGE_ATTEMPTS):
        assert recorder(catalog, archive).process() == []
    [given_up] = catalog.uncompared_captures()
    assert given_up.capture_id == stuck and given_up.given_up
    # The next capture becomes the new baseline instead of failing like the one before it...
    renewed = capture(catalog, archive, 2, 103)
    assert recorder(catalog, archive).process() == []
    assert not catalog.has_unjudged()
    # ...and the one after it is compared with it: the source is watched again.
    capture(catalog, archive, 3, 91)
    [change_id] = recorder(catalog, archive).process()
    change = catalog.get_change(change_id)
    assert change is not None and change.before_capture_id == renewed and change.kind == "edited"


def test_the_captures_before_an_unreadable_one_are_judged(catalog: Catalog) -> None:
    archive = Archive()
    capture(catalog, archive, 0, 101)
    recorder(catalog, archive).process()
    edited = capture(catalog, archive, 1, 91)
    lost = capture(catalog, archive, 2, 92)
    archive.lost.add(lost)
    [change_id] = recorder(catalog, archive).process()
    change = catalog.get_change(change_id)
    assert change is not None and change.after_capture_id == edited
    assert [c.id for c in catalog.unjudged_captures(catalog.sources_for_urls([URL])[0].id)] == [lost]


def many_sources(catalog: Catalog, archive: Archive, count: int) -> list[str]:
    """``count`` more cited sources, each captured once and then edited."""
    urls = [f"https://gov{n}.example/statement" for n in range(count)]
    catalog.add_article(
        origin="b.md", title="B", kind="markdown", citations=[CitationRecord(u, "l", "s") for u in urls]
    )
    for hours, number in ((0, 101), (1, 91)):
        for url in urls:
            capture(catalog, archive, hours, number, url)
        if hours == 0:
            recorder(catalog, archive).process()
    return urls


def test_changed_pages_judged_in_worker_processes_are_recorded_as_in_this_one(tmp_path: Path) -> None:
    changes = {}
    for workers in (1, 2):
        catalog = open_catalog(f"sqlite:///{tmp_path / f'catalog{workers}.db'}")
        archive = Archive()
        urls = many_sources(catalog, archive, 6)
        ids = recorder(catalog, archive, workers).process()
        assert not catalog.has_unjudged()
        changes[workers] = sorted(
            (c.url, c.kind, c.summary) for c in (catalog.get_change(i) for i in ids) if c is not None
        )
        assert [u for u, _, _ in changes[workers]] == sorted(urls)
    assert changes[2] == changes[1]


def test_a_queue_longer_than_a_batch_is_worked_to_the_end(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scheduler.changes.BATCH_SOURCES", 2)
    archive = Archive()
    urls = many_sources(catalog, archive, 5)
    ids = recorder(catalog, archive).process()
    assert len(ids) == len(urls)
    assert not catalog.has_unjudged()


def test_a_capture_in_another_workers_spool_waits_without_spending_its_retries(catalog: Catalog) -> None:
    archive = Archive()
    baseline = capture(catalog, archive, 0, 101)
    recorder(catalog, archive).process()
    edited = capture(catalog, archive, 1, 91)
    archive.elsewhere.add(edited)
    for _ in range(MAX_JUDGE_ATTEMPTS + 1):  # more passes than retries: never given up
        assert recorder(catalog, archive).process() == []
    [waiting] = catalog.unjudged_captures(catalog.sources_for_urls([URL])[0].id)
    assert waiting.id == edited and waiting.judge_attempts == 0 and waiting.judge_error is None
    # Its baseline may be elsewhere too: the source waits, the same way.
    archive.elsewhere = {baseline}
    assert recorder(catalog, archive).process() == []
    archive.elsewhere.clear()  # uploaded: judged as usual
    [change_id] = recorder(catalog, archive).process()
    change = catalog.get_change(change_id)
    assert change is not None and change.after_capture_id == edited and change.kind == "edited"


SHELL_PAGE = b"<html><body><main id='app'>Loading...</main><script src='/app.js'></script></body></html>"


def browser_capture(catalog: Catalog, archive: Archive, minutes: int, number: int) -> int:
    """A browser capture: its row is the document (the same shell every time); what it is judged on
    is its rendered DOM, an evidence record with its own digest."""
    cid = catalog.record_capture(
        CaptureRecord(
            role="source",
            source_id=catalog.sources_for_urls([URL])[0].id,
            url=URL,
            captured_at=T0 + timedelta(minutes=minutes),
            status=200,
            content_type="text/html",
            payload_digest="sha1:shell",
            warc_name="w.warc.gz",
            offset=1000 + minutes,
            length=1,
            mode="browser",
        )
    )
    catalog.record_evidence(
        cid,
        [
            EvidenceRecord(
                kind="dom",
                content_type="text/html; charset=utf-8",
                warc_name="w.warc.gz",
                offset=5000 + minutes,
                length=1,
                record_id=f"<urn:uuid:dom-{minutes}>",
                digest=f"{number:064d}",
                size=1,
            )
        ],
    )
    archive.payloads[cid] = page(number)  # what read_payload gives for a browser capture: its DOM
    return cid


def http_capture(catalog: Catalog, archive: Archive, minutes: int) -> int:
    cid = catalog.record_capture(
        CaptureRecord(
            role="source",
            source_id=catalog.sources_for_urls([URL])[0].id,
            url=URL,
            captured_at=T0 + timedelta(minutes=minutes),
            status=200,
            content_type="text/html",
            payload_digest="sha1:shell",
            warc_name="w.warc.gz",
            offset=minutes,
            length=1,
        )
    )
    archive.payloads[cid] = SHELL_PAGE
    return cid


@pytest.mark.parametrize("one_pass", [True, False], ids=["judged-together", "judged-in-turn"])
def test_browser_captures_are_compared_with_browser_captures_only(catalog: Catalog, one_pass: bool) -> None:
    """An HTTP capture of a page that needs a browser (its empty shell) between two browser
    captures is neither their baseline nor an edit of them, whatever the order of capture times."""
    archive = Archive()
    first = browser_capture(catalog, archive, 0, 101)
    if not one_pass:
        assert recorder(catalog, archive).process() == []
    http_capture(catalog, archive, 1)  # later than the browser's first, as at ingest
    if not one_pass:
        assert recorder(catalog, archive).process() == []
    edited = browser_capture(catalog, archive, 2, 91)
    [change_id] = recorder(catalog, archive).process()
    change = catalog.get_change(change_id)
    assert change is not None and change.kind == "edited"
    assert (change.before_capture_id, change.after_capture_id) == (first, edited)
    # The same rendered DOM again (same digest): unchanged, without reading a text.
    browser_capture(catalog, archive, 3, 91)
    assert recorder(catalog, archive).process() == []
