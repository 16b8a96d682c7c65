"""What the crawler hands to the WARC writer: one HTTP exchange as it went over the wire, or a failure.

These are plain data, independent of Scrapy, so the archive layer never imports the crawler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class HttpExchange:
    """One request and its response, bytes as sent and received.

    ``body`` is the payload *before* any content decoding: if the server sent
    ``Content-Encoding: gzip`` the body here is the gzip stream.  Header lists keep
    repeated headers (two ``Set-Cookie`` are two tuples) in the order received.
    """

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    http_version: str = "HTTP/1.1"
    ip_address: str | None = None


@dataclass(frozen=True)
class FetchFailure:
    """A fetch that produced no HTTP response: DNS failure, refused connection, timeout, TLS, limits."""

    url: str
    error_kind: str  # dns | refused | timeout | tls | too-large | forbidden-address | robots | other
    message: str
    fetched_at: datetime


@dataclass(frozen=True)
class WrittenRecord:
    """Where a record landed: enough for the catalog to find it again with one ranged read."""

    warc_name: str  # file name of the WARC, e.g. citewatch-20261125153000123-00001.warc.gz
    offset: int  # byte offset of the record's gzip member in the file
    length: int  # compressed length of that gzip member
    record_type: str  # response | revisit | metadata | resource
    record_id: str  # <urn:uuid:...>
    payload_digest: str | None = None  # sha1:BASE32 (WARC-Payload-Digest) for response/revisit
    extra: dict[str, str] = field(default_factory=dict)
