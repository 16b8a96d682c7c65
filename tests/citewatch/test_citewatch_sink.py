"""CatalogSink: captures are written in batches, one transaction per batch, never one per page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from archive.catalog.db import open_catalog
from archive.catalog.repository import Catalog
from archive.catalog.views import CitationRecord
from archive.warc.exchange import WrittenRecord
from citewatch.sink import CatalogSink
from crawler.model import ROLE_REQUISITE, ROLE_SOURCE, CaptureRef, CaptureResult, CaptureTarget
from scheduler.policy import RevisitPolicy
from tests.archive.catalog.catalog_clock import T0, FakeClock

PAGES = 25
BATCH = 10


@pytest.fixture
def commits() -> Iterator[list[int]]:
    counted = [0]

    def on_commit(_conn: Any) -> None:
        counted[0] += 1

    event.listen(Engine, "commit", on_commit)
    yield counted
    event.remove(Engine, "commit", on_commit)


def result(n: int, source_id: int | None, **target: Any) -> CaptureResult:
    return CaptureResult(
        target=CaptureTarget(url=f"https://gov.example/{n}", source_id=source_id, **target),
        captured_at=T0 + timedelta(seconds=n),
        final_url=f"https://gov.example/{n}",
        status=200,
        content_type="text/html",
        record=WrittenRecord(
            warc_name="w.warc.gz",
            offset=1000 * n,
            length=900,
            record_type="response",
            record_id=f"<urn:uuid:{n}>",
            payload_digest=f"sha1:{n}",
        ),
        body_length=100,
    )


def sink_with_sources(tmp_path: Path) -> tuple[Catalog, CatalogSink, list[int]]:
    clock = FakeClock()
    catalog = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}", clock=clock)
    article = catalog.add_article(
        origin="a.md",
        title="A",
        kind="markdown",
        citations=[CitationRecord(f"https://gov.example/{n}", "l", "s", (), n) for n in range(PAGES)],
    )
    ids = [c.source_id for c in article.citations]
    sink = CatalogSink(catalog, policy=RevisitPolicy(), clock=clock, batch_size=BATCH)
    return catalog, sink, ids


def test_one_transaction_per_batch(tmp_path: Path, commits: list[int]) -> None:
    catalog, sink, ids = sink_with_sources(tmp_path)
    commits[0] = 0
    per_capture = []
    for n in range(PAGES):
        sink.on_capture(result(n, ids[n]))
        per_capture.append(commits[0])
    # Nothing written until a batch is full, then one commit for all of it.
    assert per_capture[BATCH - 2] == 0 and per_capture[BATCH - 1] == 1 and per_capture[-1] == 2
    sink.flush()
    assert commits[0] == 3  # 25 captures: two full batches and the rest
    assert len(catalog.captures_for(f"https://gov.example/{PAGES - 1}")) == 1
    summary = {s.url: s for s in catalog.list_sources()}
    assert all(summary[f"https://gov.example/{n}"].last_status == 200 for n in range(PAGES))


def test_a_requisite_links_to_its_page_held_in_the_same_batch_or_written_before(tmp_path: Path) -> None:
    catalog, sink, ids = sink_with_sources(tmp_path)
    page = sink.on_capture(result(0, ids[0]))
    same_batch = sink.on_capture(result(1, None, role=ROLE_REQUISITE, parent=page))
    assert page.id is None and same_batch.id is None  # held
    sink.flush()
    later = sink.on_capture(result(2, None, role=ROLE_REQUISITE, parent=page))
    sink.flush()
    assert page.id is not None and same_batch.id is not None and later.id is not None
    rows = {c.url: c for c in catalog.captures_in_warc("w.warc.gz")}
    assert rows["https://gov.example/0"].role == ROLE_SOURCE
    assert rows["https://gov.example/1"].parent_id == page.id
    assert rows["https://gov.example/2"].parent_id == page.id


@pytest.fixture
def selects() -> Iterator[list[int]]:
    counted = [0]

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            counted[0] += 1

    event.listen(Engine, "before_cursor_execute", before)
    yield counted
    event.remove(Engine, "before_cursor_execute", before)


def test_targets_are_looked_up_a_hundred_at_a_time_with_the_same_answers(
    tmp_path: Path, selects: list[int]
) -> None:
    catalog, sink, ids = sink_with_sources(tmp_path)
    # Half the sources were captured by an earlier crawl.
    for n in range(0, PAGES, 2):
        sink.on_capture(result(n, ids[n]))
    sink.flush()
    targets = [CaptureTarget(url=f"https://gov.example/{n}", source_id=ids[n]) for n in range(PAGES)]
    # What a sink without read-ahead answers, one query per question...
    plain = CatalogSink(catalog, policy=RevisitPolicy(), clock=FakeClock(), batch_size=BATCH)
    selects[0] = 0
    expected = [
        (plain.previous(t.url), plain.has_earlier_capture(t.source_id or 0, CaptureRef())) for t in targets
    ]
    one_by_one = selects[0]
    assert [p is not None for p, _ in expected] == [n % 2 == 0 for n in range(PAGES)]
    assert [c for _, c in expected] == [n % 2 == 0 for n in range(PAGES)]
    # ...this one answers from two queries for all of them.
    ahead = CatalogSink(catalog, policy=RevisitPolicy(), clock=FakeClock(), batch_size=BATCH)
    selects[0] = 0
    answers = [
        (ahead.previous(t.url), ahead.has_earlier_capture(t.source_id or 0, CaptureRef()))
        for t in ahead.prefetching(targets)
    ]
    assert answers == expected
    assert selects[0] <= 4 < one_by_one  # two statements (and a transaction's) per hundred targets


def test_a_capture_written_after_the_read_ahead_is_what_previous_sees(tmp_path: Path) -> None:
    _, sink, ids = sink_with_sources(tmp_path)
    target = CaptureTarget(url="https://gov.example/3", source_id=ids[3])
    [pulled] = list(sink.prefetching([target]))  # read ahead: never captured
    sink.on_capture(result(3, ids[3]))
    sink.flush()  # written: the read-ahead answer is stale now
    again = sink.previous(pulled.url)
    assert again is not None and again.payload_digest == "sha1:3"
