"""Start-up recovery of a WARC a killed crawl left open: with no catalog to put its captures back
into, the file stays open for the next start; with one, it is put back and closed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.catalog.errors import CatalogUnavailable
from archive.warc.exchange import HttpExchange
from archive.warc.writer import WarcWriter
from citewatch.app import App
from citewatch.config import load_settings


def left_open(spool: Path) -> Path:
    """A WARC with one capture, left .open as by a killed crawl."""
    writer = WarcWriter(spool)
    writer.write_exchange(
        HttpExchange(
            url="https://gov.example/statement",
            method="GET",
            request_headers=[("Host", "gov.example")],
            request_body=b"",
            status=200,
            reason="OK",
            response_headers=[("Content-Type", "text/html")],
            body=b"<html><body><p>Statement.</p></body></html>",
            fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
        )
    )
    writer.abandon()
    [path] = spool.glob("*.warc.gz.open")
    return path


def test_an_open_warc_waits_for_a_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEWATCH_HOME", str(tmp_path))
    settings = load_settings()
    App(settings).catalog.close()  # the home, its catalog and spool
    path = left_open(settings.spool_dir)

    def unavailable(*args: object, **kwargs: object) -> None:
        raise CatalogUnavailable("sqlite:///catalog.db", "database is locked")

    monkeypatch.setattr("archive.index.reindex.reindex_warc", unavailable)
    with pytest.raises(CatalogUnavailable):
        App(settings)
    assert path.exists()  # not closed: its capture is not in the catalog yet
    monkeypatch.undo()
    monkeypatch.setenv("CITEWATCH_HOME", str(tmp_path))
    app = App(settings)
    assert not path.exists() and [r.added for r in app.reindexed] == [1]
