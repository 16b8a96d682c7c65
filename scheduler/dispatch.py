"""Dispatching (scale-out): lease sources in the catalog and queue them for the workers.

The queue is kept short (``queue_limit``): a source waits in the catalog, not in Redis, until
there is room, so its lease does not run out while it waits in line, and a million due sources
are a million rows, not a million queue entries.  A dispatcher killed between leasing and
pushing leaves leases that expire; those sources are dispatched again then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from archive.catalog.leases import Lease, Leases
from crawler.cluster.queue import Entry, length, push

if TYPE_CHECKING:
    import redis


def dispatch(
    catalog: Leases,
    client: redis.Redis,
    *,
    lease_for: timedelta,
    queue_limit: int | None,
    due_only: bool = True,
    source_ids: Sequence[int] | None = None,
    urgent: bool = False,
    now: datetime | None = None,
) -> int:
    """Lease as many sources as the queue has room for (see `Leases.lease_sources` for which)
    and push them; return how many were dispatched.  ``urgent`` puts them at the front and
    ``queue_limit=None`` queues every one of ``source_ids`` past the limit (sources a person
    waits for: `citewatch ingest` and `crawl` through the workers)."""
    if queue_limit is None:
        if source_ids is None:
            raise ValueError("dispatching past the queue's limit needs the sources named")
        room = len(source_ids)
    else:
        room = queue_limit - length(client)
    if room <= 0:
        return 0
    leases = catalog.lease_sources(
        lease_for=lease_for, limit=room, due_only=due_only, source_ids=source_ids, now=now
    )
    push(client, [entry(lease) for lease in leases], urgent=urgent)
    return len(leases)


def entry(lease: Lease) -> Entry:
    return Entry(url=lease.url, source_id=lease.source_id, lease=lease.token, due=lease.due_at)
