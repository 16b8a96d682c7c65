"""Sample exchanges, a fixed clock and counting record IDs for reproducible WARC tests."""

from __future__ import annotations

import gzip
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from archive.warc.exchange import FetchFailure, HttpExchange

T0 = datetime(2026, 11, 25, 15, 30, 0, 123456, tzinfo=UTC)
HTML = b"<html><head><title>Statement</title></head><body><p>We will act.</p></body></html>"


def fixed_clock() -> Callable[[], datetime]:
    """A clock that advances one millisecond per call, from T0."""
    ticks = itertools.count()
    return lambda: T0 + timedelta(milliseconds=next(ticks))


def counting_ids() -> Callable[[], str]:
    """Record IDs 1, 2, 3… as urn:uuid, so files are byte-for-byte reproducible."""
    ticks = itertools.count(1)
    return lambda: f"<urn:uuid:00000000-0000-4000-8000-{next(ticks):012d}>"


def exchange(
    url: str = "http://example.com/statement?id=1",
    *,
    status: int = 200,
    reason: str = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = HTML,
    at: datetime = T0,
) -> HttpExchange:
    """An exchange as the crawler middleware hands it over (Title-Cased headers, no reason phrase)."""
    return HttpExchange(
        url=url,
        method="GET",
        request_headers=[("User-Agent", "citewatch/0.1.0 (+https://example.org/bot)"), ("Accept", "*/*")],
        request_body=b"",
        status=status,
        reason=reason,
        response_headers=headers if headers is not None else [("Content-Type", "text/html; charset=utf-8")],
        body=body,
        fetched_at=at,
        ip_address="127.0.0.1",
    )


def sample_exchanges() -> dict[str, HttpExchange]:
    """One of each kind the crawler produces."""
    zipped = gzip.compress(HTML, mtime=0)
    return {
        "plain": exchange(),
        "gzip": exchange(
            "http://example.com/gz",
            headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            body=zipped,
        ),
        "cookies": exchange(
            "http://example.com/login",
            headers=[
                ("Content-Type", "text/html"),
                ("Set-Cookie", "a=1; Path=/"),
                ("Set-Cookie", "b=2; Path=/"),
                ("Transfer-Encoding", "chunked"),
            ],
        ),
        "redirect": exchange(
            "http://example.com/old",
            status=301,
            headers=[("Location", "http://example.com/new"), ("Content-Length", "0")],
            body=b"",
        ),
        "missing": exchange("http://example.com/gone", status=404, body=b"not here"),
    }


def sample_failure() -> FetchFailure:
    return FetchFailure(
        url="http://unreachable.example/",
        error_kind="dns",
        message="DNS lookup failed: no such host",
        fetched_at=T0,
    )


def iter_members(data: bytes) -> Iterator[tuple[int, int]]:
    """(offset, length) of each gzip member in ``data``."""
    import zlib

    offset = 0
    while offset < len(data):
        inflater = zlib.decompressobj(wbits=31)
        inflater.decompress(data[offset:])
        assert inflater.eof, f"torn gzip member at {offset}"
        length = len(data) - offset - len(inflater.unused_data)
        yield offset, length
        offset += length
