"""WarcWriter output checked by independent readers: warcio check, FastWARC, raw gzip members."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import zlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from fastwarc.warc import ArchiveIterator as FastIterator
from fastwarc.warc import WarcRecordType

from archive.warc.errors import WriterClosedError
from archive.warc.exchange import FetchFailure, HttpExchange, WrittenRecord
from archive.warc.reader import iter_records, read_record
from archive.warc.writer import RENAMED_TRANSFER_ENCODING, WarcWriter
from tests.archive.warc.samples import HTML, T0, counting_ids, exchange, fixed_clock, iter_members

WARCIO = str(Path(sys.executable).parent / "warcio")
NAME_RE = re.compile(r"^citewatch-\d{17}-\d{5}\.warc\.gz$")


def write_all(
    spool: Path,
    exchanges: dict[str, HttpExchange],
    failure: FetchFailure,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
) -> tuple[Path, dict[str, WrittenRecord]]:
    writer = WarcWriter(spool, clock=clock, new_id=new_id, warcinfo_fields={"robots": "obey"})
    written = {key: writer.write_exchange(ex) for key, ex in exchanges.items()}
    plain = written["plain"]
    written["revisit"] = writer.write_revisit(
        exchanges["plain"],
        refers_to_uri=exchanges["plain"].url,
        refers_to_date=T0,
        refers_to_record_id=plain.record_id,
        payload_digest=plain.payload_digest or "",
    )
    written["failure"] = writer.write_failure(failure)
    written["meta"] = writer.write_metadata(
        exchanges["redirect"].url, written["redirect"].record_id, {"outlink": "http://example.com/new"}
    )
    name = writer.current_name
    writer.close()
    assert name is not None
    return spool / name, written


@pytest.fixture
def warc(
    tmp_path: Path,
    exchanges: dict[str, HttpExchange],
    failure: FetchFailure,
    clock: Callable[[], datetime],
    new_id: Callable[[], str],
) -> tuple[Path, dict[str, WrittenRecord]]:
    return write_all(tmp_path / "spool", exchanges, failure, clock, new_id)


def test_file_passes_warcio_check(warc: tuple[Path, dict[str, WrittenRecord]]) -> None:
    path, _ = warc
    result = subprocess.run([WARCIO, "check", "-v", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest pass" in result.stdout


def test_fastwarc_verifies_every_digest(warc: tuple[Path, dict[str, WrittenRecord]]) -> None:
    path, _ = warc
    types = []
    # Block digests cover the HTTP headers too, so check them before FastWARC parses (consumes) those.
    with open(path, "rb") as stream:
        for record in FastIterator(stream, parse_http=False):
            types.append(record.record_type)
            assert record.verify_block_digest(), record.record_id
    with open(path, "rb") as stream:
        for record in FastIterator(stream, parse_http=True):
            if record.record_type in (WarcRecordType.request, WarcRecordType.response):
                assert record.verify_payload_digest(), record.record_id
    assert types[0] == WarcRecordType.warcinfo
    assert types.count(WarcRecordType.response) == 5
    assert types.count(WarcRecordType.revisit) == 1
    assert types.count(WarcRecordType.metadata) == 2


def test_one_gzip_member_per_record_and_written_locations(
    warc: tuple[Path, dict[str, WrittenRecord]],
) -> None:
    path, written = warc
    data = path.read_bytes()
    members = list(iter_members(data))
    assert len(members) == 1 + 2 * 6 + 2  # warcinfo, 6 request+response/revisit pairs, 2 metadata
    for rec in written.values():
        assert rec.warc_name == path.name
        assert (rec.offset, rec.length) in members
        inflater = zlib.decompressobj(wbits=31)
        inflater.decompress(data[rec.offset : rec.offset + rec.length])
        assert inflater.eof and inflater.unused_data == b""
        assert read_record(data[rec.offset : rec.offset + rec.length]).record_id == rec.record_id


def test_payloads_are_byte_identical(
    warc: tuple[Path, dict[str, WrittenRecord]], exchanges: dict[str, HttpExchange]
) -> None:
    path, written = warc
    data = path.read_bytes()
    for key, ex in exchanges.items():
        rec = read_record(data[written[key].offset : written[key].offset + written[key].length])
        assert rec.rec_type == "response"
        assert rec.raw_payload == ex.body
        assert rec.target_uri == ex.url
    gz = written["gzip"]
    decoded = read_record(data[gz.offset : gz.offset + gz.length])
    assert decoded.raw_payload == exchanges["gzip"].body != HTML
    assert decoded.payload == HTML


def test_headers_status_lines_and_transfer_encoding(warc: tuple[Path, dict[str, WrittenRecord]]) -> None:
    path, written = warc
    data = path.read_bytes()

    def at(key: str) -> bytes:
        rec = written[key]
        return gzip.decompress(data[rec.offset : rec.offset + rec.length])

    cookies = at("cookies")
    assert b"Set-Cookie: a=1; Path=/\r\n" in cookies and b"Set-Cookie: b=2; Path=/\r\n" in cookies
    assert b"\r\nTransfer-Encoding" not in cookies
    assert f"{RENAMED_TRANSFER_ENCODING}: chunked".encode() in cookies
    assert b"HTTP/1.1 200 OK\r\n" in cookies
    assert b"HTTP/1.1 301 Moved Permanently\r\nLocation: http://example.com/new\r\n" in at("redirect")
    assert b"HTTP/1.1 404 Not Found\r\n" in at("missing")


def test_record_headers(warc: tuple[Path, dict[str, WrittenRecord]]) -> None:
    path, written = warc
    with open(path, "rb") as stream:
        records = list(iter_records(stream))
    by_id = {r.record_id: r for r in records}
    info = records[0]
    assert info.rec_type == "warcinfo"
    assert info.warc_header("WARC-Filename") == path.name
    fields = info.raw_payload.decode()
    assert "format: WARC File Format 1.1" in fields and "robots: obey" in fields
    assert "software: citewatch/0.1.0" in fields and "Transfer-Encoding" in fields

    response = by_id[written["plain"].record_id]
    assert response.warc_header("WARC-Date") == "2026-11-25T15:30:00.123456Z"
    assert response.warc_header("WARC-IP-Address") == "127.0.0.1"
    assert response.warc_header("WARC-Payload-Digest") == written["plain"].payload_digest
    request = by_id[response.warc_header("WARC-Concurrent-To") or ""]
    assert request.rec_type == "request"
    assert request.warc_header("WARC-Concurrent-To") == response.record_id
    assert request.http_header("Host") == "example.com"
    assert request.warc_headers[0] == ("WARC-Record-ID", request.record_id)


def test_revisit_record(warc: tuple[Path, dict[str, WrittenRecord]]) -> None:
    path, written = warc
    data = path.read_bytes()
    rec = read_record(data[written["revisit"].offset : written["revisit"].offset + written["revisit"].length])
    assert rec.rec_type == "revisit"
    assert (
        rec.warc_header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert rec.warc_header("WARC-Refers-To") == written["plain"].record_id
    assert rec.warc_header("WARC-Refers-To-Target-URI") == "http://example.com/statement?id=1"
    assert rec.warc_header("WARC-Refers-To-Date") == "2026-11-25T15:30:00.123456Z"
    assert rec.warc_header("WARC-Payload-Digest") == written["plain"].payload_digest
    assert rec.http_status == 200 and rec.http_header("Content-Type") == "text/html; charset=utf-8"
    assert rec.raw_payload == b""
    assert written["revisit"].record_type == "revisit"


def test_failure_and_metadata_records(warc: tuple[Path, dict[str, WrittenRecord]]) -> None:
    path, written = warc
    data = path.read_bytes()
    fail = read_record(
        data[written["failure"].offset : written["failure"].offset + written["failure"].length]
    )
    assert fail.rec_type == "metadata"
    assert fail.target_uri == "http://unreachable.example/"
    assert fail.warc_header("Content-Type") == "application/warc-fields"
    body = fail.raw_payload.decode()
    assert "citewatch-fetch-error: dns\r\n" in body
    assert "citewatch-fetch-error-message: DNS lookup failed: no such host\r\n" in body
    assert written["failure"].extra == {"error_kind": "dns"}
    meta = read_record(data[written["meta"].offset : written["meta"].offset + written["meta"].length])
    assert meta.warc_header("WARC-Concurrent-To") == written["redirect"].record_id
    assert meta.raw_payload == b"outlink: http://example.com/new\r\n"


def test_output_is_reproducible(
    tmp_path: Path, exchanges: dict[str, HttpExchange], failure: FetchFailure
) -> None:
    first, _ = write_all(tmp_path / "a", exchanges, failure, fixed_clock(), counting_ids())
    second, _ = write_all(tmp_path / "b", exchanges, failure, fixed_clock(), counting_ids())
    assert first.name == second.name == "citewatch-20261125153000123-00001.warc.gz"
    assert first.read_bytes() == second.read_bytes()


def test_open_suffix_while_writing_and_close_callback(tmp_path: Path) -> None:
    closed: list[Path] = []
    writer = WarcWriter(tmp_path, clock=fixed_clock(), new_id=counting_ids(), on_file_closed=closed.append)
    assert writer.current_name is None
    rec = writer.write_exchange(exchange())
    assert writer.current_name == rec.warc_name and NAME_RE.match(rec.warc_name)
    assert (tmp_path / f"{rec.warc_name}.open").is_file()
    assert not (tmp_path / rec.warc_name).exists()
    writer.close()
    assert closed == [tmp_path / rec.warc_name]
    assert not list(tmp_path.glob("*.open"))
    with pytest.raises(WriterClosedError):
        writer.write_exchange(exchange())


def test_rolls_to_a_new_file_past_max_size(tmp_path: Path) -> None:
    closed: list[Path] = []
    writer = WarcWriter(
        tmp_path, clock=fixed_clock(), new_id=counting_ids(), max_file_size=3000, on_file_closed=closed.append
    )
    written = [writer.write_exchange(exchange(body=bytes(range(256)) * 4)) for _ in range(6)]
    writer.close()
    names = sorted({w.warc_name for w in written})
    assert len(names) >= 2
    assert [p.name for p in closed] == names
    assert [n[-13:] for n in names] == [f"{i:05d}.warc.gz" for i in range(1, len(names) + 1)]
    for path in closed:
        with open(path, "rb") as stream:
            records = list(iter_records(stream))
        assert records[0].rec_type == "warcinfo"
        assert records[0].warc_header("WARC-Filename") == path.name
        # A roll never separates a request from its response.
        assert [r.rec_type for r in records[1:]] == ["request", "response"] * ((len(records) - 1) // 2)
        # A file only exceeds the limit by the one record that crossed it.
        assert path.stat().st_size < 3000 + max(w.length for w in written) * 2 + 1000


def test_records_are_fsynced_only_when_asked_with_sync_each_record_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = WarcWriter(tmp_path, clock=fixed_clock(), new_id=counting_ids(), sync_each_record=False)
    first = writer.write_exchange(exchange())  # the new file's warcinfo is fsynced with the file
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))

    written = [first, *(writer.write_exchange(exchange(f"http://example.com/{n}")) for n in range(4))]

    assert synced == []
    # Flushed to the kernel all the same: another reader (a recovery after SIGKILL) sees every record.
    with open(tmp_path / f"{first.warc_name}.open", "rb") as stream:
        ids = {r.warc_header("WARC-Record-ID") for r in iter_records(stream)}
    assert {w.record_id for w in written} <= ids

    writer.sync()
    assert len(synced) == 1
    writer.sync()  # nothing new since
    assert len(synced) == 1
    writer.write_exchange(exchange("http://example.com/last"))
    writer.sync()
    assert len(synced) == 2
    writer.close()


def test_each_record_is_fsynced_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = WarcWriter(tmp_path, clock=fixed_clock(), new_id=counting_ids())
    writer.write_exchange(exchange())
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))

    for n in range(3):
        writer.write_exchange(exchange(f"http://example.com/{n}"))

    assert len(synced) == 3
    writer.close()


def test_resource_record_is_concurrent_to_the_response_and_keeps_its_bytes(tmp_path: Path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    writer = WarcWriter(tmp_path / "spool", prefix="res")
    written = writer.write_resource("http://example.com/", "image/png", png, concurrent_to="<urn:uuid:doc>")
    bare = writer.write_resource("http://example.com/", "text/plain; charset=utf-8", "é".encode())
    name = writer.current_name
    writer.close()
    assert name is not None and written.record_type == "resource"
    path = tmp_path / "spool" / name
    check = subprocess.run([WARCIO, "check", "-v", str(path)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    with path.open("rb") as stream:
        stream.seek(written.offset)
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_type == "resource"
        assert record.rec_headers.get_header("WARC-Record-ID") == written.record_id
        assert record.rec_headers.get_header("WARC-Concurrent-To") == "<urn:uuid:doc>"
        assert record.rec_headers.get_header("Content-Type") == "image/png"
        assert record.content_stream().read() == png
        stream.seek(bare.offset)
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_headers.get_header("WARC-Concurrent-To") is None
        assert record.content_stream().read() == "é".encode()
