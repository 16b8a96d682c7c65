"""scrapy_settings(): every limit and politeness knob of a CrawlConfig reaches Scrapy."""

from __future__ import annotations

from crawler.config import MB, CrawlConfig
from crawler.settings import GUARD_PRIORITY, RECORDER_PRIORITY, scrapy_settings

GUARD = "crawler.middlewares.addressguard.AddressGuardMiddleware"
RECORDER = "crawler.middlewares.warcrecorder.WarcRecorderMiddleware"


def test_middlewares_sit_where_they_must() -> None:
    middlewares = scrapy_settings(CrawlConfig())["DOWNLOADER_MIDDLEWARES"]

    assert middlewares[RECORDER] == RECORDER_PRIORITY == 950
    assert middlewares[GUARD] == GUARD_PRIORITY == 10
    # The guard runs before robots.txt handling (100) and the recorder after compression (590).
    assert GUARD_PRIORITY < 100 < 590 < RECORDER_PRIORITY


def test_robots_obey_follows_the_config() -> None:
    assert scrapy_settings(CrawlConfig())["ROBOTSTXT_OBEY"] is True
    assert scrapy_settings(CrawlConfig(obey_robots=False))["ROBOTSTXT_OBEY"] is False


def test_only_encodings_warc_readers_can_decode_are_requested() -> None:
    headers = scrapy_settings(CrawlConfig())["DEFAULT_REQUEST_HEADERS"]

    assert headers["Accept-Encoding"] == "gzip, deflate"


def test_limits_are_mapped() -> None:
    config = CrawlConfig(max_body_bytes=3 * MB, max_redirects=4, download_timeout=7.5, retry_times=0)

    settings = scrapy_settings(config)

    assert settings["DOWNLOAD_MAXSIZE"] == 3 * MB
    assert settings["DOWNLOAD_WARNSIZE"] == 3 * MB
    assert settings["REDIRECT_MAX_TIMES"] == 4
    assert settings["DOWNLOAD_TIMEOUT"] == 7.5
    assert settings["RETRY_TIMES"] == 0


def test_warn_size_is_capped_below_a_large_max_size() -> None:
    settings = scrapy_settings(CrawlConfig(max_body_bytes=500 * MB))

    assert settings["DOWNLOAD_WARNSIZE"] == 32 * MB


def test_remote_consoles_are_disabled() -> None:
    settings = scrapy_settings(CrawlConfig())

    assert settings["TELNETCONSOLE_ENABLED"] is False
    assert settings["REMOTE_CONTROL_ENABLED"] is False


def test_user_agent_and_politeness() -> None:
    config = CrawlConfig(user_agent="citewatch-test/1.0", concurrent_per_domain=1, download_delay=2.0)

    settings = scrapy_settings(config)

    assert settings["USER_AGENT"] == "citewatch-test/1.0"
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert settings["DOWNLOAD_DELAY"] == 2.0
    assert settings["AUTOTHROTTLE_START_DELAY"] == 2.0


def test_private_address_guard_is_wired_to_the_config() -> None:
    assert scrapy_settings(CrawlConfig())["CITEWATCH_ALLOW_PRIVATE"] is False
    assert scrapy_settings(CrawlConfig(allow_private=True))["CITEWATCH_ALLOW_PRIVATE"] is True
    assert scrapy_settings(CrawlConfig())["TWISTED_DNS_RESOLVER"] == "crawler.resolver.GuardedResolver"
