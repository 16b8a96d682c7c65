"""Per-host politeness shared by every worker: N workers are exactly as polite to a host as one.

Scrapy's own per-domain limit (``CONCURRENT_REQUESTS_PER_DOMAIN``, ``DOWNLOAD_DELAY``) lives in
each process, so two workers would each send their own share to the same host.  Here every
request first takes a slot for its host in Redis: at most ``limit`` requests in flight to one
host across all workers, and request starts to one host at least ``delay`` apart.

One Lua script per attempt decides atomically, on Redis's clock (``TIME``), so workers whose
clocks disagree still agree on who may go.  A slot is a member of a sorted set scored with its
expiry (now + download timeout + a margin): a worker that is SIGKILLed mid-request never
releases its slots, and they free themselves when that expiry passes.

The host is Scrapy's downloader slot key (the URL's host name, without the port, or the
request's ``download_slot``), so the shared limit counts the same requests as the local one.
With this middleware on, the settings turn Scrapy's local delay and AutoThrottle off (see
``crawler/settings.py``): a local wait after the shared grant would shift request starts
unevenly and could bring two workers' requests closer together than ``delay``.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from dataclasses import dataclass

import redis
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

from crawler.cluster import keys

logger = logging.getLogger(__name__)

TOKEN_KEY = "citewatch_host_slot"
# Added to the download timeout for a slot's lifetime: the time between the grant and the
# download's start, and a reactor slowed by a busy machine, must not let a live slot expire.
HOLD_MARGIN_SECONDS = 10.0
# How long to wait before asking again when the host is full (no release is announced: a
# request to a busy host polls, while a delay is waited out exactly).
FULL_POLL_SECONDS = 0.05
# Per-minute hit counters are read by `citewatch status` for the last minute or two.
HITS_TTL_SECONDS = 180

# KEYS: active zset, next-start string.  ARGV: limit, delay ms, hold ms, token, host, hits prefix,
# hits TTL.  Returns 0 when the slot is taken, else how many ms to wait before asking again.
ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, delay, hold = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local active = redis.call('ZCARD', KEYS[1])
local next_start = tonumber(redis.call('GET', KEYS[2]) or '0')
if active < limit and now >= next_start then
    redis.call('ZADD', KEYS[1], now + hold, ARGV[4])
    -- The set outlives its longest slot; an idle host's keys go away by themselves.
    if redis.call('PTTL', KEYS[1]) < hold then
        redis.call('PEXPIRE', KEYS[1], hold)
    end
    if delay > 0 then
        redis.call('SET', KEYS[2], now + delay, 'PX', delay)
    end
    local hits = ARGV[6] .. math.floor(now / 60000)
    redis.call('HINCRBY', hits, ARGV[5], 1)
    redis.call('EXPIRE', hits, tonumber(ARGV[7]))
    return 0
end
if now < next_start then
    return next_start - now
end
return -1
"""


@dataclass(frozen=True)
class HostLimit:
    """The shared limit for every host: requests in flight, and seconds between request starts."""

    concurrency: int
    delay: float


class HostSlots:
    """Slots per host in Redis: take one (or learn how long to wait), give it back."""

    def __init__(self, client: redis.Redis, limit: HostLimit) -> None:
        if limit.concurrency < 1:
            raise ValueError(f"per-host concurrency must be at least 1, not {limit.concurrency}")
        self._client = client
        self._limit = limit
        self._acquire = client.register_script(ACQUIRE_LUA)

    def try_acquire(self, host: str, token: str, *, hold: float) -> float:
        """Take a slot for ``host`` held at most ``hold`` seconds: 0.0 if taken, else seconds to wait."""
        wait_ms = int(
            self._acquire(
                keys=[keys.host_active_key(host), keys.host_next_key(host)],
                args=[
                    self._limit.concurrency,
                    int(self._limit.delay * 1000),
                    int(hold * 1000),
                    token,
                    host,
                    keys.HOST_HITS_PREFIX,
                    HITS_TTL_SECONDS,
                ],
            )
        )
        if wait_ms == 0:
            return 0.0
        return FULL_POLL_SECONDS if wait_ms < 0 else wait_ms / 1000

    def release(self, host: str, token: str) -> None:
        self._client.zrem(keys.host_active_key(host), token)


