"""Reading WARC records for an audit: warcio's digest checks, plus the facts a catalog row is held to.

warcio's `ArchiveIterator` with ``check_digests`` verifies each record's WARC-Block-Digest and
WARC-Payload-Digest as the record is read (what ``warcio check`` does); here its findings become
`Problem`s that name the record, with the digest found beside the one expected.  A WARC is read
in one pass (`scan`), never whole into memory; one record can also be read alone from its bytes
(`read_one`), for an audit of one article or a record past a point where its file broke.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Container, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.fixity.problems import Problem

READ_ERRORS = (ArchiveLoadFailed, zlib.error, ValueError, EOFError, OverflowError, OSError)
_READ = 1 << 20


@dataclass(frozen=True)
class RecordFacts:
    """What a record is: where, its id, type, target URI, its WARC-Payload-Digest header, and the
    sha256 (hex) of its payload when it was asked for (evidence rows keep one)."""

    offset: int
    length: int
    record_id: str | None
    rec_type: str
    uri: str | None
    payload_digest: str | None
    payload_sha256: str | None


@dataclass
class Scan:
    """One pass over a WARC: iterate it for (facts, digest problems) of each record; ``broken`` is
    set when the file could not be read past some point (iteration then stops)."""

    warc_name: str
    stream: BinaryIO
    sha256_at: Container[int]
    broken: Problem | None = None

    def __iter__(self) -> Iterator[tuple[RecordFacts, list[Problem]]]:
        records = ArchiveIterator(self.stream, check_digests=True)
        iterator = iter(records)
        start = 0
        current: str | None = None
        while True:
            try:
                record = next(iterator)
                start = records.offset
                current = record.rec_headers.get_header("WARC-Record-ID")
                facts, problems = _inspect(self.warc_name, record, start, self.sha256_at)
                length = records.get_record_length()
            except StopIteration:
                return
            except READ_ERRORS as exc:
                self.broken = Problem(
                    "record-unreadable",
                    f"the file cannot be read from here on: {_reason(exc)}",
                    warc=self.warc_name,
                    offset=start,
                    record_id=current,
                )
                return
            current = None
            yield (
                RecordFacts(
                    start,
                    length,
                    facts.record_id,
                    facts.rec_type,
                    facts.uri,
                    facts.payload_digest,
                    facts.payload_sha256,
                ),
                problems,
            )
            start += length


def read_one(warc_name: str, offset: int, data: bytes) -> tuple[RecordFacts | None, list[Problem]]:
    """The record in ``data`` (one record's bytes, read from ``offset`` of ``warc_name``)."""
    records = ArchiveIterator(io.BytesIO(data), check_digests=True)
    try:
        record = next(iter(records))
        facts, problems = _inspect(warc_name, record, offset, (offset,))
        length = records.get_record_length()
    except StopIteration:
        return None, [Problem("record-missing", "no record at this offset", warc=warc_name, offset=offset)]
    except READ_ERRORS as exc:
        return None, [Problem("record-unreadable", _reason(exc), warc=warc_name, offset=offset)]
    return RecordFacts(
        offset, length, facts.record_id, facts.rec_type, facts.uri, facts.payload_digest, facts.payload_sha256
    ), problems


def _inspect(
    warc_name: str, record: Any, offset: int, sha256_at: Container[int]
) -> tuple[RecordFacts, list[Problem]]:
    """Read the record to its end (which runs warcio's digest checks) and say what it is."""
    headers = record.rec_headers
    record_id = headers.get_header("WARC-Record-ID")
    digest = hashlib.sha256() if offset in sha256_at else None
    stream = record.raw_stream
    while chunk := stream.read(_READ):
        if digest is not None:
            digest.update(chunk)
    problems = []
    checker = record.digest_checker
    if checker is not None and checker.passed is False:
        for text in checker.problems:
            which = "block" if "block" in text else "payload"
            header = "WARC-Block-Digest" if which == "block" else "WARC-Payload-Digest"
            digester = getattr(stream, "block_digester" if which == "block" else "payload_digester_obj", None)
            problems.append(
                Problem(
                    f"record-{which}-digest",
                    f"the record's {header} does not match its bytes",
                    warc=warc_name,
                    offset=offset,
                    record_id=record_id,
                    expected=headers.get_header(header),
                    found=str(digester) if digester is not None else None,
                )
            )
    facts = RecordFacts(
        offset,
        0,
        record_id,
        record.rec_type,
        headers.get_header("WARC-Target-URI"),
        headers.get_header("WARC-Payload-Digest"),
        digest.hexdigest() if digest is not None else None,
    )
    return facts, problems


def _reason(exc: BaseException) -> str:
    """The exception in a few printable words: a corrupt record's "first line" is binary noise."""
    if isinstance(exc, ArchiveLoadFailed):
        return "not a readable WARC record (corrupt or truncated bytes)"
    lines = str(exc).strip().splitlines()
    text = "".join(ch if ch.isprintable() and ch.isascii() else "?" for ch in lines[0][:120]) if lines else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
