"""Hands every raw HTTP exchange to the WARC writer, before Scrapy changes anything.

At priority 950 this middleware sits next to the downloader: ``process_request`` sees the
request headers as they go out (cookies, compression, user agent already set) and
``process_response`` sees each response first, 3xx hops included, with its original
``Content-Encoding`` and the still-compressed body.  Each hop becomes its own request/response
pair in the WARC; where it landed is appended to ``request.meta["citewatch_hops"]`` so the spider
can link the final capture to its redirect chain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from archive.warc.digest import payload_digest
from archive.warc.exchange import HttpExchange, WrittenRecord

logger = logging.getLogger(__name__)

HOPS_KEY = "citewatch_hops"
STARTED_KEY = "citewatch_started_at"
# Set by the spider on a capture's requests: a note about the capture follows its record, in the
# same WARC file (a robots.txt fetched to obey it has none).
AWAITS_NOTE_KEY = "citewatch_awaits_note"
# Set on a request whose exchange is not archived: a Memento TimeGate's answer (what it said goes
# into the recovered capture's note, `crawler.memento.recovery`).
UNRECORDED_KEY = "citewatch_unrecorded"


class ExchangeWriter(Protocol):
    def write_exchange(self, ex: HttpExchange, *, awaits_note: bool = False) -> WrittenRecord: ...

    def write_revisit(
        self,
        ex: HttpExchange,
        *,
        refers_to_uri: str,
        refers_to_date: datetime,
        refers_to_record_id: str | None,
        payload_digest: str,
        awaits_note: bool = False,
    ) -> WrittenRecord: ...


@dataclass(frozen=True)
class RecordedHop:
    """One exchange already in the WARC: what the spider needs to describe the capture."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    record: WrittenRecord
    fetched_at: datetime
    raw_length: int

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


def reason_phrase(status: int) -> str:
    """Twisted does not keep the reason phrase; rebuild the standard one (empty when unknown)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def header_list(headers: Any) -> list[tuple[str, str]]:
    """Every header value as received, repeated headers kept (Scrapy folds them unless getlist is used)."""
    out: list[tuple[str, str]] = []
    for name in headers:
        key = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        for value in headers.getlist(name):
            out.append((key, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return out


def _request_headers(request: Request) -> list[tuple[str, str]]:
    headers = header_list(request.headers)
    if not any(k.lower() == "host" for k, _ in headers):
        # Twisted's Agent adds Host itself, after middlewares run; record what went on the wire.
        parts = urlsplit(request.url)
        headers.insert(0, ("Host", parts.netloc.rsplit("@", 1)[-1]))
    return headers


class WarcRecorderMiddleware:
    """Downloader middleware at 950: one WARC request+response pair per exchange, hops included."""

    def __init__(self, crawler: Crawler, clock: Callable[[], datetime]) -> None:
        self._crawler = crawler
        self._clock = clock

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecorderMiddleware:
        return cls(crawler, lambda: datetime.now(UTC))

    @property
    def _writer(self) -> ExchangeWriter:
        # The writer belongs to this crawl, so it travels on the spider rather than in settings
        # (Scrapy deep-copies settings, and an open file cannot be copied).
        writer: ExchangeWriter = self._crawler.spider.warc_writer  # type: ignore[union-attr]
        return writer

    def process_request(self, request: Request) -> Request | Response | None:
        request.meta[STARTED_KEY] = self._clock()
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get(UNRECORDED_KEY):
            return response
        exchange = HttpExchange(
            url=request.url,
            method=request.method,
            request_headers=_request_headers(request),
            request_body=request.body,
            status=response.status,
            reason=reason_phrase(response.status),
            response_headers=header_list(response.headers),
            body=response.body,
            fetched_at=request.meta.get(STARTED_KEY) or self._clock(),
            http_version=str(getattr(response, "protocol", None) or "HTTP/1.1"),
            ip_address=str(response.ip_address) if response.ip_address is not None else None,
        )
        stats = self._crawler.stats
        try:
            record = self._write(exchange, awaits_note=bool(request.meta.get(AWAITS_NOTE_KEY)))
        except OSError:
            if stats is not None:
                stats.inc_value("citewatch/warc_write_error")
            logger.exception("could not write the WARC record for %s", request.url)
            raise
        if stats is not None:
            stats.inc_value("citewatch/warc_records")
            stats.inc_value("citewatch/warc_payload_bytes", len(response.body))
        hop = RecordedHop(
            url=exchange.url,
            status=exchange.status,
            headers=exchange.response_headers,
            record=record,
            fetched_at=exchange.fetched_at,
            raw_length=len(exchange.body),
        )
        request.meta[HOPS_KEY] = [*request.meta.get(HOPS_KEY, []), hop]
        return response

    def _write(self, exchange: HttpExchange, *, awaits_note: bool) -> WrittenRecord:
        """A full response record, or a revisit record when the payload equals the newest archived one.

        Only successful responses are deduplicated: an error page is small, and keeping each one
        whole makes the record of a deletion self-contained.
        """
        if 200 <= exchange.status < 300 and exchange.body:
            lookup = getattr(self._crawler.spider, "previous_capture", None)
            previous = lookup(exchange.url) if lookup is not None else None
            if previous is not None:
                digest = payload_digest(exchange.body)
                if digest == previous.payload_digest:
                    if self._crawler.stats is not None:
                        self._crawler.stats.inc_value("citewatch/revisits")
                    return self._writer.write_revisit(
                        exchange,
                        refers_to_uri=previous.url,
                        refers_to_date=previous.captured_at,
                        refers_to_record_id=previous.record_id,
                        payload_digest=digest,
                        awaits_note=awaits_note,
                    )
        return self._writer.write_exchange(exchange, awaits_note=awaits_note)
