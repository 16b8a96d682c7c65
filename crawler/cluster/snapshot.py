"""What the shared Redis says about the cluster right now, for ``citewatch status`` and the web UI:
the queue's length, who holds the dispatcher lease, the live workers and the per-host request rates.

Only reads (and the removal of dead workers' heartbeats, `heartbeat.live_workers`): looking at a
cluster never changes what it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from crawler.cluster import keys
from crawler.cluster.election import Holder, current_holder
from crawler.cluster.heartbeat import WorkerBeat, live_workers, server_time

if TYPE_CHECKING:
    import redis

# Hosts shown by rate, busiest first: a watch list of millions of sources touches thousands of
# hosts a minute, and a status screen is for the few that matter (the total is given too).
TOP_HOSTS = 20
# A worker unheard of this long is taken for dead (it beats every few seconds).
LIVE_WITHIN_SECONDS = 60.0


@dataclass(frozen=True)
class HostRate:
    """Requests started to one host across all workers, in the current (partial) minute and in the
    last full one, as the shared politeness counts them (`keys.host_hits_key`)."""

    host: str
    requests_this_minute: int
    requests_last_minute: int


@dataclass(frozen=True)
class ClusterSnapshot:
    """One look at the cluster, taken at ``taken_at`` by Redis's clock."""

    taken_at: datetime
    queue: int
    dispatcher: Holder | None
    workers: tuple[WorkerBeat, ...]
    hosts: tuple[HostRate, ...]
    host_count: int


def read_snapshot(
    client: redis.Redis, *, within_seconds: float = LIVE_WITHIN_SECONDS, top_hosts: int = TOP_HOSTS
) -> ClusterSnapshot:
    """Read the cluster's state from Redis (a handful of round trips, whatever its size but the
    number of hosts seen in the last two minutes).  Raises ``redis.RedisError`` when Redis cannot
    be reached."""
    workers = live_workers(client, within_seconds=within_seconds)
    dispatcher = current_holder(client)
    now = server_time(client)
    minute = int(now // 60)
    with client.pipeline(transaction=True) as pipe:
        pipe.llen(keys.REQUESTS)
        pipe.hgetall(keys.host_hits_key(minute))
        pipe.hgetall(keys.host_hits_key(minute - 1))
        queue, this_minute, last_minute = pipe.execute()
    hosts, count = host_rates(_counts(this_minute), _counts(last_minute), top=top_hosts)
    return ClusterSnapshot(
        taken_at=datetime.fromtimestamp(now, UTC),
        queue=int(queue),
        dispatcher=dispatcher,
        workers=tuple(workers),
        hosts=hosts,
        host_count=count,
    )


def host_rates(
    this_minute: dict[str, int], last_minute: dict[str, int], *, top: int
) -> tuple[tuple[HostRate, ...], int]:
    """The ``top`` busiest hosts (by requests in both minutes together, then by name) and how many
    hosts had requests at all."""
    names = this_minute.keys() | last_minute.keys()
    rates = [HostRate(h, this_minute.get(h, 0), last_minute.get(h, 0)) for h in names]
    rates.sort(key=lambda r: (-(r.requests_this_minute + r.requests_last_minute), r.host))
    return tuple(rates[:top]), len(rates)


def _counts(raw: dict[bytes, bytes]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for host, value in raw.items():
        try:
            counts[_text(host)] = int(value)
        except ValueError:
            continue  # not a counter (another tool's key?): a status page must still show the rest
    return counts


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value
