"""The Catalog API against a real database: articles, sources, captures, WARC files."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event

from archive.catalog import (
    CaptureRecord,
    Catalog,
    CitationRecord,
    InvalidValue,
    Redirect,
    UnknownArticle,
    UnknownCapture,
    UnknownSource,
)
from tests.archive.catalog.catalog_clock import T0, FakeClock

A, B, C = "https://gov.example/a", "https://gov.example/b", "https://un.example/c"


def cite(url: str, position: int = 0, *quotes: str) -> CitationRecord:
    return CitationRecord(url, f"label {position}", f"sentence citing {url}", quotes, position)


def source_id(catalog: Catalog, url: str) -> int:
    [ref] = catalog.sources_for_urls([url])
    return ref.id


def capture(sid: int, at: datetime, status: int | None = 200, **kw: Any) -> CaptureRecord:
    return CaptureRecord(
        source_id=sid, role="source", url=kw.pop("url", A), captured_at=at, status=status, **kw
    )


def test_add_article_dedupes_sources_across_articles(catalog: Catalog, clock: FakeClock) -> None:
    one = catalog.add_article(
        origin="one.md", title="One", kind="markdown", citations=[cite(A, 0), cite(B, 1)]
    )
    two = catalog.add_article(
        origin="https://news.example/two", title="Two", kind="url-html", citations=[cite(B), cite(C, 1)]
    )
    assert one.id != two.id
    summaries = {s.url: s for s in catalog.list_sources()}
    assert sorted(summaries) == [A, B, C]
    assert summaries[B].articles == 2 and summaries[A].articles == 1
    assert one.citations[1].source_id == two.citations[0].source_id == summaries[B].id
    assert all(s.state == "pending" and s.next_due_at == T0 for s in summaries.values())
    assert [a.id for a in catalog.list_articles()] == [one.id, two.id]


def test_reingesting_same_origin_updates_the_article(catalog: Catalog, clock: FakeClock) -> None:
    first = catalog.add_article(
        origin="one.md", title="Old", kind="markdown", citations=[cite(A, 0, "q1"), cite(B, 1)], tags=["x"]
    )
    clock.advance(hours=1)
    second = catalog.add_article(
        origin="one.md", title="New", kind="html", citations=[cite(C, 0), cite(A, 5, "q2")], tags=["y", "x"]
    )
    assert second.id == first.id
    assert (second.title, second.kind, second.tags) == ("New", "html", ("x", "y"))
    assert second.ingested_at == T0 and second.updated_at == T0 + timedelta(hours=1)
    assert [(c.url, c.position, c.quotes) for c in second.citations] == [(C, 0, ()), (A, 5, ("q2",))]
    assert catalog.get_article(first.id) == second
    counts = {s.url: s.articles for s in catalog.list_sources()}
    assert counts == {A: 1, B: 0, C: 1}  # B stays watched: it has its own history


def test_a_url_cited_twice_in_one_article_is_one_citation(catalog: Catalog) -> None:
    article = catalog.add_article(
        origin="o.txt", title="T", kind="text", citations=[cite(A, 0, "first"), cite(A, 3, "second", "first")]
    )
    [only] = article.citations
    assert (only.position, only.quotes, only.label) == (0, ("first", "second"), "label 0")


def test_article_without_citations_and_unknown_lookups(catalog: Catalog) -> None:
    article = catalog.add_article(origin="empty.txt", title="E", kind="text", citations=[])
    assert article.citations == () and article.capture_id is None
    assert catalog.get_article(999) is None
    with pytest.raises(UnknownArticle):
        catalog.set_article_capture(999, 1)


def test_article_page_capture_and_requisites(catalog: Catalog) -> None:
    article = catalog.add_article(
        origin="https://news.example/x", title="X", kind="url-html", citations=[cite(A)]
    )
    page = catalog.record_capture(
        CaptureRecord(role="article", url=article.origin, captured_at=T0, status=200)
    )
    css = catalog.record_capture(
        CaptureRecord(
            role="requisite", parent_id=page, url="https://news.example/s.css", captured_at=T0, status=200
        )
    )
    catalog.set_article_capture(article.id, page)
    assert catalog.get_article(article.id).capture_id == page  # type: ignore[union-attr]
    assert [c.id for c in catalog.requisites_of(page)] == [css]
    assert catalog.list_sources()[0].captures == 0  # article pages are not source captures


def test_record_capture_round_trips_every_column(catalog: Catalog) -> None:
    catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A)])
    record = CaptureRecord(
        source_id=source_id(catalog, A), parent_id=None, role="source", url=A, final_url=A + "/",
        captured_at=T0.astimezone(timezone(timedelta(hours=2))), status=200, content_type="text/html",
        payload_digest="sha1:AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH", warc_name="cw-0001.warc.gz", offset=2**33,
        length=1234, record_type="response", error_kind=None, error=None,
        redirects=(Redirect(A, 301),), body_length=5678,
    )  # fmt: skip
    view = catalog.get_capture(catalog.record_capture(record))
    assert view is not None
    assert view.captured_at == T0 and view.captured_at.tzinfo == UTC
    assert {
        k: v
        for k, v in vars(view).items()
        if k not in ("id", "captured_at", "judged_at", "judge_error", "judge_attempts")
    } == {k: v for k, v in vars(record).items() if k != "captured_at"}
    assert view.judged_at is None and view.judge_error is None, "change detection has not judged it yet"
    assert catalog.get_capture(view.id + 100) is None


def test_record_capture_updates_last_status_but_leaves_the_state_to_detection(catalog: Catalog) -> None:
    catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A)])
    sid = source_id(catalog, A)

    def state() -> tuple[str, int | None, int]:
        [s] = catalog.list_sources()
        return s.state, s.last_status, s.consecutive_failures

    steps: list[tuple[CaptureRecord, tuple[str, int | None, int]]] = [
        (capture(sid, T0, 200), ("pending", 200, 0)),
        (capture(sid, T0 + timedelta(days=1), None, record_type="metadata", error_kind="timeout"),
         ("pending", None, 0)),
        (capture(sid, T0 + timedelta(days=2), 404), ("pending", 404, 0)),
        # An older capture recorded late does not roll the source back.
        (capture(sid, T0 + timedelta(hours=1), 200), ("pending", 404, 0)),
    ]  # fmt: skip
    for record, expected in steps:
        catalog.record_capture(record)
        assert state() == expected, record
    [summary] = catalog.list_sources()
    assert summary.captures == len(steps) and summary.last_captured_at == T0 + timedelta(days=2)
    catalog.set_source_state(sid, "edited")
    assert state()[0] == "edited"


def test_record_capture_rejects_bad_input(catalog: Catalog) -> None:
    with pytest.raises(InvalidValue, match="role"):
        catalog.record_capture(CaptureRecord(role="page", url=A, captured_at=T0))
    with pytest.raises(InvalidValue, match="record type"):
        catalog.record_capture(CaptureRecord(role="article", url=A, captured_at=T0, record_type="request"))
    with pytest.raises(InvalidValue, match="source_id"):
        catalog.record_capture(CaptureRecord(role="source", url=A, captured_at=T0))
    with pytest.raises(InvalidValue, match="timezone-aware"):
        catalog.record_capture(CaptureRecord(role="article", url=A, captured_at=datetime(2026, 1, 1)))
    with pytest.raises(UnknownSource):
        catalog.record_capture(capture(12345, T0))
    with pytest.raises(UnknownCapture):
        catalog.record_capture(CaptureRecord(role="requisite", parent_id=777, url=A, captured_at=T0))
    with pytest.raises(InvalidValue, match="source state"):
        catalog.set_source_state(1, "gone")


def test_captures_for_is_oldest_first_and_unknown_url_raises(catalog: Catalog) -> None:
    catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A), cite(B, 1)])
    sid = source_id(catalog, A)
    later = catalog.record_capture(capture(sid, T0 + timedelta(days=1)))
    earlier = catalog.record_capture(capture(sid, T0))
    catalog.record_capture(capture(source_id(catalog, B), T0, url=B))
    assert [c.id for c in catalog.captures_for(A)] == [earlier, later]
    assert catalog.latest_capture(sid).id == later  # type: ignore[union-attr]
    assert catalog.captures_for(B)[0].url == B
    assert catalog.latest_capture(999) is None
    with pytest.raises(UnknownSource, match="citewatch sources"):
        catalog.captures_for("https://nowhere.example/")


def test_list_sources_counts_each_batch_in_three_queries(catalog: Catalog) -> None:
    for i in range(5):
        catalog.add_article(origin=f"a{i}", title="t", kind="text", citations=[cite(A), cite(f"{B}/{i}", 1)])
    catalog.record_capture(capture(source_id(catalog, A), T0))
    statements: list[str] = []
    event.listen(catalog.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    summaries = catalog.list_sources()
    # The sources, their captures counted, their articles counted: not one query per source.
    assert len(statements) == 3
    assert (summaries[0].url, summaries[0].articles, summaries[0].captures) == (A, 5, 1)
    assert len(summaries) == 6


def test_sources_to_crawl_due_paused_filter_limit(catalog: Catalog, clock: FakeClock) -> None:
    catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A), cite(B, 1), cite(C, 2)])
    a, b, c = (source_id(catalog, u) for u in (A, B, C))
    catalog.schedule(a, T0 + timedelta(days=2))
    catalog.schedule(b, (T0 - timedelta(hours=1)).astimezone(timezone(timedelta(hours=-5))))
    catalog.set_paused(c, True)

    assert [s.url for s in catalog.sources_to_crawl(due_only=True)] == [B]
    assert [s.url for s in catalog.sources_to_crawl(due_only=True, now=T0 + timedelta(days=3))] == [B, A]
    assert [s.url for s in catalog.sources_to_crawl(due_only=False)] == [A, B]
    assert [s.url for s in catalog.sources_to_crawl(due_only=False, urls=[C, A])] == [A]
    assert [s.url for s in catalog.sources_to_crawl(due_only=False, limit=1)] == [A]
    assert catalog.sources_to_crawl(due_only=False, urls=[]) == []
    assert {s.url for s in catalog.sources_for_urls([C, "https://other/"])} == {C}
    [summary_b] = [s for s in catalog.list_sources() if s.id == b]
    assert summary_b.next_due_at == T0 - timedelta(hours=1) and summary_b.next_due_at.tzinfo == UTC
    with pytest.raises(InvalidValue, match="timezone-aware"):
        catalog.schedule(a, datetime(2026, 1, 1))
    with pytest.raises(UnknownSource):
        catalog.schedule(999, T0)


def test_warc_state_transitions(catalog: Catalog, clock: FakeClock) -> None:
    catalog.register_warc("cw-1.warc.gz")
    catalog.register_warc("cw-1.warc.gz")  # idempotent
    catalog.register_warc("cw-2.warc.gz")
    assert [(w.name, w.state) for w in catalog.list_warcs()] == [
        ("cw-1.warc.gz", "spooled"),
        ("cw-2.warc.gz", "spooled"),
    ]
    clock.advance(minutes=5)
    catalog.mark_warc_stored("cw-1.warc.gz", key="warcs/cw-1.warc.gz", size=4096, sha256="ab" * 32)
    stored = catalog.warc("cw-1.warc.gz")
    assert stored is not None
    assert (stored.state, stored.store_key, stored.size, stored.sha256) == (
        "stored",
        "warcs/cw-1.warc.gz",
        4096,
        "ab" * 32,
    )
    assert stored.created_at == T0 and stored.stored_at == T0 + timedelta(minutes=5)
    assert [w.name for w in catalog.list_warcs("spooled")] == ["cw-2.warc.gz"]
    assert [w.name for w in catalog.list_warcs("stored")] == ["cw-1.warc.gz"]
    catalog.register_warc("cw-1.warc.gz")  # does not demote a stored WARC
    assert catalog.warc("cw-1.warc.gz").state == "stored"  # type: ignore[union-attr]
    catalog.mark_warc_stored("cw-3.warc.gz", key="k3", size=1, sha256="cd" * 32)  # found by spool recovery
    assert catalog.warc("cw-3.warc.gz").state == "stored"  # type: ignore[union-attr]
    assert catalog.warc("nope") is None
    with pytest.raises(InvalidValue):
        catalog.list_warcs("lost")


def test_naive_clock_is_refused(db_url: str) -> None:
    from archive.catalog import open_catalog

    catalog = open_catalog(db_url, clock=lambda: datetime(2026, 1, 1))
    try:
        with pytest.raises(InvalidValue, match="clock"):
            catalog.register_warc("x")
    finally:
        catalog.close()


def test_concurrent_ingests_share_new_sources(catalog: Catalog) -> None:
    errors: list[BaseException] = []

    def ingest(i: int) -> None:
        try:
            catalog.add_article(
                origin=f"t{i}", title="t", kind="text", citations=[cite(A), cite(B, 1), cite(C, 2)]
            )
        except BaseException as exc:  # collected so the main thread can report it
            errors.append(exc)

    threads = [threading.Thread(target=ingest, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted((s.url, s.articles) for s in catalog.list_sources()) == [(A, 8), (B, 8), (C, 8)]
