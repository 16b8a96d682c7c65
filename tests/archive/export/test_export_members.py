"""Finding the request record written just before a response, by scanning back for its gzip member."""

from __future__ import annotations

import io
import os
from pathlib import Path

from warcio.warcwriter import BufferWARCWriter

from archive.export.members import FIRST_WINDOW, ReadRange, find_request, parse_member, read_member
from archive.warc import HttpExchange, WarcWriter
from tests.archive.export.evidence_world import T0, Clock, counting_ids, exchange


def _reader(path: Path) -> tuple[list[tuple[int, int]], ReadRange]:
    data = path.read_bytes()
    calls: list[tuple[int, int]] = []

    def read_range(name: str, offset: int, length: int) -> bytes:
        calls.append((offset, length))
        return data[offset : offset + length]

    return calls, read_range


def test_a_request_larger_than_the_first_window_is_still_found(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, clock=Clock(), new_id=counting_ids(), fsync=False)
    writer.write_exchange(exchange("/first", b"<p>first</p>", T0))
    big = exchange("/search", b"<p>results</p>", T0)
    # An incompressible POST body, so the request member is far larger than the first window.
    post = HttpExchange(**{**big.__dict__, "method": "POST", "request_body": os.urandom(3 * FIRST_WINDOW)})
    written = writer.write_exchange(post)
    writer.close()
    calls, read_range = _reader(tmp_path / written.warc_name)

    response = read_member(
        read_range, written.warc_name, written.offset, written.length, record_id=written.record_id
    )
    request = find_request(read_range, written.warc_name, written.offset, response)

    assert request is not None
    assert request.rec_type == "request"
    assert response.record_id in request.concurrent_to
    assert len(request.data) > FIRST_WINDOW
    assert (
        request.data
        == (tmp_path / written.warc_name).read_bytes()[written.offset - len(request.data) : written.offset]
    )
    assert len(calls) > 2  # the window grew


def test_a_response_written_without_a_request_has_none(tmp_path: Path) -> None:
    builder = BufferWARCWriter(gzip=True, warc_version="1.1")
    for url in ("http://a.example/", "http://b.example/"):
        body = b"<p>hello</p>"
        record = builder.create_warc_record(
            url, "response", payload=io.BytesIO(b"HTTP/1.1 200 OK\r\n\r\n" + body)
        )
        builder.write_record(record)
    warc = tmp_path / "foreign.warc.gz"
    warc.write_bytes(builder.get_contents())
    data = warc.read_bytes()
    second = data.index(b"\x1f\x8b\x08", 1)
    _, read_range = _reader(warc)

    response = parse_member(data[second:])
    assert response is not None and response.rec_type == "response"
    assert find_request(read_range, warc.name, second, response) is None
    assert parse_member(data) is None  # two members are not one record
