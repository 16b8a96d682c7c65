"""A crawl's start-up loads what a crawl of unchanged HTML pages uses, not what it might need later."""

from __future__ import annotations

import json
import subprocess
import sys

# What a crawl set up but not yet run has no use for: Scrapy's remote control (aiohttp) and telnet
# console (twisted.conch) are off; PDF and Markdown articles, and text extraction (trafilatura,
# only for changed pages or a possible soft 404), load when one is met; Apprise when an alert is sent.
UNUSED = ("aiohttp", "twisted.conch", "pypdf", "markdown_it", "trafilatura", "apprise")
SCRIPT = f"""
import json, sys
import citewatch.sink, scheduler.changes, crawler.runner, scheduler.alerts.targets
from scrapy.crawler import CrawlerProcess
from crawler.config import CrawlConfig
from crawler.settings import scrapy_settings
from crawler.spiders.capture import CaptureSpider

crawler = CrawlerProcess(settings=scrapy_settings(CrawlConfig())).create_crawler(CaptureSpider)
crawler._apply_settings()  # what Scrapy does when the crawl starts: loads the extensions
print(json.dumps([m for m in {UNUSED!r} if m in sys.modules]))
"""


def test_setting_up_a_crawl_leaves_unused_libraries_unloaded() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)

    assert json.loads(proc.stdout.splitlines()[-1]) == []


def test_the_consoles_and_the_stats_line_are_left_out_the_rest_of_scrapys_extensions_kept() -> None:
    from scrapy.settings.default_settings import EXTENSIONS_BASE

    from crawler.config import CrawlConfig
    from crawler.settings import UNUSED_EXTENSIONS, scrapy_settings

    kept = scrapy_settings(CrawlConfig())["EXTENSIONS_BASE"]

    assert set(kept) == set(EXTENSIONS_BASE) - UNUSED_EXTENSIONS
    assert "scrapy.extensions.throttle.AutoThrottle" in kept  # config.autothrottle still works
    assert "scrapy.extensions.corestats.CoreStats" in kept  # run_crawl reads its stats
