"""scrapy_settings(): every limit and politeness knob of a CrawlConfig reaches Scrapy."""

from __future__ import annotations

from crawler.config import MB, CrawlConfig
from crawler.settings import (
    GUARD_PRIORITY,
    RECORDER_PRIORITY,
    SCRAPY_ROBOTS,
    SHARED_POLITENESS,
    SHARED_ROBOTS,
    scrapy_settings,
)

GUARD = "crawler.middlewares.addressguard.AddressGuardMiddleware"
RECORDER = "crawler.middlewares.warcrecorder.WarcRecorderMiddleware"
LOCAL_KEYS = {
    "AUTOTHROTTLE_ENABLED",
    "AUTOTHROTTLE_MAX_DELAY",
    "AUTOTHROTTLE_START_DELAY",
    "AUTOTHROTTLE_TARGET_CONCURRENCY",
    "BOT_NAME",
    "CITEWATCH_ALLOW_PRIVATE",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "COOKIES_ENABLED",
    "DEFAULT_REQUEST_HEADERS",
    "DOWNLOADER_MIDDLEWARES",
    "DOWNLOAD_DELAY",
    "DOWNLOAD_MAXSIZE",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_WARNSIZE",
    "EXTENSIONS",
    "EXTENSIONS_BASE",
    "ITEM_PIPELINES",
    "LOG_LEVEL",
    "METAREFRESH_ENABLED",
    "REDIRECT_MAX_TIMES",
    "REMOTE_CONTROL_ENABLED",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION",
    "RETRY_TIMES",
    "ROBOTSTXT_OBEY",
    "ROBOTSTXT_USER_AGENT",
    "SPIDER_MIDDLEWARES",
    "TELNETCONSOLE_ENABLED",
    "TWISTED_DNS_RESOLVER",
    "USER_AGENT",
}


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


def test_without_redis_nothing_of_the_scale_out_reaches_scrapy() -> None:
    settings = scrapy_settings(CrawlConfig(download_delay=1.5))

    assert settings["DOWNLOADER_MIDDLEWARES"] == {GUARD: GUARD_PRIORITY, RECORDER: RECORDER_PRIORITY}
    assert not [key for key in settings if key.startswith("CITEWATCH_") and key != "CITEWATCH_ALLOW_PRIVATE"]
    assert settings["DOWNLOAD_DELAY"] == 1.5
    assert settings["AUTOTHROTTLE_ENABLED"] is True
    # Exactly the keys a local crawl had before the scale-out.
    assert set(settings) == LOCAL_KEYS


def test_with_redis_the_per_host_limit_and_robots_txt_are_shared() -> None:
    config = CrawlConfig(redis_url="redis://127.0.0.1:6379/0", concurrent_per_domain=3, download_delay=1.5)

    settings = scrapy_settings(config)
    middlewares = settings["DOWNLOADER_MIDDLEWARES"]

    assert settings["CITEWATCH_REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert (settings["CITEWATCH_HOST_CONCURRENCY"], settings["CITEWATCH_HOST_DELAY"]) == (3, 1.5)
    # The shared limit replaces the local delay: a local wait after the grant would undo its spacing.
    assert (settings["DOWNLOAD_DELAY"], settings["AUTOTHROTTLE_ENABLED"]) == (0.0, False)
    assert middlewares[SCRAPY_ROBOTS] is None
    assert middlewares[SHARED_ROBOTS] == 100
    # Guard first, then robots.txt, then the host slot (a request waiting for robots.txt holds none).
    assert GUARD_PRIORITY < middlewares[SHARED_ROBOTS] < middlewares[SHARED_POLITENESS] < 350
    assert middlewares[RECORDER] == RECORDER_PRIORITY


def test_with_redis_and_autothrottle_its_start_delay_is_the_shared_floor() -> None:
    settings = scrapy_settings(CrawlConfig(redis_url="redis://127.0.0.1/0", download_delay=0.0))

    assert settings["CITEWATCH_HOST_DELAY"] == 0.25
