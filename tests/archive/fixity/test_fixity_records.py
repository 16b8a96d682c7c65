"""Reading WARC records for an audit: warcio's digest checks become problems naming the record,
with the digest found beside the one expected; a catalog row is held against its record."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.catalog.claims import RecordClaim
from archive.fixity.records import Scan, read_one
from archive.fixity.rows import compare

BODY = b"<html><body>The ministry confirmed 101 evacuees.</body></html>"


def warc(bodies: list[bytes]) -> tuple[bytes, list[tuple[int, int, str]]]:
    """A gzipped WARC of one response per body; (offset, length, record id) of each."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    spans = []
    for n, body in enumerate(bodies):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = writer.create_warc_record(
            f"https://gov.example/{n}",
            "response",
            payload=io.BytesIO(body),
            http_headers=http,
            warc_headers_dict={
                "WARC-Date": datetime(2026, 11, 30, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            },
        )
        start = out.tell()
        writer.write_record(record)
        spans.append((start, out.tell() - start, record.rec_headers.get_header("WARC-Record-ID")))
    return out.getvalue(), spans


def tampered(data: bytes, start: int, length: int, old: bytes, new: bytes) -> bytes:
    """The record's gzip member re-made with ``old`` replaced by ``new`` in its text: what someone
    editing a WARC with gzip and a text editor would leave (valid gzip, stale digests)."""
    text = gzip.decompress(data[start : start + length]).replace(old, new)
    return data[:start] + gzip.compress(text) + data[start + length :]


def test_an_intact_warc_has_no_problems() -> None:
    data, spans = warc([BODY, BODY.replace(b"101", b"102")])
    scan = Scan("a.warc.gz", io.BytesIO(data), set())
    found = list(scan)
    assert [(f.offset, f.length, f.record_id) for f, _ in found] == spans
    assert all(problems == [] for _, problems in found) and scan.broken is None


def test_an_edited_payload_is_named_with_both_digests() -> None:
    data, spans = warc([BODY, BODY])
    start, length, record_id = spans[1]
    scan = Scan("a.warc.gz", io.BytesIO(tampered(data, start, length, b"101", b"707")), set())
    found = list(scan)
    problems = [p for _, ps in found for p in ps]
    assert {p.check for p in problems} == {"record-block-digest", "record-payload-digest"}
    for p in problems:
        assert (p.warc, p.offset, p.record_id) == ("a.warc.gz", start, record_id)
        assert p.expected and p.found and p.expected != p.found and p.found.startswith("sha1:")


def test_a_record_read_alone_and_held_against_its_row() -> None:
    data, spans = warc([BODY])
    start, length, record_id = spans[0]
    facts, problems = read_one("a.warc.gz", start, data[start : start + length])
    assert problems == [] and facts is not None
    row = RecordClaim(
        what="capture",
        capture_id=7,
        warc_name="a.warc.gz",
        offset=start,
        length=length,
        record_id=record_id,
        record_type="response",
        uri="https://gov.example/0",
        digest=facts.payload_digest,
    )
    assert compare(row, facts) == []
    moved = RecordClaim(**{**vars(row), "uri": "https://gov.example/other", "record_type": "revisit"})
    assert [(p.check, p.capture_id, p.expected, p.found) for p in compare(moved, facts)] == [
        ("row-record-type", 7, "revisit", "response"),
        ("row-uri", 7, "https://gov.example/other", "https://gov.example/0"),
    ]
    broken, problems = read_one("a.warc.gz", start, b"\x1f\x8b" + b"\x00" * 40)
    assert broken is None and [p.check for p in problems] == ["record-unreadable"]
