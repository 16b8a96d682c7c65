"""WACZ export of an article citing a source captured with a browser: its evidence records go into
the package, wherever they were written, and its page entry carries the rendered text."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.catalog import Catalog, CitationRecord, open_catalog
from archive.export import export_wacz
from archive.store import LocalStore, Spool, warc_key
from archive.warc import WarcWriter
from tests.archive.browser_capture import BrowserCapture, png, record_browser_capture
from tests.archive.export.evidence_world import T0, Clock, counting_ids
from tests.archive.export.test_export_wacz import CREATED, _validate

PORTAL = "http://portal.example.org/statement"
TEXT = "The ministry will publish the report on Monday.\nQuestions: press@ministry.example"
SHOT = png(16, 10)


@dataclass
class Portal:
    catalog: Catalog
    store: LocalStore
    article_id: int
    captures: list[BrowserCapture]

    def read_range(self, warc_name: str, offset: int, length: int) -> bytes:
        return self.store.get_range(warc_key(warc_name), offset, length)


@pytest.fixture(name="portal")
def portal_fixture(tmp_path: Path) -> Iterator[Portal]:
    clock = Clock()
    catalog = open_catalog(f"sqlite:///{tmp_path / 'catalog.db'}", clock=clock)
    store = LocalStore(tmp_path / "store")
    spool = Spool(tmp_path / "spool", store)
    # As in a crawl: the recorder writes the page's records, citewatch's writer the evidence.
    recorder = WarcWriter(
        spool.directory, prefix="recorder", clock=clock, new_id=counting_ids("aaaa"), fsync=False
    )
    evidence = WarcWriter(
        spool.directory, prefix="citewatch", clock=clock, new_id=counting_ids("bbbb"), fsync=False
    )
    article = catalog.add_article(
        origin="http://news.example.org/portal",
        title="The portal",
        kind="html",
        citations=[CitationRecord(PORTAL, "the statement", "The ministry said so.", position=0)],
    )
    sid = article.citations[0].source_id
    captures = [
        record_browser_capture(catalog, recorder, url=PORTAL, at=T0, text=TEXT, source_id=sid,
                               screenshot=SHOT, evidence_writer=evidence),
        record_browser_capture(catalog, recorder, url=PORTAL, at=T0 + timedelta(days=1), text="Deleted.",
                               source_id=sid, kinds=("metadata",), evidence_writer=evidence),
    ]  # fmt: skip
    recorder.close()
    evidence.close()
    assert spool.upload_pending().ok
    yield Portal(catalog, store, article.id, captures)
    catalog.close()


def _export(portal: Portal, out: Path) -> Path:
    report = export_wacz(
        portal.catalog,
        article_id=portal.article_id,
        read_range=portal.read_range,
        out_path=out,
        clock=lambda: CREATED,
        new_id=counting_ids("ffff"),
    )
    assert report.notes == ()
    return report.path


def test_evidence_records_from_another_warc_are_in_the_package(portal: Portal, tmp_path: Path) -> None:
    path = _export(portal, tmp_path / "portal.wacz")

    with zipfile.ZipFile(path) as wacz:
        warc = wacz.read("archive/data.warc.gz")
    first = portal.captures[0]
    assert first.document.warc_name != first.evidence["screenshot"].warc_name  # two files
    for written in (*first.evidence.values(), portal.captures[1].evidence["metadata"]):
        original = portal.read_range(written.warc_name, written.offset, written.length)
        assert original in warc, written.record_id
    records = {
        r.rec_headers.get_header("WARC-Target-URI"): (r.rec_type, r.content_stream().read())
        for r in ArchiveIterator(io.BytesIO(warc))
        if r.rec_type in ("resource", "metadata")
    }
    assert records[f"urn:fullPage:{PORTAL}"] == ("resource", SHOT)
    assert records[f"urn:text:{PORTAL}"] == ("resource", TEXT.encode())
    assert records[f"urn:dom:{PORTAL}"][0] == "resource"
    assert records[PORTAL][0] == "metadata"


def test_the_page_entry_carries_the_rendered_text(portal: Portal, tmp_path: Path) -> None:
    path = _export(portal, tmp_path / "portal.wacz")

    with zipfile.ZipFile(path) as wacz:
        _, *pages = (json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines())
    assert [(p["url"], p["ts"], p["title"]) for p in pages] == [
        (PORTAL, "2026-11-25T12:00:00Z", "the statement"),
        (PORTAL, "2026-11-26T12:00:00Z", "the statement"),
    ]
    assert pages[0]["text"] == TEXT
    assert "text" not in pages[1]  # that capture kept no rendered text


def test_the_package_passes_the_wacz_validator(portal: Portal, tmp_path: Path) -> None:
    path = _export(portal, tmp_path / "portal.wacz")

    result = _validate(path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded" in result.stdout
