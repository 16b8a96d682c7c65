"""A revisit's payload is read from the response that holds it, even under another URL: a cited
``/moved`` that redirects to ``/one``, also cited, is captured as a revisit of ``/one``'s payload.
The report found the original only among ``/moved``'s own captures and called the quote gone, and
the report's WACZ looked for it only as ``/one``'s newest response (gone once ``/one`` changed)."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.catalog import CaptureRecord, CitationRecord
from archive.catalog.views import Redirect
from archive.warc.exchange import HttpExchange
from archive.warc.writer import WarcWriter
from citewatch.app import App
from citewatch.config import load_settings

ONE = "https://gov.example/s/one"
MOVED = "https://gov.example/s/moved"
QUOTE = "the convoy will leave at dawn with 70 buses"
BODY = f"<html><body><main><p>The ministry said {QUOTE}.</p></main></body></html>".encode()
EDITED = b"<html><body><main><p>The ministry said nothing.</p></main></body></html>"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def exchange(url: str, body: bytes, at: datetime) -> HttpExchange:
    return HttpExchange(
        url=url,
        method="GET",
        request_headers=[("Host", "gov.example")],
        request_body=b"",
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "text/html; charset=utf-8")],
        body=body,
        fetched_at=at,
    )


def test_a_redirects_revisit_reads_its_targets_payload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITEWATCH_HOME", str(tmp_path))
    app = App(load_settings())
    article = app.catalog.add_article(
        origin="file:///article.md",
        title="What the officials said",
        kind="markdown",
        citations=[
            CitationRecord(url=ONE, label="convoy", sentence=QUOTE, quotes=(QUOTE,), position=0),
            CitationRecord(url=MOVED, label="moved", sentence=QUOTE, quotes=(QUOTE,), position=1),
        ],
    )
    ids = {c.url: c.source_id for c in article.citations}
    writer = WarcWriter(app.settings.spool_dir)
    original = writer.write_exchange(exchange(ONE, BODY, T0))
    # As the crawler writes it: the fetch of /moved ended at /one, whose payload it already holds.
    revisit = writer.write_revisit(
        exchange(ONE, BODY, T0 + timedelta(minutes=1)),
        refers_to_uri=ONE,
        refers_to_date=T0,
        refers_to_record_id=original.record_id,
        payload_digest=str(original.payload_digest),
    )
    edited = writer.write_exchange(exchange(ONE, EDITED, T0 + timedelta(minutes=2)))
    writer.close()
    for url, written, at, final, hops in (
        (ONE, original, T0, None, ()),
        (MOVED, revisit, T0 + timedelta(minutes=1), ONE, (Redirect(MOVED, 301),)),
        (ONE, edited, T0 + timedelta(minutes=2), None, ()),
    ):
        app.catalog.record_capture(
            CaptureRecord(
                role="source",
                url=url,
                final_url=final,
                redirects=hops,
                source_id=ids[url],
                captured_at=at,
                record_type=written.record_type,
                status=200,
                content_type="text/html; charset=utf-8",
                payload_digest=written.payload_digest,
                warc_name=written.warc_name,
                offset=written.offset,
                length=written.length,
                record_id=written.record_id,
            )
        )

    [moved] = app.catalog.captures_for(MOVED)
    assert moved.record_type == "revisit"
    assert app.read_payload(moved) == BODY
    report = app.report(article.id)
    by_url = {c.url: c for c in report.citations}
    assert [(q.text, q.status) for q in by_url[MOVED].quotes] == [(QUOTE, "present")]
    assert by_url[MOVED].note is None
    # The report's package: the captures it names (/one edited, /moved's revisit) and the
    # response holding the revisit's payload, no longer /one's newest.
    package = app.export_report_wacz(report, tmp_path / "report.wacz")
    with zipfile.ZipFile(package.path) as wacz, wacz.open("archive/data.warc.gz") as stream:
        ids = {r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(stream)}
    assert {original.record_id, revisit.record_id, edited.record_id} <= ids and package.notes == ()
    app.catalog.close()
