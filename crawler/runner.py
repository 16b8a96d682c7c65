"""Runs one capture crawl in this process and reports what it did.

Twisted's reactor cannot be restarted, so a process runs at most one crawl; long-lived callers
(the daemon) run each crawl in a child process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawler.config import CrawlConfig
from crawler.model import CaptureSink, CaptureTarget
from crawler.settings import scrapy_settings
from crawler.spiders.capture import CaptureSpider


@dataclass(frozen=True)
class CrawlStats:
    """What one crawl did, from Scrapy's stats collector."""

    requests: int
    responses: int
    warc_records: int
    payload_bytes: int
    failures: int
    elapsed: float
    finish_reason: str
    # Exceptions Scrapy caught in the spider's callbacks (a capture that could not be recorded):
    # Scrapy logs them and goes on, so they are counted here for the caller to report.
    internal_errors: int = 0

    @property
    def responses_per_second(self) -> float:
        return self.responses / self.elapsed if self.elapsed > 0 else 0.0


def run_crawl(
    targets: Iterable[CaptureTarget],
    *,
    config: CrawlConfig,
    warc_writer: Any,
    sink: CaptureSink,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    spider_cls: type[CaptureSpider] = CaptureSpider,
    spider_args: dict[str, Any] | None = None,
    extra_settings: dict[str, Any] | None = None,
) -> CrawlStats:
    """Capture every target (and what it pulls in: requisites, an article's sources); block until done.

    ``targets`` is read lazily, one at a time as the crawl has room for it: a generator over a
    paged query keeps a crawl of any size in bounded memory.  A worker passes its queue-fed
    spider class (`crawler.spiders.worker.WorkerSpider`), its arguments and Redis settings.
    """
    # Offline, tldextract tries to download the public suffix list and logs a traceback before
    # falling back to its bundled copy (NOTES.md): the fallback is fine, the noise is not.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    process = CrawlerProcess(
        settings={**scrapy_settings(config), **(extra_settings or {}), "LOG_INSTALL_ROOT_HANDLER": False}
    )
    crawler = process.create_crawler(spider_cls)
    started = time.monotonic()
    process.crawl(
        crawler,
        targets=targets,
        warc_writer=warc_writer,
        sink=sink,
        config=config,
        clock=clock,
        **(spider_args or {}),
    )
    process.start()
    elapsed = time.monotonic() - started
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    failures = sum(int(v) for k, v in stats.items() if k.startswith("citewatch/failed/"))
    return CrawlStats(
        requests=int(stats.get("downloader/request_count", 0)),
        responses=int(stats.get("downloader/response_count", 0)),
        warc_records=int(stats.get("citewatch/warc_records", 0)),
        payload_bytes=int(stats.get("citewatch/warc_payload_bytes", 0)),
        failures=failures,
        elapsed=elapsed,
        finish_reason=str(stats.get("finish_reason", "")),
        internal_errors=int(stats.get("spider_exceptions/count", 0)),
    )
