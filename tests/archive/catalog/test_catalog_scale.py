"""The catalog at a million sources, checked cheaply on a few rows (issue 8; timings are in
benchmarks/catalog_scale.py): listings are read in bounded batches and never name every id in one
statement, due sources come batch after batch, and the lookups replay and listings make use an
index (SQLite's EXPLAIN QUERY PLAN: no full ``SCAN`` of the capture table)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from archive.catalog import CaptureRecord, Catalog, ChangeRecord, CitationRecord, open_catalog
from archive.web.queries import WebQueries
from archive.web.replay.lookup import CaptureLookup, CaptureRow
from tests.archive.catalog.catalog_clock import T0, FakeClock

BATCH = 3
N = 8  # more than two batches


def url(i: int) -> str:
    return f"https://gov.example/page/{i}"


def fill(catalog: Catalog) -> list[int]:
    """N sources, each cited by its own article and captured twice with a change between."""
    ids = []
    for i in range(N):
        view = catalog.add_article(
            origin=f"a{i}.md",
            title=f"Article {i}",
            kind="markdown",
            citations=[CitationRecord(url(i), "l", "s", ("q",), 0)],
        )
        sid = view.citations[0].source_id
        ids.append(sid)
        caps = [
            catalog.record_capture(
                CaptureRecord(
                    source_id=sid,
                    role="source",
                    url=url(i),
                    captured_at=T0 + timedelta(minutes=i, seconds=k),
                    status=200,
                    payload_digest=f"sha1:{i}{k}",
                    warc_name="x.warc.gz",
                    offset=k,
                    length=1,
                    record_type="response",
                )
            )
            for k in range(2)
        ]
        change = catalog.record_change(
            ChangeRecord(sid, "edited", T0 + timedelta(hours=1, minutes=i), caps[0], caps[1], "s")
        )
        catalog.create_alert(change, title=f"T{i}", text="b", targets=["json://127.0.0.1:9/x"])
    return ids


class Statements:
    """Every statement the engine runs, with how many parameters it binds."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[tuple[str, int]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        n = len(params) if isinstance(params, (tuple, list, dict)) else 0
        self.seen.append((statement, n))

    @property
    def most_parameters(self) -> int:
        return max(n for _, n in self.seen)


@pytest.fixture
def filled(catalog: Catalog) -> tuple[Catalog, list[int]]:
    return catalog, fill(catalog)


def test_changes_and_alerts_never_bind_every_id(filled: tuple[Catalog, list[int]]) -> None:
    # `citewatch changes` named every changed source in one IN list (a bad plan at 100,000 changes,
    # "too many SQL variables" past 250,000); `citewatch alerts` every alert id.  Batched, no
    # statement binds more than a batch's worth, and the listing is the same.
    catalog, _ = filled
    whole, whole_alerts = catalog.list_changes(), catalog.list_alerts()
    statements = Statements(catalog.engine)
    batched = list(catalog.iter_changes(batch=BATCH))
    assert [c.id for c in batched] == [c.id for c in whole] and len(batched) == N
    assert [c.articles for c in batched] == [c.articles for c in whole]
    assert all(len(c.articles) == 1 for c in batched)
    assert statements.most_parameters <= BATCH + 4
    alerts = list(catalog.iter_alerts(batch=BATCH))
    assert [a.change_id for a in alerts] == [a.change_id for a in whole_alerts]
    assert len(alerts) == N and all(len(a.channels) == 1 for a in alerts)
    assert statements.most_parameters <= BATCH + 4
    assert [c.id for c in catalog.iter_changes(batch=BATCH, limit=4)] == [c.id for c in whole[:4]]


