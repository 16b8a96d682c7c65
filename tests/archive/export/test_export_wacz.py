"""WACZ export of one article: valid for the `wacz` validator, self-contained, byte-for-byte, atomic."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.catalog import UnknownArticle
from archive.export import NothingToExport, RecordMismatch, export_wacz
from archive.export.wacz import ExportReport
from tests.archive.export.evidence_world import CSS, SITE, World, counting_ids

CREATED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _export(world: World, out: Path, **kwargs: object) -> ExportReport:
    return export_wacz(
        world.catalog,
        article_id=world.article_id,
        read_range=world.read_range,
        out_path=out,
        clock=lambda: CREATED,
        new_id=counting_ids("ffff"),
        **kwargs,  # type: ignore[arg-type]
    )


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # The console script, not `python -m wacz`: its __main__ drops the exit status.
        [str(Path(sys.executable).parent / "wacz"), "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_export_passes_the_wacz_validator(world: World, tmp_path: Path) -> None:
    report = _export(world, tmp_path / "out" / "evidence.wacz")

    result = _validate(report.path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded, the passed WACZ is valid" in result.stdout
    assert report.bytes == report.path.stat().st_size
    # warcinfo + 6 request/response-or-revisit pairs + the failure's metadata record
    assert (report.records, report.pages, report.notes) == (14, 4, ())


def test_the_validator_catches_a_tampered_package(world: World, tmp_path: Path) -> None:
    report = _export(world, tmp_path / "evidence.wacz")
    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(report.path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(
                info,
                data.replace(b"the report", b"the rep0rt") if info.filename.startswith("pages/") else data,
            )

    result = _validate(tampered)
    assert result.returncode == 1
    assert "Validation failed" in result.stdout


def test_layout_compression_and_datapackage(world: World, tmp_path: Path) -> None:
    report = _export(world, tmp_path / "evidence.wacz")

    with zipfile.ZipFile(report.path) as wacz:
        infos = wacz.infolist()
        files = {i.filename: wacz.read(i) for i in infos}
    assert [i.filename for i in infos] == [
        "archive/data.warc.gz",
        "indexes/index.cdxj",
        "pages/pages.jsonl",
        "datapackage.json",
        "datapackage-digest.json",
    ]
    assert infos[0].compress_type == zipfile.ZIP_STORED
    package = json.loads(files["datapackage.json"])
    assert package["profile"] == "data-package"
    assert package["wacz_version"] == "1.1.1"
    assert package["created"] == "2026-12-01T09:30:00Z"
    assert package["software"].startswith("citewatch")
    assert package["mainPageURL"] == f"{SITE}/news/minister"
    assert package["mainPageDate"] == "2026-11-25T12:00:05Z"
    for resource in package["resources"]:
        data = files[resource["path"]]
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["bytes"] == len(data)
    digest = json.loads(files["datapackage-digest.json"])
    assert digest["hash"] == "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest()

    header, *pages = (json.loads(line) for line in files["pages/pages.jsonl"].splitlines())
    assert header == {"format": "json-pages-1.0", "id": "pages", "title": package["title"]}
    assert [(p["url"].removeprefix(SITE), p["ts"], p["title"]) for p in pages] == [
        ("/news/minister", "2026-11-25T12:00:05Z", "Minister promises report"),
        ("/statement", "2026-11-25T12:00:10Z", "the statement"),
        ("/statement", "2026-11-26T12:00:00Z", "the statement"),  # the revisit replays too
        ("/report", "2026-11-25T12:00:12Z", "the report"),  # /gone failed: nothing to replay
    ]


def test_records_are_the_original_members_with_their_requests(world: World, tmp_path: Path) -> None:
    report = _export(world, tmp_path / "evidence.wacz")
    with zipfile.ZipFile(report.path) as wacz:
        warc = wacz.read("archive/data.warc.gz")
        index = wacz.read("indexes/index.cdxj").decode()

    for key in ("article", "statement1", "css1", "css0", "report", "gone", "statement2"):
        w = world.written[key]
        original = world.read_range(w.warc_name, w.offset, w.length)
        assert original in warc, key

    records = [(r.rec_type, r.rec_headers) for r in ArchiveIterator(io.BytesIO(warc))]
    assert [t for t, _ in records] == [
        "warcinfo",
        *["request", "response"] * 2,  # the article page, the first statement
        *["request", "revisit"],  # its stylesheet, unchanged since article 2's crawl...
        *["request", "response"],  # ...so the original stylesheet follows
        *["request", "revisit"],  # the statement a day later
        *["request", "response"],  # the report
        "metadata",  # /gone: connection refused
    ]
    ids = {h.get_header("WARC-Record-ID"): h for _, h in records}
    assert world.written["other"].record_id not in ids  # article 2's own source stays out
    for rec_type, headers in records:
        if rec_type in ("response", "revisit"):
            assert headers.get_header("WARC-Concurrent-To") in ids
        if rec_type == "revisit":
            assert headers.get_header("WARC-Refers-To") in ids  # self-contained
    assert records[0][1].get_header("WARC-Filename") == "data.warc.gz"

    lines = index.splitlines()
    assert lines == sorted(lines)
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    assert {e["filename"] for e in entries} == {"data.warc.gz"}
    css = next(e for e in entries if e["url"].endswith("/site.css") and e["mime"] == "text/css")
    member = warc[int(css["offset"]) : int(css["offset"]) + int(css["length"])]
    body = next(iter(ArchiveIterator(io.BytesIO(member)))).content_stream().read()
    assert body == CSS


def test_same_catalog_and_clock_give_the_same_bytes(world: World, tmp_path: Path) -> None:
    first = _export(world, tmp_path / "a.wacz")
    second = _export(world, tmp_path / "b.wacz")

    assert first.path.read_bytes() == second.path.read_bytes()


def test_a_failed_export_leaves_nothing_behind(world: World, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "evidence.wacz").write_bytes(b"previous export")
    calls = 0

    def flaky(name: str, offset: int, length: int) -> bytes:
        nonlocal calls
        calls += 1
        if calls > 5:
            raise OSError("store went away")
        return world.read_range(name, offset, length)

    with pytest.raises(OSError, match="store went away"):
        export_wacz(
            world.catalog, article_id=world.article_id, read_range=flaky, out_path=out_dir / "evidence.wacz"
        )

    assert sorted(p.name for p in out_dir.iterdir()) == ["evidence.wacz"]
    assert (out_dir / "evidence.wacz").read_bytes() == b"previous export"


def test_a_catalogued_location_holding_another_record_is_refused(world: World, tmp_path: Path) -> None:
    wrong = world.written["report"]

    def off_by_one_record(name: str, offset: int, length: int) -> bytes:
        if (name, offset) == (wrong.warc_name, wrong.offset):
            article = world.written["article"]
            return world.read_range(article.warc_name, article.offset, article.length)[:length]
        return world.read_range(name, offset, length)

    with pytest.raises(RecordMismatch, match="does not hold the catalogued record"):
        export_wacz(
            world.catalog,
            article_id=world.article_id,
            read_range=off_by_one_record,
            out_path=tmp_path / "x.wacz",
        )
    assert not (tmp_path / "x.wacz").exists()


def test_unknown_and_uncrawled_articles(world: World, tmp_path: Path) -> None:
    with pytest.raises(UnknownArticle):
        _export(dataclasses.replace(world, article_id=999), tmp_path / "x.wacz")
    fresh = world.catalog.add_article(origin=f"{SITE}/news/new", title="New", kind="html", citations=[])
    with pytest.raises(NothingToExport, match="crawl it first"):
        _export(dataclasses.replace(world, article_id=fresh.id), tmp_path / "x.wacz")
    assert not (tmp_path / "x.wacz").exists()


def _zip64_extra(extra: bytes) -> bool:
    """Whether a zip extra-field block holds a Zip64 field (header id 0x0001)."""
    at = 0
    while at + 4 <= len(extra):
        header, size = (
            int.from_bytes(extra[at : at + 2], "little"),
            int.from_bytes(extra[at + 2 : at + 4], "little"),
        )
        if header == 1:
            return True
        at += 4 + size
    return False


def test_local_headers_agree_with_the_central_directory(world: World, tmp_path: Path) -> None:
    """Readers that trust the central directory for a member's data offset (ReplayWeb.page's)
    read the wrong bytes when a local header carries a Zip64 field the directory lacks."""
    report = _export(world, tmp_path / "evidence.wacz")
    data = report.path.read_bytes()
    with zipfile.ZipFile(report.path) as wacz:
        for info in wacz.infolist():
            local = data[info.header_offset : info.header_offset + 30]
            assert local[:4] == b"PK\x03\x04"
            name_length = int.from_bytes(local[26:28], "little")
            extra_length = int.from_bytes(local[28:30], "little")
            start = info.header_offset + 30 + name_length
            local_extra = data[start : start + extra_length]
            assert not _zip64_extra(local_extra), info.filename  # small members need none
            assert _zip64_extra(local_extra) == _zip64_extra(info.extra), info.filename


def test_pages_have_unique_ids_and_no_repeated_url_and_time(world: World, tmp_path: Path) -> None:
    report = _export(world, tmp_path / "evidence.wacz")
    with zipfile.ZipFile(report.path) as wacz:
        _, *pages = (json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines())
    ids = [p["id"] for p in pages]
    assert all(ids) and len(set(ids)) == len(ids)
    assert len({(p["url"], p["ts"]) for p in pages}) == len(pages)
    again = _export(world, tmp_path / "again.wacz")
    with zipfile.ZipFile(again.path) as wacz:
        assert [json.loads(line).get("id") for line in wacz.read("pages/pages.jsonl").splitlines()][1:] == ids
