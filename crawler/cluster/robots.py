"""robots.txt fetched once per host per day and shared by every worker through Redis.

Scrapy's ``RobotsTxtMiddleware`` fetches a host's robots.txt once per crawl, and a worker runs a
new crawl every round: N workers would ask every host for it N times a round.  This subclass
looks in Redis first; the worker that finds nothing takes a short lock, fetches robots.txt the
way Scrapy does (through the whole downloader chain: polite, and recorded in that worker's WARC
exactly as a local crawl records it) and stores what it got for a day.  Workers that find the
lock taken poll the cache for a bounded time, then fetch it themselves rather than hang on a
holder that died.

What is shared is what Scrapy's decision is made from, parsed by the same ``ROBOTSTXT_PARSER``:
the body of whatever response came back (a 404 page parses to "allow all", as in Scrapy), or
the fact that the fetch failed (Scrapy then allows all too).  A failure is kept for less time
than a body: a host that was briefly unreachable should not lose its robots.txt for a day.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater

from crawler.cluster import keys

logger = logging.getLogger(__name__)

ROBOTS_TTL_SECONDS = 86_400
# About one worker round (`worker_round_seconds`): a failure is retried about as often as a
# single crawl process would retry it, not once a day.
FAILURE_TTL_SECONDS = 300
LOCK_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class SharedRobots:
    """What one worker got when it fetched an origin's robots.txt: a body, or a failure (None)."""

    body: bytes | None


class RobotsCache:
    """robots.txt per origin in Redis, and the lock that lets one worker fetch it."""

    def __init__(self, client: redis.Redis, *, lock_seconds: float) -> None:
        self._client = client
        self._lock_ms = int(lock_seconds * 1000)

    def get(self, origin: str) -> SharedRobots | None:
        fields: dict[bytes, bytes] = self._client.hgetall(keys.robots_key(origin))  # type: ignore[assignment]
        if not fields:
            return None
        return SharedRobots(body=None if b"failed" in fields else fields.get(b"body", b""))

    def lock(self, origin: str) -> bool:
        """Take the right to fetch ``origin``'s robots.txt (it lapses after the fetch could have)."""
        return bool(self._client.set(keys.robots_lock_key(origin), b"1", nx=True, px=self._lock_ms))

    def put(self, origin: str, robots: SharedRobots) -> None:
        key = keys.robots_key(origin)
        field, value = ("failed", b"1") if robots.body is None else ("body", robots.body)
        ttl = FAILURE_TTL_SECONDS if robots.body is None else ROBOTS_TTL_SECONDS
        with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, field, value)
            pipe.expire(key, ttl)
            pipe.delete(keys.robots_lock_key(origin))
            pipe.execute()


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with the fetched robots.txt shared through Redis."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)  # raises NotConfigured unless ROBOTSTXT_OBEY
        url = crawler.settings.get("CITEWATCH_REDIS_URL")
        if not url:
            raise NotConfigured("no Redis: Scrapy's own robots.txt middleware applies")
        # The lock outlives the fetch it guards: the download timeout, a wait for a host slot.
        self._lock_seconds = crawler.settings.getfloat("DOWNLOAD_TIMEOUT") + 10.0
        self._cache = RobotsCache(keys.connect(url), lock_seconds=self._lock_seconds)
        # netloc -> origin of the robots.txt this process is fetching (Scrapy's hooks get the netloc).
        self._fetching: dict[str, str] = {}

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            # Requests to this host that arrive meanwhile wait on this, as they do in Scrapy.
            waiting: Deferred[RobotParser | None] = Deferred()
            self._parsers[netloc] = waiting
            origin = f"{url.scheme}://{netloc}"
            shared = await self._shared(origin)
            if shared is not None:
                parser = await self._parse_shared(shared, request)
                self._parsers[netloc] = parser
            else:
                del self._parsers[netloc]
                self._fetching[netloc] = origin
                parser = await super().robot_parser(request)
            waiting.callback(parser)
        return await super().robot_parser(request)

    async def _shared(self, origin: str) -> SharedRobots | None:
        """The stored robots.txt, or None: this worker fetches it (it took the lock, or waited enough)."""
        deadline = time.monotonic() + self._lock_seconds
        while True:
            try:
                shared = self._cache.get(origin)
                if shared is not None:
                    self._stats.inc_value("citewatch/robots_shared")
                    return shared
                if self._cache.lock(origin) or time.monotonic() > deadline:
                    return None
            except redis.RedisError:
                # Without the cache this worker still obeys robots.txt: it fetches it itself.
                self._stats.inc_value("citewatch/robots_cache_error")
                logger.warning("robots.txt cache unavailable for %s; fetching it", origin, exc_info=True)
                return None
            await maybe_deferred_to_future(deferLater(reactor, LOCK_POLL_SECONDS))

    async def _parse_shared(self, shared: SharedRobots, request: Request) -> RobotParser | None:
        if shared.body is None:
            return None  # the fetch failed: allow all, as Scrapy does
        parser: RobotParser = build_from_crawler(self._parserimpl, self.crawler, shared.body)
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request
        )
        return parser

    # Scrapy's two outcomes of its own fetch; what it got is stored for the other workers first.
    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        self._store(netloc, SharedRobots(body=response.body))
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        self._store(netloc, SharedRobots(body=None))
        super()._robots_error(exc, netloc)

    def _store(self, netloc: str, shared: SharedRobots) -> None:
        origin = self._fetching.pop(netloc, None)
        if origin is None:
            return
        try:
            self._cache.put(origin, shared)
        except redis.RedisError:
            # This worker obeys what it fetched; the others fetch their own.
            self._stats.inc_value("citewatch/robots_cache_error")
            logger.warning("could not share robots.txt of %s", origin, exc_info=True)