def test_listings_stream_batch_by_batch(filled: tuple[Catalog, list[int]]) -> None:
    # The first row comes from the first batch's queries alone: nothing reads the whole table first.
    catalog, ids = filled
    for listing in (
        lambda: catalog.iter_sources(batch=BATCH),
        lambda: catalog.iter_changes(batch=BATCH),
        lambda: catalog.iter_alerts(batch=BATCH),
        lambda: catalog.iter_captures(url(0), batch=1),
    ):
        rows: Iterator[Any] = listing()
        statements = Statements(catalog.engine)
        next(rows)
        first = len(statements.seen)
        assert all("LIMIT" in s.upper() for s, _ in statements.seen[:1])
        rest = list(rows)
        assert rest and len(statements.seen) > first  # later batches are read later
    summaries = list(catalog.iter_sources(batch=BATCH))
    assert [s.id for s in summaries] == sorted(ids)
    assert all((s.captures, s.articles) == (2, 1) for s in summaries)
    assert [c.captured_at for c in catalog.iter_captures(url(0), batch=1)] == [
        T0,
        T0 + timedelta(seconds=1),
    ]


def test_due_sources_come_page_by_page(filled: tuple[Catalog, list[int]], clock: FakeClock) -> None:
    # `crawl --due` loaded every due source into one list; the crawl pulls them a page at a time,
    # in due order, and a source rescheduled meanwhile is neither repeated nor skipped.
    catalog, ids = filled
    for k, sid in enumerate(ids):
        catalog.schedule(sid, T0 - timedelta(hours=N - k))
    walk = catalog.iter_sources_to_crawl(due_only=True, now=T0, page=BATCH)
    statements = Statements(catalog.engine)
    first = [next(walk).id for _ in range(BATCH)]
    assert first == ids[:BATCH] and len(statements.seen) == 1
    catalog.schedule(first[0], T0 + timedelta(days=1))  # crawled meanwhile
    catalog.schedule(ids[-1], T0 + timedelta(days=1))  # made not due before the walk reaches it
    assert [r.id for r in walk] == ids[BATCH:-1]
    assert [r.id for r in catalog.sources_to_crawl(due_only=False)] == sorted(ids)


# -- query plans (SQLite) -----------------------------------------------------------------------


@pytest.fixture
def sqlite_catalog(tmp_path: Path) -> Iterator[Catalog]:
    cat = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}", clock=FakeClock())
    fill(cat)
    with cat.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    yield cat
    cat.close()


