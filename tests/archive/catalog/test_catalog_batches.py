"""`Catalog.record_captures`: a batch of captures in one transaction, as the crawl and reindex write them."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from archive.catalog import (
    CaptureRecord,
    Catalog,
    CitationRecord,
    InvalidValue,
    NewCapture,
    Redirect,
    UnknownArticle,
    UnknownCapture,
    UnknownSource,
    open_catalog,
)
from tests.archive.catalog.catalog_clock import T0, FakeClock

A, B = "https://gov.example/a", "https://gov.example/b"
PAGE = "https://news.example/story"


def cite(url: str, position: int = 0) -> CitationRecord:
    return CitationRecord(url, f"label {position}", f"sentence citing {url}", (), position)


def sources(catalog: Catalog) -> dict[str, int]:
    return {s.url: s.id for s in catalog.sources_for_urls([A, B])}


def capture(url: str, at: datetime, **kw: Any) -> CaptureRecord:
    return CaptureRecord(url=url, captured_at=at, status=kw.pop("status", 200), **kw)


def next_due(first_seen: datetime, now: datetime) -> datetime:
    # A recognisable schedule: a day after the capture, plus a minute per day since first seen.
    return now + timedelta(days=1, minutes=(now - first_seen).days)


def commits(catalog: Catalog) -> list[int]:
    seen: list[int] = []
    event.listen(catalog.engine, "commit", lambda _conn: seen.append(1))
    return seen


def test_a_batch_is_one_transaction_with_everything_that_goes_with_it(
    catalog: Catalog, clock: FakeClock
) -> None:
    article = catalog.add_article(
        origin=PAGE, title="Story", kind="url-html", citations=[cite(A), cite(B, 1)]
    )
    ids = sources(catalog)
    clock.advance(days=3)
    written = commits(catalog)
    batch = [
        NewCapture(capture=capture(PAGE, T0, role="article", warc_name="w-1.warc.gz"), article_id=article.id),
        NewCapture(capture=capture(PAGE + ".css", T0, role="requisite", warc_name="w-1.warc.gz"), parent=0),
        NewCapture(
            capture=capture(
                A, T0 + timedelta(days=3), role="source", source_id=ids[A], warc_name="w-2.warc.gz",
                redirects=(Redirect(A + "/old", 301, warc_name="w-1.warc.gz", offset=10, length=20),),
            ),
            scheduled_at=T0 + timedelta(days=3),
        ),
        NewCapture(capture=capture(A + "/logo.png", T0, role="requisite", warc_name="w-2.warc.gz"), parent=2),
        NewCapture(
            capture=capture(B, T0, role="source", source_id=ids[B], status=404, warc_name="w-2.warc.gz"),
            scheduled_at=T0,
        ),
        NewCapture(capture=capture(B + "/citewatch-probe-1", T0, role="probe", source_id=ids[B], status=200)),
    ]  # fmt: skip
    recorded = catalog.record_captures(batch, next_due=next_due)
    assert len(written) == 1, "one commit for the whole batch"
    assert recorded == sorted(recorded) and len(set(recorded)) == len(batch)
    views = [catalog.get_capture(i) for i in recorded]
    assert [v.url for v in views if v is not None] == [e.capture.url for e in batch]
    assert [c.id for c in catalog.requisites_of(recorded[0])] == [recorded[1]]
    assert [c.id for c in catalog.requisites_of(recorded[2])] == [recorded[3]]
    assert catalog.get_article(article.id).capture_id == recorded[0]  # type: ignore[union-attr]
    assert [w.name for w in catalog.list_warcs()] == ["w-1.warc.gz", "w-2.warc.gz"]
    summary = {s.url: s for s in catalog.list_sources()}
    assert (summary[A].last_status, summary[A].last_captured_at) == (200, T0 + timedelta(days=3))
    assert summary[A].next_due_at == T0 + timedelta(days=4, minutes=3)
    # The probe (status 200) did not touch its source: the 404 is B's last status.
    assert (summary[B].last_status, summary[B].next_due_at) == (404, T0 + timedelta(days=1))
    assert (summary[A].captures, summary[B].captures) == (1, 1)
    assert catalog.unjudged_sources() == [ids[B], ids[A]]  # batched captures wait for detection too


def test_a_late_capture_does_not_roll_the_source_or_the_article_back(catalog: Catalog) -> None:
    article = catalog.add_article(origin=PAGE, title="Story", kind="url-html", citations=[cite(A)])
    sid = sources(catalog)[A]
    later = T0 + timedelta(days=2)
    [_, page] = catalog.record_captures(
        [
            NewCapture(
                capture=capture(A, later, role="source", source_id=sid, status=410), scheduled_at=later
            ),
            NewCapture(capture=capture(PAGE, later, role="article"), article_id=article.id),
        ],
        next_due=next_due,
    )
    [before] = catalog.list_sources()
    catalog.record_captures(
        [
            NewCapture(capture=capture(A, T0, role="source", source_id=sid), scheduled_at=T0),
            NewCapture(capture=capture(PAGE, T0, role="article"), article_id=article.id),
        ],
        next_due=next_due,
    )
    [after] = catalog.list_sources()
    assert (
        (after.last_status, after.last_captured_at, after.next_due_at)
        == (
            before.last_status,
            before.last_captured_at,
            before.next_due_at,
        )
        == (410, later, later + timedelta(days=1, minutes=2))
    )
    assert after.captures == 2
    assert catalog.get_article(article.id).capture_id == page  # type: ignore[union-attr]


def test_a_batch_that_names_something_unknown_writes_nothing(catalog: Catalog) -> None:
    catalog.add_article(origin="o", title="t", kind="text", citations=[cite(A)])
    sid = sources(catalog)[A]
    good = NewCapture(capture=capture(A, T0, role="source", source_id=sid, warc_name="w.warc.gz"))
    bad: list[tuple[NewCapture, type[Exception]]] = [
        (NewCapture(capture=capture(A, T0, role="source", source_id=sid + 99)), UnknownSource),
        (NewCapture(capture=capture(A, T0, role="requisite", parent_id=4242)), UnknownCapture),
        (NewCapture(capture=capture(A, T0, role="article"), article_id=4242), UnknownArticle),
        (NewCapture(capture=capture(A, T0, role="requisite"), parent=1), InvalidValue),
        (NewCapture(capture=capture(A, T0, role="page")), InvalidValue),
        (NewCapture(capture=capture(A, T0, role="source")), InvalidValue),
        (NewCapture(capture=capture(A, datetime(2026, 1, 1), role="article")), InvalidValue),
    ]
    for entry, error in bad:
        with pytest.raises(error):
            catalog.record_captures([good, entry])
    assert catalog.captures_for(A) == [] and catalog.list_warcs() == []
    assert catalog.record_captures([]) == []


def test_lookups_for_reindex(catalog: Catalog) -> None:
    article = catalog.add_article(origin=PAGE, title="Story", kind="url-html", citations=[cite(A)])
    sid = sources(catalog)[A]
    ids = catalog.record_captures(
        [
            NewCapture(
                capture=capture(A, T0, role="source", source_id=sid, warc_name="w.warc.gz", record_id="<a>")
            ),
            NewCapture(capture=capture(A + ".css", T0, role="requisite", warc_name="w.warc.gz"), parent=0),
            NewCapture(capture=capture(PAGE, T0, role="article", warc_name="x.warc.gz")),
        ]
    )
    found = catalog.captures_in_warc("w.warc.gz")
    assert [(c.id, c.record_id, c.url, c.role, c.parent_id) for c in found] == [
        (ids[0], "<a>", A, "source", None),
        (ids[1], None, A + ".css", "requisite", ids[0]),
    ]
    assert catalog.captures_in_warc("none.warc.gz") == []
    assert catalog.articles_for_origins([PAGE, "https://other.example/"]) == {PAGE: article.id}
    watched = catalog.watch_sources([A, B], created_at=T0 - timedelta(days=9))
    assert watched[A] == sid and set(watched) == {A, B}
    new = {s.url: s for s in catalog.list_sources()}[B]
    assert (new.state, new.next_due_at) == ("pending", T0 - timedelta(days=9))


def test_an_article_citing_thousands_of_new_urls_adds_them_all(tmp_path: Path) -> None:
    # One INSERT for them all went past SQLite's limit on variables (7 a source): a watch list of
    # 100,000 URLs ingested as one file failed with "too many SQL variables".  The limit is set to
    # SQLite's default (32,766; this build allows 250,000) to show it with 5,000 URLs.
    def limit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)

    event.listen(Engine, "connect", limit)
    try:
        catalog = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
        urls = [f"https://gov.example/statement/{n}" for n in range(5_000)]
        citations = [cite(u, n) for n, u in enumerate(urls)]
        view = catalog.add_article(origin="watchlist.txt", title="w", kind="text", citations=citations)
        assert len({c.source_id for c in view.citations}) == len(urls)
        assert len(catalog.watch_sources(urls, created_at=T0)) == len(urls)
        catalog.close()
    finally:
        event.remove(Engine, "connect", limit)


def test_read_ahead_lookups_answer_as_the_one_by_one_ones(catalog: Catalog) -> None:
    catalog.add_article(origin="a.md", title="A", kind="markdown", citations=[cite(A, 0), cite(B, 1)])
    ids = sources(catalog)
    # A: two responses and a newer revisit, the older response written last (a reindex does that).
    for at, kind, digest in ((2, "response", "sha1:2"), (3, "revisit", "sha1:2"), (1, "response", "sha1:1")):
        catalog.record_capture(
            capture(
                A,
                T0 + timedelta(hours=at),
                role="source",
                source_id=ids[A],
                record_type=kind,
                payload_digest=digest,
            )
        )
    urls = [A, B, "https://never.example/"]
    latest = catalog.latest_responses_for_urls(urls)
    for url in urls:
        one = catalog.latest_capture_for_url(url, responses_only=True)
        assert (latest[url].id if url in latest else None) == (one.id if one else None), url
    assert latest[A].payload_digest == "sha1:2"
    assert catalog.sources_captured([ids[A], ids[B]]) == {ids[A]}
