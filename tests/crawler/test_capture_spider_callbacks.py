"""The capture spider's callbacks are inspected by Scrapy once per crawl, not once per response."""

from __future__ import annotations

import gc
import inspect
from typing import Any

import pytest
from scrapy.utils import misc

from crawler.config import CrawlConfig
from crawler.model import CaptureTarget
from crawler.spiders.capture import CaptureSpider


def test_scrapy_reads_the_callback_source_once_for_many_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    # Scrapy checks every callback for a generator that returns a value by reading and parsing its
    # source, and caches the answer per callable object, weakly.  Each request the spider makes is
    # dropped before the next response arrives, as in a crawl; the check must still run once.
    spider = CaptureSpider(targets=[], warc_writer=None, sink=None, config=CrawlConfig())  # type: ignore[arg-type]
    reads: list[str] = []  # names only: holding the callables would keep them in Scrapy's cache
    real_getsource = inspect.getsource

    def counting_getsource(obj: Any) -> str:
        reads.append(obj.__name__)
        return real_getsource(obj)

    monkeypatch.setattr(misc.inspect, "getsource", counting_getsource)

    for n in range(5):
        request = spider.request_for(CaptureTarget(url=f"http://127.0.0.1/page/{n}", source_id=n))
        assert request.callback is not None and request.errback is not None
        misc.warn_on_generator_with_return_value(_with_settings(spider), request.callback)
        misc.warn_on_generator_with_return_value(_with_settings(spider), request.errback)
        del request
        gc.collect()

    assert sorted(reads) == ["on_error", "parse_capture"]  # once each


def test_requests_still_name_the_spiders_methods() -> None:
    # Scrapy serialises requests (disk queues) by the name of a spider method: the bound-once
    # callbacks must still be those methods.
    spider = CaptureSpider(targets=[], warc_writer=None, sink=None, config=CrawlConfig())  # type: ignore[arg-type]

    request = spider.request_for(CaptureTarget(url="http://127.0.0.1/a", source_id=1))

    assert request.callback == spider.parse_capture
    assert request.errback == spider.on_error


class _SettingsOnly:
    def getbool(self, name: str) -> bool:
        return name == "WARN_ON_GENERATOR_RETURN_VALUE"


def _with_settings(spider: CaptureSpider) -> CaptureSpider:
    # warn_on_generator_with_return_value reads spider.settings, which Scrapy sets from the crawler.
    spider.settings = _SettingsOnly()  # type: ignore[assignment]
    return spider
