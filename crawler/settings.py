"""Scrapy settings for a citewatch crawl, derived from one :class:`CrawlConfig`."""

from __future__ import annotations

from typing import Any

from scrapy.settings.default_settings import EXTENSIONS_BASE

from crawler.config import CrawlConfig

RECORDER_PRIORITY = 950  # next to the downloader: raw bytes, every redirect hop (see NOTES.md)
# Before robots.txt handling (100), so not even robots.txt is fetched from a forbidden host.
GUARD_PRIORITY = 10
ROBOTS_PRIORITY = 100  # where Scrapy's RobotsTxtMiddleware sits; the shared one takes its place
# After robots.txt handling: a request waiting for its host's robots.txt must not hold the host's
# slot that the robots.txt request itself needs (see crawler/cluster/politeness.py).
HOST_SLOTS_PRIORITY = 110
# AutoThrottle's first delay; with shared politeness also the floor of the shared delay.
AUTOTHROTTLE_START = 0.25
SCRAPY_ROBOTS = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"
SHARED_ROBOTS = "crawler.cluster.robots.SharedRobotsTxtMiddleware"
SHARED_POLITENESS = "crawler.cluster.politeness.SharedPolitenessMiddleware"
# Only ask for encodings every WARC reader can decode: warcio 1.8 (and so `warcio check` and pywb)
# cannot read brotli bodies with the `brotli` package and has no zstd at all.  Heritrix asks for
# gzip too.  A server that sends br/zstd unasked is still archived as received.
ACCEPT_ENCODING = "gzip, deflate"
UNUSED_EXTENSIONS = frozenset(
    {
        "scrapy.extensions.logstats.LogStats",  # a progress line per minute: citewatch shows its own
        "scrapy.extensions.remote_control.RemoteControl",
        "scrapy.extensions.telnet.TelnetConsole",
    }
)


def scrapy_settings(config: CrawlConfig) -> dict[str, Any]:
    """The settings dict handed to Scrapy; polite by default, every limit explicit."""
    settings = local_settings(config)
    if config.redis_url:
        settings.update(shared_politeness(config, settings["DOWNLOADER_MIDDLEWARES"]))
    return settings


def shared_politeness(config: CrawlConfig, middlewares: dict[str, int | None]) -> dict[str, Any]:
    """What changes when workers share one Redis: the per-host limit and robots.txt go through it.

    The shared middleware owns the per-host delay, so Scrapy's local delay is off: a local wait
    after the shared grant (DOWNLOAD_DELAY's random factor, AutoThrottle's adaptive delay) would
    move request starts unevenly and could bring two workers' requests closer than the delay.
    AutoThrottle is not shared; a crawl that asked for it keeps its starting delay as a floor.
    """
    delay = max(config.download_delay, AUTOTHROTTLE_START) if config.autothrottle else config.download_delay
    return {
        "CITEWATCH_REDIS_URL": config.redis_url,
        "CITEWATCH_HOST_CONCURRENCY": config.concurrent_per_domain,
        "CITEWATCH_HOST_DELAY": delay,
        "DOWNLOAD_DELAY": 0.0,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": {
            **middlewares,
            SCRAPY_ROBOTS: None,
            SHARED_ROBOTS: ROBOTS_PRIORITY,
            SHARED_POLITENESS: HOST_SLOTS_PRIORITY,
        },
    }


def local_settings(config: CrawlConfig) -> dict[str, Any]:
    """Everything but the scale-out: one process, Scrapy's own per-domain politeness."""
    return {
        "BOT_NAME": "citewatch",
        "USER_AGENT": config.user_agent,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "en",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
        "ROBOTSTXT_OBEY": config.obey_robots,
        "ROBOTSTXT_USER_AGENT": "citewatch",
        "CONCURRENT_REQUESTS": config.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrent_per_domain,
        "DOWNLOAD_DELAY": config.download_delay,
        "AUTOTHROTTLE_ENABLED": config.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": config.autothrottle_target_concurrency,
        "AUTOTHROTTLE_START_DELAY": max(config.download_delay, AUTOTHROTTLE_START),
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "DOWNLOAD_TIMEOUT": config.download_timeout,
        "DOWNLOAD_MAXSIZE": config.max_body_bytes,
        "DOWNLOAD_WARNSIZE": min(config.max_body_bytes, 32 * 1024 * 1024),
        "REDIRECT_MAX_TIMES": config.max_redirects,
        "RETRY_TIMES": config.retry_times,
        # A meta refresh is page content, archived as is, not a redirect we follow.
        "METAREFRESH_ENABLED": False,
        "COOKIES_ENABLED": True,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": config.log_level,
        "TWISTED_DNS_RESOLVER": "crawler.resolver.GuardedResolver",
        "CITEWATCH_ALLOW_PRIVATE": config.allow_private,
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.addressguard.AddressGuardMiddleware": GUARD_PRIORITY,
            "crawler.middlewares.warcrecorder.WarcRecorderMiddleware": RECORDER_PRIORITY,
        },
        "SPIDER_MIDDLEWARES": {
            # Depth and referer policies are irrelevant to a capture; keep the defaults otherwise.
        },
        "ITEM_PIPELINES": {},
        # Left out of the base list rather than set to None in EXTENSIONS: Scrapy imports every
        # extension it is given, even one set to None or one that then declines (both consoles are
        # off above), and the remote control's aiohttp alone cost ~0.35 s of every crawl's start-up.
        "EXTENSIONS_BASE": {
            name: order for name, order in EXTENSIONS_BASE.items() if name not in UNUSED_EXTENSIONS
        },
        "EXTENSIONS": {},
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    }


def worker_settings(redis_url: str) -> dict[str, Any]:
    """What a worker's crawl adds to `scrapy_settings`: where scrapy-redis finds the queue."""
    from crawler.cluster import keys

    return {
        "REDIS_URL": redis_url,
        "REDIS_START_URLS_KEY": keys.REQUESTS,
        "REDIS_START_URLS_AS_SET": False,
        "REDIS_START_URLS_AS_ZSET": False,
        # A worker takes URLs from a shared queue: only http(s) can be fetched, whatever is in it.
        "DOWNLOAD_HANDLERS": {"file": None, "s3": None, "ftp": None, "data": None},
    }
