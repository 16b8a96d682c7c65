"""Reading records back: one record from a ranged read, or every record of a whole file.

Payloads come back twice: ``raw_payload`` exactly as archived (still content-encoded, for
digests and replay) and ``payload`` with ``Content-Encoding`` undone (gzip, deflate, br, zstd),
for text extraction and diffing.  Undoing it is bounded: an archived body is what a server sent,
and a few kilobytes of it can inflate to gigabytes (the crawler bounds what it decodes, but a
coding it does not know, like ``gzip, identity, gzip``, stops it halfway and the rest of the bomb
is archived as received).  ``payload`` is decoded on first use, so reading a record only for its
raw bytes never pays for, or fails on, its decoding.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from archive.warc.errors import (
    InvalidRecordError,
    PayloadTooLargeError,
    UnsupportedContentEncodingError,
    WarcError,
)

# What warcio raises while parsing bytes that are not a well-formed record, as found by fuzzing
# (tests/fuzz/warc_reader.py): ArchiveLoadFailed for an unknown format, ValueError for a bad
# status line or length, OverflowError for a length past 2**63, EOFError and zlib.error for torn
# or corrupt gzip, AttributeError for a response record without WARC-Target-URI.
_UNPARSEABLE = (ArchiveLoadFailed, ValueError, OverflowError, EOFError, zlib.error, AttributeError)
_STATUS = re.compile(r"[1-9][0-9]{2}")
# What ``payload`` decodes at most: far above the crawler's default body limit (50 MB), far below
# what a decompression bomb inflates to.  Callers that know their own limit pass it to
# ``decoded_payload`` or ``decode_payload``.
MAX_DECODED_PAYLOAD = 256 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ArchivedRecord:
    """One WARC record as the rest of citewatch needs it."""

    rec_type: str
    record_id: str
    target_uri: str | None
    date: datetime | None
    warc_headers: tuple[tuple[str, str], ...]
    http_status: int | None  # None for records without an HTTP response (request, metadata, warcinfo)
    http_headers: tuple[tuple[str, str], ...]
    raw_payload: bytes  # as archived: still content-encoded; empty for revisits

    def warc_header(self, name: str) -> str | None:
        """First WARC header called ``name`` (case-insensitive), or None."""
        return _first(self.warc_headers, name)

    def http_header(self, name: str) -> str | None:
        """First HTTP header called ``name`` (case-insensitive), or None."""
        return _first(self.http_headers, name)

    @cached_property
    def payload(self) -> bytes:
        """The payload with ``Content-Encoding`` removed, up to ``MAX_DECODED_PAYLOAD`` bytes.

        Raises `UnsupportedContentEncodingError` or `PayloadTooLargeError` (both `WarcError`).
        """
        return self.decoded_payload(MAX_DECODED_PAYLOAD)

    def decoded_payload(self, limit: int) -> bytes:
        """The payload with ``Content-Encoding`` removed; `PayloadTooLargeError` past ``limit`` bytes."""
        if not self.raw_payload or self.http_status is None:
            return self.raw_payload
        return decode_payload(self.raw_payload, self.http_header("Content-Encoding"), limit=limit)


def read_record(data: bytes) -> ArchivedRecord:
    """Parse exactly one record (one gzip member, as fetched by a ranged read).

    Raises :class:`InvalidRecordError` for bytes that are not exactly one well-formed record
    (torn, corrupt, forged) and :class:`UnsupportedContentEncodingError` for a payload that
    cannot be decoded; nothing else, whatever the bytes.
    """
    records = ArchiveIterator(io.BytesIO(data))
    record = _next_parsed(records)
    if record is None:
        raise InvalidRecordError("no record found")
    if _next_parsed(records) is not None:
        raise InvalidRecordError("more than one record in the data")
    return record


def iter_records(stream: BinaryIO) -> Iterator[ArchivedRecord]:
    """Every record of a WARC stream (gzipped or not), in file order.

    Raises :class:`InvalidRecordError` at the first record that cannot be parsed.
    """
    records = ArchiveIterator(stream)
    while (record := _next_parsed(records)) is not None:
        yield record


def _next_parsed(records: ArchiveIterator) -> ArchivedRecord | None:
    """The next record, or None at the end of the data; :class:`InvalidRecordError` if unparseable."""
    try:
        record = next(records, None)
        return None if record is None else _to_archived(record)
    except WarcError:
        raise
    except _UNPARSEABLE as exc:
        raise InvalidRecordError(_reason(exc)) from exc


def decode_payload(raw: bytes, content_encoding: str | None, *, limit: int = MAX_DECODED_PAYLOAD) -> bytes:
    """Undo ``Content-Encoding`` (possibly a comma list, applied in order, so undone in reverse).

    No step may produce more than ``limit`` bytes (`PayloadTooLargeError`): each decoder stops as
    soon as its output passes the limit, so a bomb costs ``limit`` bytes of memory, never more.
    """
    if not content_encoding:
        return raw
    data = raw
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",") if c.strip()]):
        data = _decode_one(data, coding, limit)
    return data


def _decode_one(data: bytes, coding: str, limit: int) -> bytes:
    if coding in ("identity", ""):
        return data
    if coding in ("gzip", "x-gzip"):
        return _inflate(data, wbits=47, limit=limit)  # 32+15: gzip or zlib header, auto-detected
    if coding == "deflate":
        # Servers disagree on "deflate": most send zlib-wrapped, some raw deflate.
        try:
            return _inflate(data, wbits=15, limit=limit)
        except UnsupportedContentEncodingError:
            return _inflate(data, wbits=-15, limit=limit)
    if coding == "br":
        return _unbrotli(data, limit)
    if coding == "zstd":
        return _unzstd(data, limit)
    raise UnsupportedContentEncodingError(coding)


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    """Inflate at most ``limit`` bytes; gzip members that follow one another are all decoded."""
    out = bytearray()
    pending = data
    try:
        while True:
            inflater = zlib.decompressobj(wbits=wbits)
            while pending:
                # max_length bounds this call's output; what it did not read waits in unconsumed_tail.
                out += inflater.decompress(pending, limit + 1 - len(out))
                if len(out) > limit:
                    raise PayloadTooLargeError(limit)
                pending = inflater.unconsumed_tail
            out += inflater.flush()
            if len(out) > limit:
                raise PayloadTooLargeError(limit)
            pending = inflater.unused_data
            if not (inflater.eof and wbits > 31 and pending.startswith(_GZIP_MAGIC)):
                return bytes(out)  # trailing bytes that are not another member are ignored, as browsers do
    except zlib.error as exc:
        raise UnsupportedContentEncodingError("gzip/deflate", f"corrupt stream ({exc})") from exc


def _unbrotli(data: bytes, limit: int) -> bytes:
    import brotli

    decompressor = brotli.Decompressor()
    try:
        out = bytearray(decompressor.process(data, output_buffer_limit=min(limit + 1, _CHUNK)))
        # With an output limit, the rest comes from further calls with empty input.
        while len(out) <= limit and not decompressor.can_accept_more_data():
            out += decompressor.process(b"", output_buffer_limit=min(limit + 1 - len(out), _CHUNK))
    except brotli.error as exc:
        raise UnsupportedContentEncodingError("br", f"corrupt brotli stream ({exc})") from exc
    if len(out) > limit:
        raise PayloadTooLargeError(limit)
    return bytes(out)


def _unzstd(data: bytes, limit: int) -> bytes:
    try:
        import zstandard
    except ImportError as exc:
        raise UnsupportedContentEncodingError(
            "zstd", "install the 'zstandard' package (a citewatch dependency) to read zstd bodies"
        ) from exc
    out = bytearray()
    try:
        # stream_reader handles frames without a content size in the header, as servers send them.
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
        with reader:
            while chunk := reader.read(min(limit + 1 - len(out), _CHUNK)):
                out += chunk
                if len(out) > limit:
                    raise PayloadTooLargeError(limit)
    except zstandard.ZstdError as exc:
        raise UnsupportedContentEncodingError("zstd", f"corrupt stream ({exc})") from exc
    return bytes(out)


def _to_archived(record: ArcWarcRecord) -> ArchivedRecord:
    raw = record.raw_stream.read()
    http = record.http_headers
    status: int | None = None
    http_headers: tuple[tuple[str, str], ...] = ()
    if http is not None and record.rec_type in ("response", "revisit", "request"):
        http_headers = tuple((str(k), str(v)) for k, v in http.headers)
        if record.rec_type != "request":
            code = http.get_statuscode()
            # HTTP status codes are three ASCII digits; a forged "2100" or "²00" is no status.
            status = int(code) if code and _STATUS.fullmatch(code) else None
    return ArchivedRecord(
        rec_type=str(record.rec_type),
        record_id=str(record.rec_headers.get_header("WARC-Record-ID") or ""),
        target_uri=record.rec_headers.get_header("WARC-Target-URI"),
        date=parse_warc_date(record.rec_headers.get_header("WARC-Date")),
        warc_headers=tuple((str(k), str(v)) for k, v in record.rec_headers.headers),
        http_status=status,
        http_headers=http_headers,
        raw_payload=raw,
    )


def _reason(exc: Exception) -> str:
    # warcio quotes whole undecodable header lines in its messages: keep the reason one short,
    # printable line.
    return f"{type(exc).__name__}: {exc}".encode("unicode_escape").decode("ascii")[:200]


def parse_warc_date(value: str | None) -> datetime | None:
    """A WARC-Date (ISO 8601, ``Z`` or an offset; naive taken as UTC), None if absent; `ValueError`
    if it is not a date."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _first(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    lowered = name.lower()
    return next((value for key, value in headers if key.lower() == lowered), None)


def parse_warc_fields(payload: bytes) -> tuple[tuple[str, str], ...]:
    """The (name, value) pairs of an ``application/warc-fields`` payload (a metadata or warcinfo
    record), in order, repeated names kept.  Never raises: undecodable bytes are replaced, lines
    without a colon are skipped, continuation lines (starting with a space or tab) join the field
    above them."""
    pairs: list[list[str]] = []
    for line in payload.decode("utf-8", "replace").splitlines():
        if line[:1] in (" ", "\t") and pairs:
            pairs[-1][1] = f"{pairs[-1][1]} {line.strip()}"
            continue
        name, colon, value = line.partition(":")
        if colon and name.strip():
            pairs.append([name.strip(), value.strip()])
    return tuple((name, value) for name, value in pairs)
