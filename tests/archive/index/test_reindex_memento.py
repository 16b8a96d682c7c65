"""A reindex of a lost catalog reads a recovered capture back from its note (Memento in)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from archive.catalog import open_catalog
from archive.index.reindex import reindex_warc
from archive.warc import WarcWriter
from archive.warc.exchange import HttpExchange
from archive.warc.note import CaptureNote, NoteMemento

SOURCE = "https://gov.example/statement"
MEMENTO = "https://archive.example/web/20200301100000id_/https://gov.example/statement"
FETCHED = datetime(2026, 11, 30, 8, tzinfo=UTC)


def test_reindex_puts_back_the_archive_and_the_memento_datetime(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path / "spool", fsync=False, clock=lambda: FETCHED)
    body = b"<html><body><p>We will publish the full report on Monday.</p></body></html>"
    written = writer.write_exchange(
        HttpExchange(
            url=MEMENTO,
            method="GET",
            request_headers=[("Host", "archive.example")],
            request_body=b"",
            status=200,
            reason="OK",
            response_headers=[
                ("Content-Type", "text/html"),
                ("Memento-Datetime", "Sun, 01 Mar 2020 10:00:00 GMT"),
            ],
            body=body,
            fetched_at=FETCHED,
        ),
        awaits_note=True,
    )
    link = f'<{SOURCE}>; rel="original", <{MEMENTO}>; rel="memento"; datetime="Sun, 01 Mar 2020 10:00:00 GMT"'
    note = CaptureNote(
        role="source",
        target=SOURCE,
        source=SOURCE,
        memento=NoteMemento(
            archive="ia",
            timegate="https://archive.example/web/",
            uri_m=MEMENTO,
            raw=True,
            memento_datetime="Sun, 01 Mar 2020 10:00:00 GMT",
            link=link,
        ),
    )
    writer.write_metadata(MEMENTO, written.record_id, note.fields())
    writer.close()
    [warc] = sorted((tmp_path / "spool").glob("*.warc.gz"))

    catalog = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    with warc.open("rb") as stream:
        report = reindex_warc(catalog, warc.name, stream)
    assert report.added == 1
    [capture] = catalog.captures_for(SOURCE)
    assert (capture.url, capture.final_url, capture.status) == (SOURCE, MEMENTO, 200)
    assert capture.recovered_from == "ia"
    assert capture.memento_datetime == datetime(2020, 3, 1, 10, tzinfo=UTC)
    assert catalog.recoveries_for([capture.source_id or 0])[capture.source_id or 0].archive == "ia"
