"""Memento in: a source already dead at its first capture is looked up in Memento archives.

A cited page that answers 404 or 410, whose host has no DNS entry, or whose 200 says "not found"
(a soft 404) the first time citewatch fetches it leaves the article's claim with nothing to be
checked against.  If the operator configured Memento archives (``memento_archives``), the crawl
asks each TimeGate in turn for the memento closest to when the article cited the page, and
fetches that memento like any capture: through the crawler (address guard, size limits,
politeness), into the WARC as request/response records whose target URI is the memento's URI,
with the capture note naming the original URL, the archive, the TimeGate, the Memento-Datetime
and the TimeGate's Link header.  The capture is a capture of the dead source, marked as
recovered; change detection takes its text as the source's baseline (`scheduler.changes`).

The TimeGate exchange itself is not archived (its answer may be a whole replay page); what it
said is in the note.  Archived pages are hostile input like any other page: the raw memento is
asked for where the archive is wayback-like (``id_``), so no replay banner or rewritten script
ends up as the source's text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import scrapy
from scrapy.http import Response

from archive.links.memento import http_date, parse_http_date
from crawler.memento.protocol import (
    Negotiated,
    negotiate,
    raw_memento_url,
    timegate_url,
    wayback_timestamp,
)
from crawler.model import CaptureResult, CaptureTarget, Recovered

logger = logging.getLogger(__name__)

# Set on the TimeGate request (an `Asking`) and on the memento's request (a `Recovered`).
TIMEGATE_KEY = "citewatch_timegate"
MEMENTO_KEY = "citewatch_memento"
# What makes a first capture dead: a gone status, or a host that does not exist.
GONE_STATUSES = frozenset((404, 410))
DEAD_ERRORS = frozenset(("dns",))
# A TimeGate's answer is headers and a redirect; a 200-style one carries a page we do not keep.
TIMEGATE_MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class MementoArchive:
    """A configured archive: its name (what "recovered from NAME" says) and its TimeGate URL."""

    name: str
    timegate: str


@dataclass(frozen=True)
class Asking:
    """A TimeGate being asked for a dead source: the archives still to ask, this one first."""

    target: CaptureTarget
    archives: tuple[MementoArchive, ...]
    wanted: datetime


SoftNotFound = Callable[[bytes, str | None, str], bool]
"""Whether a 200 page (payload, content type, URL) is a soft 404 (change detection's rule)."""
WantedAt = Callable[[int], datetime | None]
"""The moment a source's memento should be closest to (when its article cited it), by source id."""


class MementoRecovery:
    """Decides which first captures are dead and builds the TimeGate and memento requests."""

    def __init__(
        self, archives: Sequence[MementoArchive], *, soft_not_found: SoftNotFound, wanted_at: WantedAt
    ) -> None:
        self.archives = tuple(archives)
        self._soft_not_found = soft_not_found
        self._wanted_at = wanted_at

    @staticmethod
    def may_be_dead(result: CaptureResult) -> bool:
        """The cheap look first: a dead error, a gone status, or a new 2xx payload (a soft 404?)."""
        if result.error_kind is not None:
            return result.error_kind in DEAD_ERRORS
        if result.status in GONE_STATUSES:
            return True
        record = result.record
        return (
            result.status is not None
            and 200 <= result.status < 300
            and record is not None
            and record.record_type == "response"
        )

    def is_dead(self, result: CaptureResult, body: bytes) -> bool:
        """Whether a source's capture shows it dead: 404/410, no DNS entry, or a soft 404."""
        if result.error_kind is not None:
            return result.error_kind in DEAD_ERRORS
        status = result.status
        if status in GONE_STATUSES:
            return True
        if status is not None and 200 <= status < 300 and body:
            return self._soft_not_found(body, result.content_type, result.final_url)
        return False

    def first_asking(self, target: CaptureTarget, now: datetime) -> Asking:
        wanted = self._wanted_at(target.source_id) if target.source_id is not None else None
        # A worker's lease on the source ended with the capture that found it dead.
        return Asking(replace(target, lease=None), self.archives, wanted or now)

    def timegate_request(
        self,
        asking: Asking,
        *,
        callback: Callable[[Response], object],
        errback: Callable[..., object],
    ) -> scrapy.Request:
        """``GET {timegate}{url}`` with ``Accept-Datetime``; its redirect is read, not followed."""
        from crawler.middlewares.warcrecorder import UNRECORDED_KEY

        archive = asking.archives[0]
        return scrapy.Request(
            timegate_url(archive.timegate, asking.target.url),
            headers={"Accept-Datetime": http_date(asking.wanted)},
            callback=callback,
            errback=errback,
            dont_filter=True,
            priority=20,
            meta={
                TIMEGATE_KEY: asking,
                UNRECORDED_KEY: True,
                "dont_redirect": True,
                "handle_httpstatus_all": True,
                "download_maxsize": TIMEGATE_MAX_BYTES,
            },
        )

    def answered(self, asking: Asking, response: Response) -> tuple[str, Recovered] | None:
        """The memento URL to fetch and what it is, from the TimeGate's answer (None: no memento)."""
        archive = asking.archives[0]
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in response.headers.items()
            for v in values
        ]
        found: Negotiated | None = negotiate(response.status, headers, response.url)
        if found is None:
            logger.info(
                "%s has no memento of %s (TimeGate answered HTTP %d)",
                archive.name,
                asking.target.url,
                response.status,
            )
            return None
        raw = raw_memento_url(found.uri_m)
        recovered = Recovered(
            archive=archive.name,
            timegate=archive.timegate,
            uri_m=found.uri_m,
            raw=raw is not None,
            link=found.link,
            memento_datetime=found.datetime or wayback_timestamp(found.uri_m),
        )
        return raw or found.uri_m, recovered

    @staticmethod
    def fetched(recovered: Recovered, memento_datetime: str | None, final_url: str) -> Recovered:
        """The recovery as the memento's own answer dates it: its ``Memento-Datetime`` header,
        else the TimeGate's Link entry, else the timestamp in its URI."""
        moment = (
            parse_http_date(memento_datetime) or recovered.memento_datetime or wayback_timestamp(final_url)
        )
        return replace(recovered, memento_datetime=moment)

    @staticmethod
    def next_asking(asking: Asking) -> Asking | None:
        """The same question to the next archive, if there is one."""
        rest = asking.archives[1:]
        return replace(asking, archives=rest) if rest else None
