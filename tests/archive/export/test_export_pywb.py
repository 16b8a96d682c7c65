"""pywb, installed in the test environment, replays captures from our WARCs through our CDXJ.

Two collections: ``citewatch`` holds a WARC written by `WarcWriter` and the CDXJ written for it by
`write_cdxj` (the files the spool uploads); ``evidence`` holds the WARC and index of a WACZ export.
"""

from __future__ import annotations

import gzip
import io
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from archive.export import export_wacz
from archive.index.cdxj import write_cdxj
from archive.warc import WarcWriter
from tests.archive.export.evidence_world import CSS, SITE, STATEMENT, T0, Clock, World, counting_ids, exchange
from tests.archive.export.pywb_server import Reply, Wayback, ensure_pywb, get

pytestmark = pytest.mark.integration

PAGE_URL = f"{SITE}/press/2026-11-25-statement"
PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'><title>Ministry statement</title>"
    b'<link rel="stylesheet" href="/site.css"></head><body><h1>Ministry statement</h1>'
    b'<p class="quote">We will publish the full report on Monday.</p></body></html>'
)


@dataclass(frozen=True)
class Replayer:
    port: int
    page_body: bytes  # as archived: the gzip stream the server sent


@pytest.fixture(scope="module")
def pywb_venv() -> Path:
    venv, seconds = ensure_pywb()
    sys.stderr.write(f"\npywb virtualenv {venv} ready (install took {seconds:.1f}s)\n")
    return venv


@pytest.fixture
def replay(pywb_venv: Path, world: World, tmp_path: Path) -> Iterator[Replayer]:
    root = tmp_path / "pywb"
    # Collection 1: our writer's WARC and our CDXJ, laid out as pywb's default config reads them.
    ours = root / "collections" / "citewatch"
    (ours / "archive").mkdir(parents=True)
    (ours / "indexes").mkdir()
    clock = Clock()
    writer = WarcWriter(ours / "archive", clock=clock, new_id=counting_ids("aaaa"), fsync=False)
    page = exchange(PAGE_URL.removeprefix(SITE), PAGE, T0, gzipped=True)
    written = writer.write_exchange(page)
    writer.write_exchange(exchange("/site.css", CSS, T0 + timedelta(seconds=1), ctype="text/css"))
    writer.close()
    warc = ours / "archive" / written.warc_name
    assert write_cdxj(warc, ours / "indexes" / f"{warc.name}.cdxj") == 2
    # Collection 2: the WARC and index of an exported WACZ, unchanged.
    package = export_wacz(
        world.catalog, article_id=world.article_id, read_range=world.read_range, out_path=tmp_path / "a.wacz"
    )
    evidence = root / "collections" / "evidence"
    with zipfile.ZipFile(package.path) as wacz:
        for name in ("archive/data.warc.gz", "indexes/index.cdxj"):
            (evidence / name).parent.mkdir(parents=True, exist_ok=True)
            (evidence / name).write_bytes(wacz.read(name))
    with Wayback(pywb_venv, root) as server:
        yield Replayer(server.port, page.body)


def test_pywb_replays_our_capture_byte_for_byte(replay: Replayer) -> None:
    # id_ (identity: no rewriting) to a client that accepts no encoding: the archived payload with
    # its Content-Encoding undone, the original header kept as X-Archive-Orig-Content-Encoding.
    plain = get(replay.port, f"/citewatch/20261125120000id_/{PAGE_URL}")
    assert plain.status == 200
    assert plain.headers.get("x-archive-orig-content-encoding") == "gzip"
    assert "content-encoding" not in plain.headers
    assert plain.body == PAGE
    # To a client that accepts gzip: the archived body byte for byte, still gzip-encoded.
    raw = get(replay.port, f"/citewatch/20261125120000id_/{PAGE_URL}", headers={"Accept-Encoding": "gzip"})
    assert raw.status == 200
    assert raw.headers.get("content-encoding") == "gzip"
    assert raw.body == replay.page_body
    css = get(replay.port, f"/citewatch/20261125120001id_/{SITE}/site.css")
    assert (css.status, css.body) == (200, CSS)


def test_pywb_rewritten_replay_shows_the_page(replay: Replayer) -> None:
    # The plain replay URL answers with pywb's frame (banner + iframe); mp_ is the page inside it.
    frame = get(replay.port, f"/citewatch/20261125120000/{PAGE_URL}")
    page = get(replay.port, f"/citewatch/20261125120000mp_/{PAGE_URL}")

    assert frame.status == 200
    assert b"replay_iframe" in frame.body
    assert page.status == 200
    body = _decoded(page)
    assert b"We will publish the full report on Monday." in body
    # Links are rewritten to point back into the archive, not to the live site.
    assert b"/citewatch/20261125120000cs_/" in body or b"/citewatch/20261125120000/" in body


def test_pywb_replays_an_exported_revisit_from_the_package_alone(replay: Replayer) -> None:
    # The statement's second capture is a revisit: its payload comes from the response the
    # export pulled into the package, found by pywb through the package's own index.
    revisit = get(replay.port, f"/evidence/20261126120000id_/{SITE}/statement")
    css = get(replay.port, f"/evidence/20261125120011id_/{SITE}/site.css")

    assert (revisit.status, revisit.body) == (200, STATEMENT)
    assert (css.status, css.body) == (200, CSS)


def _decoded(reply: Reply) -> bytes:
    if reply.headers.get("content-encoding") == "gzip":
        return gzip.GzipFile(fileobj=io.BytesIO(reply.body)).read()
    return reply.body
