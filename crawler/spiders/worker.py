"""The worker's spider: the capture spider fed from the shared Redis queue (scrapy-redis).

`WorkerSpider` is `CaptureSpider` with scrapy-redis's `RedisMixin` as its feeder: the same
requests, recorder, WARC writer and sink as a local crawl, only the targets come from the queue
the dispatcher fills instead of from the catalog.  Each popped entry is claimed in the catalog
before it is fetched (`LeaseBook.claim_leases`): an entry whose lease went stale in the queue
(its source was captured, or dispatched again after the lease expired) is dropped, so a source
is captured once per due time.  The leases of the entries in work are renewed while it works;
the sink's recording of a capture ends its lease; at the end of a round the leases of entries
never fetched (a stop) are given back, to be dispatched again at once.

A round ends when the queue has been empty for ``idle_seconds`` after some work, or
``round_seconds`` after it began (then no more entries are taken and the work in hand is
finished): the worker then judges changes and uploads its WARCs, and starts a new round.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any, Protocol

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.spiders import RedisMixin
from twisted.internet.task import LoopingCall

from crawler.cluster import keys
from crawler.cluster.queue import BadEntry, Entry, decode
from crawler.model import CaptureResult, CaptureTarget
from crawler.spiders.capture import CaptureSpider

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.25  # how often the queue is read while there is room for more work


class LeaseBook(Protocol):
    """The catalog's side of leases (`archive.catalog.leases.Leases`)."""

    def claim_leases(
        self, claims: Iterable[tuple[int, str]], *, owner: str, lease_for: timedelta
    ) -> dict[str, str]: ...

    def renew_leases(self, tokens: Iterable[str], *, owner: str, lease_for: timedelta) -> int: ...

    def release_leases(self, tokens: Iterable[str], *, owner: str) -> int: ...


