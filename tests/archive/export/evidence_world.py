"""A small archived world for the export tests: two articles, their sources, captures in a local store.

Imported by path (``tests.archive.export.evidence_world``), like the catalog's clock.

Article 1 cites ``/statement`` (captured twice: a response with a stylesheet requisite, then a
revisit whose stylesheet is a revisit of the copy captured for article 2's source), ``/report``
(gzip-encoded) and ``/gone`` (a fetch failure).  Article 2 cites ``/other``, whose requisite is the
stylesheet's original response, so exporting article 1 must pull it in from outside its own captures.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.catalog import CaptureRecord, Catalog, CitationRecord, open_catalog
from archive.store import LocalStore, Spool, warc_key
from archive.warc import FetchFailure, HttpExchange, WarcWriter, WrittenRecord

T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
SITE = "http://news.example.org"
CSS = b"body { font-family: serif; color: #222; }\n.quote { font-style: italic; }\n"
STATEMENT = (
    b"<!doctype html><html><head><title>Official statement</title>"
    b'<link rel="stylesheet" href="/site.css"></head><body><h1>Official statement</h1>'
    b'<p class="quote">We will publish the full report on Monday.</p></body></html>'
)
REPORT = b"<!doctype html><html><head><title>Report</title></head><body><p>Findings: none.</p></body></html>"
ARTICLE = b"<!doctype html><html><head><title>Minister promises report</title></head><body>...</body></html>"


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


def counting_ids(prefix: str = "0000") -> Callable[[], str]:
    counter = iter(range(1, 1_000_000))
    return lambda: f"<urn:uuid:{prefix}0000-0000-0000-0000-{next(counter):012d}>"


def exchange(
    path: str, body: bytes, when: datetime, *, ctype: str = "text/html", gzipped: bool = False
) -> HttpExchange:
    headers = [("Content-Type", ctype), ("Content-Length", "0")]
    if gzipped:
        body = gzip.compress(body, mtime=0)
        headers.append(("Content-Encoding", "gzip"))
    headers[1] = ("Content-Length", str(len(body)))
    return HttpExchange(
        url=f"{SITE}{path}",
        method="GET",
        request_headers=[("User-Agent", "citewatch-test"), ("Accept", "*/*")],
        request_body=b"",
        status=200,
        reason="OK",
        response_headers=headers,
        body=body,
        fetched_at=when,
        ip_address="127.0.0.1",
    )


@dataclass
class World:
    """The catalog, the store and ids of what was archived."""

    catalog: Catalog
    store: LocalStore
    article_id: int
    other_article_id: int
    written: dict[str, WrittenRecord] = field(default_factory=dict)
    capture_ids: dict[str, int] = field(default_factory=dict)

    def read_range(self, warc_name: str, offset: int, length: int) -> bytes:
        return self.store.get_range(warc_key(warc_name), offset, length)


def build_world(tmp_path: Path) -> Iterator[World]:
    clock = Clock()
    catalog = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}", clock=clock)
    store = LocalStore(tmp_path / "store")
    spool = Spool(tmp_path / "spool", store)
    writer = WarcWriter(spool.directory, clock=clock, new_id=counting_ids(), fsync=False)
    article = catalog.add_article(
        origin=f"{SITE}/news/minister",
        title="Minister promises report",
        kind="html",
        citations=[
            CitationRecord(f"{SITE}/statement", "the statement", "The ministry said so.", position=0),
            CitationRecord(f"{SITE}/report", "the report", "The report found nothing.", position=1),
            CitationRecord(f"{SITE}/gone", "a deleted page", "It was there.", position=2),
        ],
    )
    other = catalog.add_article(
        origin=f"{SITE}/news/other",
        title="Other",
        kind="html",
        citations=[CitationRecord(f"{SITE}/other", "other", "Other.", position=0)],
    )
    world = World(catalog, store, article.id, other.id)
    sources = {c.url.removeprefix(SITE): c.source_id for c in (*article.citations, *other.citations)}

    def record(key: str, w: WrittenRecord, ex: HttpExchange | None, **extra: object) -> int:
        world.written[key] = w
        capture = CaptureRecord(
            url=ex.url if ex else f"{SITE}/gone",
            captured_at=ex.fetched_at if ex else clock.now,
            record_type=w.record_type,
            status=ex.status if ex else None,
            content_type=dict(ex.response_headers).get("Content-Type") if ex else None,
            payload_digest=w.payload_digest,
            warc_name=w.warc_name,
            offset=w.offset,
            length=w.length,
            record_id=w.record_id,
            **extra,  # type: ignore[arg-type]
        )
        world.capture_ids[key] = catalog.record_capture(capture)
        return world.capture_ids[key]

    # First crawl: article 2's source and the stylesheet's original response.
    other_ex = exchange("/other", b"<html><body>other</body></html>", T0)
    other_id = record(
        "other", writer.write_exchange(other_ex), other_ex, role="source", source_id=sources["/other"]
    )
    css0 = exchange("/site.css", CSS, T0 + timedelta(seconds=1), ctype="text/css")
    record("css0", writer.write_exchange(css0), css0, role="requisite", parent_id=other_id)

    # Article 1's page and first crawl of its sources.
    page = exchange("/news/minister", ARTICLE, T0 + timedelta(seconds=5), gzipped=True)
    page_id = record("article", writer.write_exchange(page), page, role="article")
    catalog.set_article_capture(article.id, page_id)
    st1 = exchange("/statement", STATEMENT, T0 + timedelta(seconds=10))
    st1_id = record(
        "statement1", writer.write_exchange(st1), st1, role="source", source_id=sources["/statement"]
    )
    css1 = exchange("/site.css", CSS, T0 + timedelta(seconds=11), ctype="text/css")
    css_ref = world.written["css0"]
    w = writer.write_revisit(
        css1,
        refers_to_uri=css0.url,
        refers_to_date=css0.fetched_at,
        refers_to_record_id=css_ref.record_id,
        payload_digest=css_ref.payload_digest or "",
    )
    record("css1", w, css1, role="requisite", parent_id=st1_id)
    rep = exchange("/report", REPORT, T0 + timedelta(seconds=12), gzipped=True)
    record("report", writer.write_exchange(rep), rep, role="source", source_id=sources["/report"])
    failure = FetchFailure(f"{SITE}/gone", "refused", "connection refused", T0 + timedelta(seconds=13))
    clock.now = failure.fetched_at
    record(
        "gone",
        writer.write_failure(failure),
        None,
        role="source",
        source_id=sources["/gone"],
        error_kind="refused",
    )

    # A day later, in a new WARC: the statement is unchanged (a revisit of the first capture).
    writer.roll()
    clock.now = T0 + timedelta(days=1)
    st2 = exchange("/statement", STATEMENT, clock.now)
    first = world.written["statement1"]
    w = writer.write_revisit(
        st2,
        refers_to_uri=st1.url,
        refers_to_date=st1.fetched_at,
        refers_to_record_id=first.record_id,
        payload_digest=first.payload_digest or "",
    )
    record("statement2", w, st2, role="source", source_id=sources["/statement"])
    writer.close()
    report = spool.upload_pending()
    assert report.ok, report.error
    try:
        yield world
    finally:
        catalog.close()