class SharedPolitenessMiddleware:
    """Downloader middleware: a request goes on only with a slot for its host, shared through Redis.

    Sits after robots.txt handling (100): a request refused by robots.txt takes no slot, and a
    request does not hold a slot while it waits for its host's robots.txt (which needs a slot of
    its own: with one slot per host that wait would never end).  The robots.txt request passes
    through here too, so it is as polite as any other.
    """

    def __init__(self, crawler: Crawler, slots: HostSlots, timeout: float) -> None:
        self._crawler = crawler
        self._slots = slots
        self._timeout = timeout
        # token -> host of every slot this process holds, so each is released exactly once.
        self._held: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPolitenessMiddleware:
        settings = crawler.settings
        url = settings.get("CITEWATCH_REDIS_URL")
        if not url:
            raise NotConfigured("no Redis: Scrapy's per-process politeness applies")
        limit = HostLimit(
            concurrency=settings.getint("CITEWATCH_HOST_CONCURRENCY"),
            delay=settings.getfloat("CITEWATCH_HOST_DELAY"),
        )
        middleware = cls(crawler, HostSlots(keys.connect(url), limit), settings.getfloat("DOWNLOAD_TIMEOUT"))
        # A request leaves the downloader before the middlewares see its outcome, and a later
        # middleware may turn that outcome into a new request (a redirect, a retry) without
        # calling this one back: the signal is the one place every download passes.
        crawler.signals.connect(middleware._left_downloader, signal=signals.request_left_downloader)
        crawler.signals.connect(middleware._spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_request(self, request: Request) -> None:
        host = self._host(request)
        token = uuid.uuid4().hex
        hold = float(request.meta.get("download_timeout") or self._timeout) + HOLD_MARGIN_SECONDS
        while (wait := self._slots.try_acquire(host, token, hold=hold)) > 0:
            await maybe_deferred_to_future(deferLater(reactor, wait))
        self._held[token] = host
        # A copy made for a retry or a redirect carries this meta along; it takes its own slot.
        request.meta[TOKEN_KEY] = token
        # Last resort for a request that never reaches the downloader and is never answered
        # here either (a later middleware's process_request returned a new request): its slot
        # goes back when the request is gone.
        weakref.finalize(request, self._release, token)

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request.meta.get(TOKEN_KEY))
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        # An IgnoreRequest from a later middleware's process_request ends here, never downloaded.
        self._release(request.meta.get(TOKEN_KEY))

    def _left_downloader(self, request: Request) -> None:
        self._release(request.meta.get(TOKEN_KEY))

    def _spider_closed(self) -> None:
        # Every download has ended by now: a slot still held here is one the hooks above missed.
        if self._held:
            if self._crawler.stats is not None:
                self._crawler.stats.inc_value("citewatch/host_slots_held_at_close", len(self._held))
            logger.warning("%d host slots were still held when the crawl closed", len(self._held))
        for token in list(self._held):
            self._release(token)

    def _release(self, token: str | None) -> None:
        if token is None or (host := self._held.pop(token, None)) is None:
            return
        try:
            self._slots.release(host, token)
        except redis.RedisError:  # the slot expires by itself; a lost release must not fail a capture
            stats = self._crawler.stats
            if stats is not None:
                stats.inc_value("citewatch/host_slot_release_error")
            logger.warning("could not release a host slot for %s; it expires by itself", host, exc_info=True)

    def _host(self, request: Request) -> str:
        engine = self._crawler.engine
        assert engine is not None  # process_request runs inside a running crawl
        return engine.downloader.get_slot_key(request)