def plans(engine: Engine, run: Any) -> list[tuple[str, str]]:
    """(statement, its EXPLAIN QUERY PLAN) of every SELECT ``run()`` makes."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    out = []
    with engine.connect() as conn:
        for statement, params in seen:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
            out.append((statement, "\n".join(str(r[-1]) for r in rows)))
    assert out, "nothing was queried"
    return out


def scans_of(found: list[tuple[str, str]], table: str) -> list[str]:
    """The plans that read all of ``table`` (or all of one of its indexes) rather than a range."""
    whole = re.compile(rf"^SCAN {table}(_\d+)?( USING .*)?$")
    return [plan for _, plan in found if any(whole.match(line.strip()) for line in plan.splitlines())]


def test_replay_lookups_use_indexes(sqlite_catalog: Catalog) -> None:
    # A URL never captured scanned all 3,000,000 captures (no index on final_url: 12.8 s), and a
    # revisit's payload was looked for by digest without an index (1-3 s).
    lookup = CaptureLookup(sqlite_catalog.engine)
    never = plans(sqlite_catalog.engine, lambda: lookup.closest("https://gov.example/never", T0))
    assert scans_of(never, "capture") == []
    found = lookup.closest(url(3), T0)
    assert found is not None
    revisit = CaptureRow(**{**found.__dict__, "record_type": "revisit"})
    by_digest = plans(sqlite_catalog.engine, lambda: lookup.original_of(revisit, "sha1:30"))
    assert scans_of(by_digest, "capture") == []
    assert any("ix_capture_payload_digest" in plan for _, plan in by_digest)
    assert any("ix_capture_final_url" in plan for _, plan in never)


def test_ui_pages_read_no_whole_table(sqlite_catalog: Catalog) -> None:
    # /sources counted every capture and citation of every source on each request (4-6 s).
    queries = WebQueries(sqlite_catalog.engine)
    sid = sqlite_catalog.sources_for_urls([url(2)])[0].id
    found = plans(sqlite_catalog.engine, lambda: queries.sources(page=1))
    found += plans(sqlite_catalog.engine, lambda: queries.source(sid))
    found += plans(sqlite_catalog.engine, lambda: queries.captures(sid))
    for table in ("capture", "citation"):
        assert scans_of(found, table) == [], table
    page = queries.sources(page=1)
    assert [(s.captures, s.articles) for s in page.items] == [(2, 1)] * N


def test_keyset_walks_the_ui_lists_both_ways(sqlite_catalog: Catalog) -> None:
    queries = WebQueries(sqlite_catalog.engine)
    first = queries.changes(per_page=BATCH)
    assert first.page == 1 and first.next_page == 2 and first.prev_page is None
    # Cursor pages: after the last row of a page, and back before its first row.
    second = queries.changes(per_page=BATCH, after=first.items[-1].id)
    assert [c.id for c in second.items] == [c.id for c in queries.changes(per_page=BATCH, page=2).items]
    assert second.prev_before == second.items[0].id
    back = queries.changes(per_page=BATCH, before=second.prev_before)
    assert [c.id for c in back.items] == [c.id for c in first.items] and back.page == 1
    seen = [c.id for c in first.items]
    page = first
    while page.next_after is not None or page.next_page is not None:
        page = (
            queries.changes(per_page=BATCH, after=page.next_after)
            if page.next_after is not None
            else queries.changes(per_page=BATCH, after=page.items[-1].id)
        )
        seen += [c.id for c in page.items]
    assert len(seen) == N == len(set(seen))
    with sqlite_catalog.engine.connect() as conn:
        newest_first = [
            r[0] for r in conn.execute(text("SELECT id FROM change ORDER BY detected_at DESC, id DESC"))
        ]
    assert seen == newest_first


def test_pages_deeper_than_the_numbered_window_are_refused_with_a_way_on(sqlite_catalog: Catalog) -> None:
    from archive.web.errors import PageTooDeep

    with pytest.raises(PageTooDeep, match="next and previous links"):
        WebQueries(sqlite_catalog.engine).sources(page=100_000, per_page=100)


def test_replay_of_a_captured_url_reads_one_index_entry(sqlite_catalog: Catalog) -> None:
    # `url IN (...) OR final_url IN (...)` gathered every capture of a hot URL and sorted them all.
    lookup = CaptureLookup(sqlite_catalog.engine)
    found = plans(sqlite_catalog.engine, lambda: lookup.closest(url(4), T0 + timedelta(days=1)))
    assert scans_of(found, "capture") == []
    assert [plan for _, plan in found if "TEMP B-TREE" in plan] == []
    row = lookup.closest(url(4), T0 + timedelta(days=1))
    assert row is not None and row.captured_at == T0 + timedelta(minutes=4, seconds=1)


def test_a_source_page_lists_the_first_citing_articles_and_counts_them_all(
    sqlite_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hot source is cited by thousands of articles: the page lists the first, counts them all.
    import archive.web.queries as web_queries

    for i in range(5):
        sqlite_catalog.add_article(
            origin=f"more{i}.md",
            title=f"More {i}",
            kind="markdown",
            citations=[CitationRecord(url(0), "l", "s", (), 0)],
        )
    monkeypatch.setattr(web_queries, "CITING_SHOWN", 3)
    sid = sqlite_catalog.sources_for_urls([url(0)])[0].id
    detail = WebQueries(sqlite_catalog.engine).source(sid)
    assert detail is not None and detail.summary.articles == 6
    assert [a.title for a in detail.articles] == ["Article 0", "More 0", "More 1"]
