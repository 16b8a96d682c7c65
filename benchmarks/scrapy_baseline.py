#!/usr/bin/env python3
"""Plain Scrapy, no archiving: fetch every URL of a list with given settings and throw the bodies away.

The crawl benchmark's yardstick for what the engine under citewatch can do on the same site with the
same settings.  Run as its own process, timed whole (start-up included), like a citewatch command:

    python benchmarks/scrapy_baseline.py URLS.txt SETTINGS.json

``SETTINGS.json`` holds the Scrapy settings (the benchmark derives them from citewatch's own, minus
citewatch's components).  Prints one JSON line on stdout: responses by status, body bytes, the
crawl's own elapsed time.  Exit status 1 if any URL did not end in a 200 answer.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from twisted.python.failure import Failure


class FetchSpider(scrapy.Spider):
    """Requests every URL once; keeps only counts."""

    name = "plain-scrapy"

    def __init__(self, urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.statuses: Counter[int] = Counter()
        self.body_bytes = 0
        self.errors: Counter[str] = Counter()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> None:
        self.statuses[response.status] += 1
        self.body_bytes += len(response.body)

    def failed(self, failure: Failure) -> None:
        self.errors[type(failure.value).__name__] += 1


def main(argv: list[str]) -> int:
    urls = Path(argv[1]).read_text(encoding="utf-8").split()
    settings = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # offline: its fallback is fine (NOTES.md)
    process = CrawlerProcess(settings=settings)
    crawler = process.create_crawler(FetchSpider)
    started = time.monotonic()
    process.crawl(crawler, urls=urls)
    process.start()
    elapsed = time.monotonic() - started
    spider = crawler.spider
    assert isinstance(spider, FetchSpider)
    print(
        json.dumps(
            {
                "urls": len(urls),
                "statuses": {str(k): v for k, v in sorted(spider.statuses.items())},
                "errors": dict(spider.errors),
                "body_bytes": spider.body_bytes,
                "crawl_elapsed_s": round(elapsed, 3),
            }
        )
    )
    return 0 if spider.statuses[200] == len(urls) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
