"""Reading records back, and undoing every Content-Encoding Scrapy asks for."""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import brotli
import pytest

from archive.warc.errors import InvalidRecordError, UnsupportedContentEncodingError
from archive.warc.reader import decode_payload, iter_records, parse_warc_fields, read_record
from archive.warc.writer import WarcWriter
from tests.archive.warc.samples import HTML, counting_ids, exchange, fixed_clock


def test_decode_gzip_deflate_brotli() -> None:
    assert decode_payload(gzip.compress(HTML), "gzip") == HTML
    assert decode_payload(zlib.compress(HTML), "deflate") == HTML
    raw_deflate = zlib.compressobj(wbits=-15)
    assert decode_payload(raw_deflate.compress(HTML) + raw_deflate.flush(), "deflate") == HTML
    assert decode_payload(brotli.compress(HTML), "br") == HTML
    assert decode_payload(HTML, None) == decode_payload(HTML, "identity") == HTML


def test_decode_zstd() -> None:
    zstandard = pytest.importorskip("zstandard", reason="zstandard is not installed in this venv")
    assert decode_payload(zstandard.ZstdCompressor().compress(HTML), "zstd") == HTML


def test_decode_stacked_encodings_in_reverse_order() -> None:
    assert decode_payload(brotli.compress(gzip.compress(HTML)), "gzip, br") == HTML


def test_unknown_or_corrupt_encoding_is_an_error() -> None:
    with pytest.raises(UnsupportedContentEncodingError, match="compress"):
        decode_payload(HTML, "compress")
    with pytest.raises(UnsupportedContentEncodingError):
        decode_payload(b"not gzip", "gzip")


def test_read_record_rejects_bytes_that_are_not_one_record(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, clock=fixed_clock(), new_id=counting_ids())
    first = writer.write_exchange(exchange())
    writer.close()
    data = (tmp_path / first.warc_name).read_bytes()
    with pytest.raises(InvalidRecordError):
        read_record(b"garbage")
    with pytest.raises(InvalidRecordError):
        read_record(data)  # the whole file: several records


def test_read_brotli_body_from_ranged_slice(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, clock=fixed_clock(), new_id=counting_ids())
    body = brotli.compress(HTML)
    rec = writer.write_exchange(
        exchange(headers=[("Content-Type", "text/html"), ("Content-Encoding", "br")], body=body)
    )
    writer.close()
    data = (tmp_path / rec.warc_name).read_bytes()[rec.offset : rec.offset + rec.length]
    record = read_record(data)
    assert record.raw_payload == body
    assert record.payload == HTML
    assert record.http_status == 200
    assert record.date is not None and record.date.microsecond == 123456


def test_iter_records_yields_file_order(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, clock=fixed_clock(), new_id=counting_ids())
    rec = writer.write_exchange(exchange())
    writer.close()
    with open(tmp_path / rec.warc_name, "rb") as stream:
        assert [r.rec_type for r in iter_records(stream)] == ["warcinfo", "request", "response"]


def _response_record(tmp_path: Path) -> bytes:
    """One response record, uncompressed, as written."""
    writer = WarcWriter(tmp_path, clock=fixed_clock(), new_id=counting_ids())
    rec = writer.write_exchange(exchange())
    writer.close()
    return gzip.decompress((tmp_path / rec.warc_name).read_bytes()[rec.offset : rec.offset + rec.length])


def _with(record: bytes, old: bytes, new: bytes) -> bytes:
    assert old in record
    return record.replace(old, new, 1)


def test_damaged_records_are_invalid_records_never_other_errors(tmp_path: Path) -> None:
    # Found by fuzzing (tests/fuzz/warc_reader.py): warcio raised AttributeError for a response
    # without WARC-Target-URI, and a bad WARC-Date gave a bare ValueError, both past the replayer's
    # and the evidence view's `except WarcError` (a 500 instead of "record unavailable"); so did
    # warcio's OverflowError for a length past 2**63.
    record = _response_record(tmp_path)
    damaged = {
        "no target URI": _with(record, b"WARC-Target-URI:", b"WARC-Target3WHO:"),
        "bad date": _with(record, b"WARC-Date: 2026", b"WARC-Date: 20x6"),
        "bad length": _with(record, b"Content-Length: ", b"Content-Length: x"),
        "huge length": _with(record, b"Content-Length: ", b"Content-Length: 99999999999999999999"),
    }
    for name, data in damaged.items():
        for blob in (data, gzip.compress(data)):
            with pytest.raises(InvalidRecordError) as raised:
                read_record(blob)
            assert "\n" not in str(raised.value), name


def test_iter_records_raises_invalid_record_for_what_is_no_warc() -> None:
    with pytest.raises(InvalidRecordError, match="ArchiveLoadFailed"):
        list(iter_records(io.BytesIO(gzip.compress(gzip.compress(HTML)))))


def test_an_http_status_is_three_digits(tmp_path: Path) -> None:
    # Found by fuzzing: "HTTP/1.1 2100 OK" came back as status 2100, which no HTTP server can send.
    record = _response_record(tmp_path)
    for status in (b"2100", b"\xc2\xb200", b"099"):
        assert read_record(_with(record, b"HTTP/1.1 200 ", b"HTTP/1.1 " + status + b" ")).http_status is None
    assert read_record(record).http_status == 200


def test_warc_fields_read_back_as_written_repeats_and_order_kept(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, fsync=False)
    fields = [("browser", "Chromium 131"), ("blocked", "a http://127.0.0.1/"), ("blocked", "b x"),
              ("note", "two\nlines: folded")]  # fmt: skip
    written = writer.write_metadata("http://example.com/", "<urn:uuid:x>", fields)
    writer.close()
    data = (tmp_path / written.warc_name).read_bytes()[written.offset : written.offset + written.length]

    parsed = parse_warc_fields(read_record(data).raw_payload)

    assert [name for name, _ in parsed] == ["browser", "blocked", "blocked", "note"]
    assert parsed[1] == ("blocked", "a http://127.0.0.1/")
    assert "two" in parsed[3][1] and "folded" in parsed[3][1]


def test_warc_fields_never_raise_on_junk() -> None:
    assert parse_warc_fields(b"\xff\xfe no colon\r\n: no name\r\n ok\r\nname:  v \r\n  cont\r\n") == (
        ("name", "v cont"),
    )
