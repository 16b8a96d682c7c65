"""Decoding an archived payload is bounded: a decompression bomb costs the limit, never its size.

The crawler undoes Content-Encoding within its body limit, but it stops at a coding it does not
know (``gzip, identity, gzip``) and hands on a small body that is still a bomb; the archived record
holds what the server sent, so every reader of it must bound what it decodes.
"""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from pathlib import Path

import brotli
import pytest
import zstandard

from archive.warc.errors import PayloadTooLargeError, UnsupportedContentEncodingError
from archive.warc.reader import MAX_DECODED_PAYLOAD, decode_payload, read_record
from archive.warc.writer import WarcWriter
from tests.archive.warc.samples import HTML, counting_ids, exchange, fixed_clock
from tests.fixtures.hostile import MIB, brotli_bomb, gzip_bomb, layered_bomb, zstd_bomb

BOMB = 64 * MIB
LIMIT = 1 * MIB


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", lambda: gzip_bomb(BOMB)),
        ("br", lambda: brotli_bomb(BOMB)),
        ("zstd", lambda: zstd_bomb(BOMB)),
        ("gzip, identity, gzip", lambda: layered_bomb(BOMB)),
        ("deflate", lambda: zlib.compress(b"\0" * BOMB, 1)),
    ],
)
def test_a_bomb_stops_at_the_limit_and_costs_about_the_limit(coding: str, body: object) -> None:
    data = body()  # type: ignore[operator]
    assert len(data) < BOMB // 100, "a bomb: small on the wire"
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLargeError, match="decompression bomb"):
            decode_payload(data, coding, limit=LIMIT)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * LIMIT, f"decoding allocated {peak:,} bytes for a limit of {LIMIT:,}"


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd", "deflate"])
def test_a_payload_exactly_at_the_limit_is_decoded_whole(coding: str) -> None:
    exact = bytes(range(256)) * (LIMIT // 256)
    encoded = {
        "gzip": gzip.compress,
        "br": brotli.compress,
        "zstd": zstandard.ZstdCompressor().compress,
        "deflate": zlib.compress,
    }[coding](exact)
    assert decode_payload(encoded, coding, limit=LIMIT) == exact
    with pytest.raises(PayloadTooLargeError):
        decode_payload(encoded, coding, limit=LIMIT - 1)


def test_concatenated_gzip_members_and_zstd_frames_are_all_decoded() -> None:
    assert decode_payload(gzip.compress(b"first ") + gzip.compress(b"second"), "gzip") == b"first second"
    frames = zstandard.ZstdCompressor().compress(b"one ") + zstandard.ZstdCompressor().compress(b"two")
    assert decode_payload(frames, "zstd") == b"one two"
    # Trailing bytes that are not another member are ignored, as before.
    assert decode_payload(gzip.compress(HTML) + b"\r\n", "gzip") == HTML


def test_a_corrupt_stream_is_still_an_encoding_error() -> None:
    with pytest.raises(UnsupportedContentEncodingError):
        decode_payload(b"\x1f\x8b\x08\x00 not deflate at all" * 10, "gzip")
    with pytest.raises(UnsupportedContentEncodingError):
        decode_payload(b"not brotli" * 10, "br")


def test_a_record_holding_a_bomb_reads_and_only_its_payload_refuses(tmp_path: Path) -> None:
    bomb = layered_bomb(MAX_DECODED_PAYLOAD + MIB)
    writer = WarcWriter(tmp_path, clock=fixed_clock(), new_id=counting_ids())
    headers = [("Content-Type", "application/octet-stream"), ("Content-Encoding", "gzip, identity, gzip")]
    rec = writer.write_exchange(exchange(headers=headers, body=bomb))
    writer.close()
    data = (tmp_path / rec.warc_name).read_bytes()[rec.offset : rec.offset + rec.length]

    record = read_record(data)  # reading the record never decodes it

    assert record.raw_payload == bomb and record.http_status == 200
    with pytest.raises(PayloadTooLargeError):
        record.decoded_payload(LIMIT)
    with pytest.raises(PayloadTooLargeError):
        _ = record.payload  # the default limit holds too
