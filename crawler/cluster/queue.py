"""The shared queue of capture requests: scrapy-redis's start-URL list, holding JSON requests.

The dispatcher pushes one entry per leased source; `crawler.spiders.worker.WorkerSpider` pops
them (scrapy-redis `RedisMixin`: LRANGE + LTRIM in one transaction, so each goes to one worker)
and turns them back into `CaptureTarget`s.  An entry carries the lease token, so a worker can tell
a request that is still its source's from one that went stale in the queue.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.cluster import keys
from crawler.model import ROLE_ARTICLE, ROLE_SOURCE, CaptureTarget

if TYPE_CHECKING:
    import redis

META_KEY = "citewatch"


class BadEntry(ValueError):
    """A queue entry that is not a citewatch request (another tool's, or damaged)."""


@dataclass(frozen=True)
class Entry:
    """One dispatched capture: what to fetch, for which source, under which lease."""

    url: str
    role: str = ROLE_SOURCE
    source_id: int | None = None
    lease: str | None = None
    due: datetime | None = None

    def encode(self) -> bytes:
        meta: dict[str, Any] = {"role": self.role, "source_id": self.source_id, "lease": self.lease}
        meta["due"] = self.due.isoformat() if self.due is not None else None
        return json.dumps({"url": self.url, "meta": {META_KEY: meta}}, separators=(",", ":")).encode()

    def target(self) -> CaptureTarget:
        return CaptureTarget(url=self.url, role=self.role, source_id=self.source_id, lease=self.lease)


def decode(data: bytes | str) -> Entry:
    """The entry in a popped queue item; `BadEntry` if it is not one of ours."""
    try:
        parsed = json.loads(data)
        url, meta = parsed["url"], parsed["meta"][META_KEY]
        role = meta.get("role", ROLE_SOURCE)
        source_id, lease, due = meta.get("source_id"), meta.get("lease"), meta.get("due")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadEntry(f"not a citewatch request: {str(data)[:120]!r}") from exc
    if not isinstance(url, str) or role not in (ROLE_SOURCE, ROLE_ARTICLE):
        raise BadEntry(f"not a citewatch request: {str(data)[:120]!r}")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as exc:  # "http://[" and the like
        raise BadEntry(f"not a URL: {url[:120]!r}") from exc
    if parts.scheme not in ("http", "https") or not hostname:
        # What a worker fetches is the web: never a file, FTP or S3 URL an intruder in Redis wrote.
        raise BadEntry(f"not an http(s) URL: {url[:120]!r}")
    if (source_id is not None and not isinstance(source_id, int)) or (
        lease is not None and not isinstance(lease, str)
    ):
        raise BadEntry(f"not a citewatch request: {str(data)[:120]!r}")
    if role == ROLE_SOURCE and (source_id is None or lease is None):
        # A source is only ever fetched under a lease the catalog can confirm.
        raise BadEntry(f"a source request without its lease: {str(data)[:120]!r}")
    try:
        when = datetime.fromisoformat(due) if isinstance(due, str) else None
    except ValueError as exc:
        raise BadEntry(f"bad due time in {str(data)[:120]!r}") from exc
    return Entry(url=url, role=role, source_id=source_id, lease=lease, due=when)


def push(client: redis.Redis, entries: Sequence[Entry], *, urgent: bool = False) -> None:
    """Queue entries: at the end, or (``urgent``: an ingest someone waits for) at the front."""
    if not entries:
        return
    data = [e.encode() for e in entries]
    if urgent:
        client.lpush(keys.REQUESTS, *reversed(data))  # the first entry ends up first
    else:
        client.rpush(keys.REQUESTS, *data)


def length(client: redis.Redis) -> int:
    return int(client.llen(keys.REQUESTS))
