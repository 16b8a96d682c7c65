"""Change detection with a memento recovered for a source dead at ingest (Memento in).

A real SQLite catalog and the real ChangeRecorder; only the record reader is a dict of payloads.
What a user expects: the source stays dead, the quotes are checked against the memento's text
(one missing from it is reported, once), a re-crawl that finds it still dead is no news, and a
page that comes back is compared with the memento.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.catalog import CaptureRecord, Catalog, CitationRecord, open_catalog
from tests.scheduler.test_scheduler_changes import T0, URL, Archive, recorder

MEMENTO = "https://archive.example/web/20200301100000id_/https://gov.example/statement"
KEPT = "we will publish the full report on Monday"
MISSING = "every family will be rehoused by spring"


def statement(*sentences: str) -> bytes:
    paragraphs = "".join(f"<p>{s}</p>" for s in sentences)
    return f"<html><body><main><h1>Statement</h1>{paragraphs}</main></body></html>".encode()


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    cat = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    cat.add_article(
        origin="a.md", title="A", kind="markdown", citations=[CitationRecord(URL, "l", "s", (KEPT, MISSING))]
    )
    return cat


def capture(
    catalog: Catalog,
    archive: Archive,
    minutes: int,
    status: int | None,
    body: bytes | None = None,
    *,
    recovered: bool = False,
    error_kind: str | None = None,
) -> int:
    cid = catalog.record_capture(
        CaptureRecord(
            role="source",
            source_id=catalog.sources_for_urls([URL])[0].id,
            url=URL,
            captured_at=T0 + timedelta(minutes=minutes),
            status=status,
            record_type="response" if status is not None else "metadata",
            final_url=MEMENTO if recovered else URL,
            content_type="text/html" if body is not None else None,
            payload_digest=f"sha1:{minutes}" if body is not None else None,
            warc_name="w.warc.gz",
            offset=minutes,
            length=1,
            error_kind=error_kind,
            recovered_from="ia" if recovered else None,
            memento_datetime=datetime(2020, 3, 1, 10, tzinfo=UTC) if recovered else None,
        )
    )
    if body is not None:
        archive.payloads[cid] = body
    return cid


def state(catalog: Catalog) -> str:
    return catalog.source_status(catalog.sources_for_urls([URL])[0].id)[0]


def test_quotes_are_checked_against_the_memento_and_the_source_stays_deleted(catalog: Catalog) -> None:
    archive = Archive()
    capture(catalog, archive, 0, 404, statement("Not found"))
    memento = capture(catalog, archive, 1, 200, statement(f"The minister said: {KEPT}."), recovered=True)
    [change_id] = recorder(catalog, archive, workers=1).process()
    change = catalog.get_change(change_id)
    assert change is not None
    assert (change.kind, change.after_capture_id, change.removed_quotes) == ("deleted", memento, (MISSING,))
    assert "recovered from ia (2020-03-01)" in change.summary
    assert state(catalog) == "deleted"  # an archive having it does not make it live again
    # Still 404 on the live web, crawl after crawl: compared with the memento, no news.
    capture(catalog, archive, 60, 404, statement("Not found"))
    capture(catalog, archive, 120, 404, statement("Not found"))
    assert recorder(catalog, archive, workers=1).process() == []
    assert state(catalog) == "deleted"


def test_a_memento_with_every_quote_is_no_alert_and_the_baseline_of_a_return(catalog: Catalog) -> None:
    archive = Archive()
    capture(catalog, archive, 0, 404, statement("Not found"))
    capture(
        catalog, archive, 1, 200, statement(f"The minister said: {KEPT}. And: {MISSING}."), recovered=True
    )
    assert recorder(catalog, archive, workers=1).process() == []
    # The page comes back without the passage the article quoted: restored, and the quote lost
    # is named, since the memento held it.
    capture(catalog, archive, 60, 200, statement(f"The minister said: {KEPT}."))
    [change_id] = recorder(catalog, archive, workers=1).process()
    change = catalog.get_change(change_id)
    assert change is not None and (change.kind, change.removed_quotes) == ("restored", (MISSING,))


def test_a_host_gone_from_dns_is_unreachable_and_later_failures_alert_no_one(catalog: Catalog) -> None:
    archive = Archive()
    capture(catalog, archive, 0, None, error_kind="dns")
    capture(catalog, archive, 1, 200, statement(f"{KEPT}. {MISSING}."), recovered=True)
    assert recorder(catalog, archive, workers=1).process() == []
    assert state(catalog) == "unreachable"
    for minutes in (60, 120, 180, 240):
        capture(catalog, archive, minutes, None, error_kind="dns")
    assert recorder(catalog, archive, workers=1).process() == []
    assert state(catalog) == "unreachable"


def test_an_archive_error_is_no_baseline(catalog: Catalog) -> None:
    archive = Archive()
    capture(catalog, archive, 0, 404, statement("Not found"))
    capture(catalog, archive, 1, 503, statement("Archive busy"), recovered=True)
    assert recorder(catalog, archive, workers=1).process() == []
    assert state(catalog) == "deleted"
    # The page comes back: nothing recovered to compare with, so no quote is said to be lost.
    capture(catalog, archive, 60, 200, statement("Another text altogether."))
    [change_id] = recorder(catalog, archive, workers=1).process()
    change = catalog.get_change(change_id)
    assert change is not None and (change.kind, change.removed_quotes) == ("restored", ())


def test_a_page_back_after_crawls_that_found_it_dead_is_compared_with_the_memento(catalog: Catalog) -> None:
    archive = Archive()
    capture(catalog, archive, 0, 404, statement("Not found"))
    memento = capture(
        catalog, archive, 1, 200, statement(f"The minister said: {KEPT}. And: {MISSING}."), recovered=True
    )
    assert recorder(catalog, archive, workers=1).process() == []
    for minutes in (60, 120):  # two re-crawls, each judged on its own: still dead
        capture(catalog, archive, minutes, 404, statement("Not found"))
        assert recorder(catalog, archive, workers=1).process() == []
    back = capture(catalog, archive, 180, 200, statement(f"The minister said: {KEPT}."))
    [change_id] = recorder(catalog, archive, workers=1).process()
    change = catalog.get_change(change_id)
    assert change is not None
    assert (change.kind, change.removed_quotes) == ("restored", (MISSING,))
    assert (change.before_capture_id, change.after_capture_id) == (memento, back)