class WorkerSpider(RedisMixin, CaptureSpider):  # type: ignore[misc]  # scrapy-redis is untyped
    name = "citewatch-worker"
    redis_key = keys.REQUESTS

    def __init__(
        self,
        *,
        leases: LeaseBook,
        owner: str,
        lease_for: timedelta,
        idle_seconds: float,
        round_seconds: float,
        stopping: Callable[[], bool] = lambda: False,
        wait_for_work: bool = True,
        divert: Callable[[CaptureTarget], bool | None] | None = None,
        browser_full: Callable[[], bool] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)  # targets: none, or a few to start with; the rest come from the queue
        self.leases = leases
        self.owner = owner
        self.lease_for = lease_for
        self.idle_seconds = idle_seconds
        self.round_seconds = round_seconds
        # A stop asked for before Scrapy's own signal handlers were in place (the worker's).
        self.stopping = stopping
        # False: a round with nothing to do ends too (``citewatch worker --once``).
        self.wait_for_work = wait_for_work
        # Browser captures (citewatch.browsing): ``divert`` takes a claimed source that needs the
        # browser away from Scrapy; while ``browser_full`` says its line is full, no more is taken
        # (a lease never runs out in the browser's line).
        self.divert = divert
        self.browser_full = browser_full
        self.in_work: set[str] = set()  # lease tokens claimed and not captured yet
        self.taken = 0  # entries claimed this round
        self._started = time.monotonic()
        self._empty_since: float | None = None
        self._loops: list[AsyncioLoopingCall | LoopingCall] = []
        self._stop_asked = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WorkerSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, WorkerSpider)
        spider.setup_redis(crawler)  # scrapy-redis: the queue's connection, and spider_idle
        return spider

    def _opened(self, spider: scrapy.Spider) -> None:
        super()._opened(spider)
        for call, every in ((self._top_up, POLL_SECONDS), (self._renew, self.lease_for.total_seconds() / 3)):
            loop = create_looping_call(call)
            loop.start(every, now=False)
            self._loops.append(loop)

    def _closed(self, spider: scrapy.Spider, reason: str) -> None:
        for loop in self._loops:
            if loop.running:
                loop.stop()
        super()._closed(spider, reason)
        if self.in_work:
            # Taken but never fetched (a stop): dispatched again now rather than after the lease.
            logger.info("gave back %d lease(s) not worked on", self._give_back(list(self.in_work)))

    # -- taking work ----------------------------------------------------------------------------

    @property
    def _taking(self) -> bool:
        """Whether this round still takes entries (it stops at ``round_seconds``, or on a stop)."""
        return time.monotonic() - self._started < self.round_seconds and not self.stopping()

    def _room(self) -> int:
        """Entries to take now: enough to keep every download slot busy, and a little more."""
        if self.browser_full is not None and self.browser_full():
            return 0  # (each entry is checked again as it is diverted: see `_requests`)
        return max(0, 2 * int(self.redis_batch_size) - len(self.in_work))

    def next_requests(self) -> Iterator[scrapy.Request]:
        """Pop entries (scrapy-redis, atomically), claim them, and make requests of those granted."""
        room = self._room() if self._taking else 0
        if room == 0:
            return iter(())
        entries: list[Entry] = []
        for data in self.fetch_data(self.redis_key, room):
            try:
                entries.append(decode(data))
            except BadEntry as exc:
                logger.warning("dropped a queue entry: %s", exc)
        if entries:
            self._empty_since = None
        return iter(self._requests(entries))

    def make_request_from_data(self, data: bytes | str) -> scrapy.Request | None:
        """One entry (scrapy-redis's hook; `next_requests` takes them in batches)."""
        requests = self._requests([decode(data)])
        return requests[0] if requests else None

    def _requests(self, entries: list[Entry]) -> list[scrapy.Request]:
        """Requests for the entries whose lease is granted, built one by one: a request that cannot
        be made costs only its own entry, whose lease is given back at once."""
        claims = [(e.source_id, e.lease) for e in entries if e.source_id is not None and e.lease is not None]
        granted = (
            self.leases.claim_leases(claims, owner=self.owner, lease_for=self.lease_for) if claims else {}
        )
        requests = []
        for entry in entries:
            if entry.lease is not None:
                url = granted.get(entry.lease)
                if url is None:
                    self._stat("citewatch/worker/stale_entry")
                    logger.debug("stale entry for %s (captured or dispatched again): dropped", entry.url)
                    continue
                if url != entry.url:
                    # Only the catalog says what a source is: never fetch what an entry claims it is.
                    self._stat("citewatch/worker/forged_entry")
                    logger.warning("dropped a queue entry whose URL is not its source's: %.200r", entry.url)
                    self._give_back([entry.lease])
                    continue
            diverted = self.divert(entry.target()) if self.divert is not None else False
            if diverted is None:  # it needs the browser, whose line is full: for another worker
                if entry.lease is not None:
                    self._give_back([entry.lease])
                continue
            if diverted:
                self.taken += 1  # captured (and its lease ended) by the browser
                continue
            try:
                request = self.request_for(entry.target())
            except ValueError as exc:
                logger.warning("dropped a queue entry: %s", str(exc).splitlines()[0] if str(exc) else exc)
                if entry.lease is not None:
                    self._give_back([entry.lease])
                continue
            if entry.lease is not None:
                self.in_work.add(entry.lease)
            self.taken += 1
            requests.append(request)
        return requests

    def _give_back(self, tokens: list[str]) -> int:
        """Release leases this worker will not work on; how many it held (0 if the catalog cannot
        be reached: they expire by themselves)."""
        try:
            return self.leases.release_leases(tokens, owner=self.owner)
        except Exception as exc:
            logger.warning("could not give back %d lease(s); they expire: %s", len(tokens), exc)
            return 0

    def _top_up(self) -> None:
        if self.stopping():
            if not self._stop_asked:
                self._stop_asked = True
                logger.info("stopping: no more work is taken")
                deferred_from_coro(self.crawler.stop_async())  # as Scrapy does on SIGTERM
            return
        try:
            self.schedule_next_requests()
        except Exception:  # Redis or the catalog away for a moment: the next poll tries again
            self._stat("citewatch/worker/queue_error")
            logger.warning("could not take work from the queue", exc_info=True)

    def spider_idle(self) -> None:
        """Nothing in flight: take more, or end the round (idle long enough after some work, or
        past ``round_seconds``); an idle worker that has done nothing keeps waiting, unless it
        does not ``wait_for_work``."""
        if self._taking:
            self._top_up()
            if self.in_work:
                raise DontCloseSpider
        now = time.monotonic()
        if self._empty_since is None:
            self._empty_since = now
        if (self.taken or not self.wait_for_work) and (
            not self._taking or now - self._empty_since >= self.idle_seconds
        ):
            return  # the round is over: close, judge, upload
        raise DontCloseSpider

    # -- leases in work -------------------------------------------------------------------------

    def _took(self, result: CaptureResult) -> None:
        if result.target.lease is not None:
            self.in_work.discard(result.target.lease)

    def _renew(self) -> None:
        if not self.in_work:
            return
        try:
            self.leases.renew_leases(self.in_work, owner=self.owner, lease_for=self.lease_for)
        except Exception:
            self._stat("citewatch/worker/renew_error")
            logger.warning("could not renew %d lease(s)", len(self.in_work), exc_info=True)
