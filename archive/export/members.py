"""WARC records as their original gzip members, read back by range so an export can copy them verbatim.

Every record citewatch writes is one gzip member, and the catalog knows where the response, revisit
or metadata member of each capture sits.  The ``request`` record is not catalogued, but the writer
always appends it immediately before its response (one ``write`` for the pair), so its member is
the one that *ends* at the response's offset.  `find_request` reads a window before that offset and
tries each gzip header found in it, nearest first, keeping the candidate that decompresses as
exactly one member ending at the offset and whose record is a ``request`` linked to the response by
``WARC-Concurrent-To`` (in either direction).  A false gzip header inside compressed data cannot
pass all three checks, so the scan never copies the wrong bytes; if no candidate passes (a WARC
written by another tool, a request larger than the window cap) the response goes without it.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecordLoader

from archive.export.errors import RecordMismatch

ReadRange = Callable[[str, int, int], bytes]
"""``read_range(warc_name, offset, length)``: raw bytes of a WARC file's byte range."""

GZIP_MAGIC = b"\x1f\x8b\x08"
# A GET request record is a few hundred bytes compressed; the window grows for larger ones.
FIRST_WINDOW = 16 * 1024
MAX_WINDOW = 4 * 1024 * 1024


@dataclass(frozen=True)
class Member:
    """One WARC record: its gzip member byte for byte, and the WARC headers an export needs."""

    data: bytes
    rec_type: str
    record_id: str
    target_uri: str | None
    date: str | None  # WARC-Date exactly as written
    concurrent_to: tuple[str, ...]
    refers_to: str | None  # WARC-Refers-To of a revisit
    refers_to_uri: str | None
    payload_digest: str | None


def parse_member(data: bytes) -> Member | None:
    """The record in ``data`` if it is exactly one gzip member holding one WARC record, else None."""
    inflater = zlib.decompressobj(wbits=31)  # gzip framing only
    try:
        raw = inflater.decompress(data) + inflater.flush()
    except zlib.error:
        return None
    if not inflater.eof or inflater.unused_data:
        return None
    try:
        record = ArcWarcRecordLoader().parse_record_stream(
            io.BytesIO(raw), known_format="warc", no_record_parse=True
        )
    except (ArchiveLoadFailed, ValueError):
        return None
    headers = record.rec_headers
    record_id = headers.get_header("WARC-Record-ID")
    if not record_id:
        return None
    return Member(
        data=data,
        rec_type=str(record.rec_type),
        record_id=str(record_id),
        target_uri=headers.get_header("WARC-Target-URI"),
        date=headers.get_header("WARC-Date"),
        concurrent_to=tuple(str(v) for k, v in headers.headers if k.lower() == "warc-concurrent-to"),
        refers_to=headers.get_header("WARC-Refers-To"),
        refers_to_uri=headers.get_header("WARC-Refers-To-Target-URI"),
        payload_digest=headers.get_header("WARC-Payload-Digest"),
    )


def read_member(
    read_range: ReadRange, warc_name: str, offset: int, length: int, *, record_id: str | None
) -> Member:
    """The record at a catalogued location; `RecordMismatch` unless it is one record with that ID."""
    data = read_range(warc_name, offset, length)
    if len(data) != length:
        raise RecordMismatch(warc_name, offset, length, f"read returned {len(data)} bytes")
    member = parse_member(data)
    if member is None:
        raise RecordMismatch(warc_name, offset, length, "not exactly one gzip member holding a WARC record")
    if record_id is not None and member.record_id != record_id:
        raise RecordMismatch(warc_name, offset, length, f"found {member.record_id}, expected {record_id}")
    return member


def find_request(read_range: ReadRange, warc_name: str, offset: int, response: Member) -> Member | None:
    """The ``request`` record written just before the record at ``offset``, or None if there is none."""
    window = FIRST_WINDOW
    while offset > 0:
        start = max(0, offset - window)
        data = read_range(warc_name, start, offset - start)
        position = data.rfind(GZIP_MAGIC)
        while position >= 0:
            candidate = parse_member(data[position:])
            if candidate is not None and candidate.rec_type == "request" and _linked(candidate, response):
                return candidate
            position = data.rfind(GZIP_MAGIC, 0, position)
        if start == 0 or window >= MAX_WINDOW:
            return None
        window *= 4
    return None


def _linked(request: Member, response: Member) -> bool:
    return response.record_id in request.concurrent_to or request.record_id in response.concurrent_to
