"""What ``citewatch status`` and the web UI's status page show: how far behind the watch list is
(leased, expired and overdue sources, from the catalog) and, with ``CITEWATCH_REDIS_URL``, the
shared queue, the dispatching daemon, the live workers and the per-host request rates (from Redis).

Without Redis nothing here imports or needs it: a single-machine citewatch shows its catalog side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from citewatch.distributed import redacted
from citewatch.errors import ClusterUnavailable

if TYPE_CHECKING:
    from archive.catalog import Catalog
    from archive.catalog.leases import LeaseCounts
    from citewatch.config import Settings
    from crawler.cluster.snapshot import ClusterSnapshot


@dataclass(frozen=True)
class ClusterStatus:
    """One look at a deployment, taken at ``checked_at``: the catalog's leases always; the Redis
    side (``cluster``) only when Redis is configured (``redis``: its URL without the password)."""

    checked_at: datetime
    leases: LeaseCounts
    redis: str | None
    cluster: ClusterSnapshot | None

    @property
    def distributed(self) -> bool:
        return self.redis is not None


def gather_status(settings: Settings, catalog: Catalog | None, now: datetime) -> ClusterStatus:
    """The deployment's status: lease counts from ``catalog`` as of ``now``, and with
    ``settings.redis_url`` a snapshot of the cluster from Redis (by Redis's clock, which the
    workers' heartbeats use too).  Raises `ClusterUnavailable` when Redis is configured but cannot be
    reached.  Only reads (and drops dead workers' heartbeats).  Without a catalog (nothing
    archived yet) nothing is leased or due."""
    from archive.catalog.leases import LeaseCounts

    leases = catalog.lease_counts(now) if catalog is not None else LeaseCounts(leased=0, expired=0, overdue=0)
    if settings.redis_url is None:
        return ClusterStatus(checked_at=now, leases=leases, redis=None, cluster=None)
    return ClusterStatus(
        checked_at=now,
        leases=leases,
        redis=redacted(settings.redis_url),
        cluster=read_cluster(settings),
    )


def read_cluster(settings: Settings) -> ClusterSnapshot:
    """A snapshot of the deployment's cluster; `ClusterUnavailable` (one line saying what to do)
    when its Redis cannot be reached or read."""
    import redis

    from citewatch.distributed import connect
    from crawler.cluster.snapshot import read_snapshot

    client = connect(settings)
    try:
        return read_snapshot(client)
    except redis.RedisError as exc:  # it answered the PING, then went away (or refused a command)
        raise ClusterUnavailable(
            f"cannot read the cluster's state from Redis at {redacted(settings.redis_url or '')} "
            f"({_first_line(exc)}); check that it runs and CITEWATCH_REDIS_URL"
        ) from exc
    finally:
        client.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
