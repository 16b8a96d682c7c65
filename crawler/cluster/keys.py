"""The Redis keys the daemon, the workers and ``citewatch status`` share, and the one way to connect.

Every key lives under one prefix, so one Redis can serve several citewatch installations
(``CITEWATCH_REDIS_URL=redis://host/0`` and another on ``/1``, or another prefix).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import redis

PREFIX = "citewatch"

# The scrapy-redis start-URL list the dispatcher pushes JSON requests to and workers pop from
# (`RedisMixin.pop_list_queue`: LRANGE + LTRIM in one transaction, so a request goes to one worker).
# Each entry: {"url": ..., "meta": {"citewatch": {"source_id", "role", "lease", "due"}}}.
REQUESTS = f"{PREFIX}:requests"
# Who dispatches: a string holding the owner id of the daemon that dispatches, with a TTL.
DISPATCHER = f"{PREFIX}:dispatcher"
# Live workers: a sorted set worker id -> last heartbeat (Unix seconds), and per worker a hash
# of what it says about itself (host, pid, started, captured, round), expiring with it.
WORKERS = f"{PREFIX}:workers"


def worker_key(worker_id: str) -> str:
    return f"{PREFIX}:worker:{worker_id}"


def host_active_key(host: str) -> str:
    """Requests in flight to a host, across workers: a sorted set token -> expiry (Unix ms)."""
    return f"{PREFIX}:host:{host}:active"


def host_next_key(host: str) -> str:
    """When the next request to a host may start, across workers (Unix ms)."""
    return f"{PREFIX}:host:{host}:next"


# The politeness script builds the minute's key itself from Redis's clock: it is handed this prefix.
HOST_HITS_PREFIX = f"{PREFIX}:hits:"


def host_hits_key(minute: int) -> str:
    """Requests started per host in one minute (a hash host -> count; ``minute`` = Unix time // 60)."""
    return f"{HOST_HITS_PREFIX}{minute}"


def robots_key(origin: str) -> str:
    """A host's robots.txt as fetched by one worker, shared for a day (``origin``: scheme://host:port)."""
    return f"{PREFIX}:robots:{origin}"


def robots_lock_key(origin: str) -> str:
    return f"{PREFIX}:robots-lock:{origin}"


def connect(url: str) -> redis.Redis:
    """A client for ``url`` (``redis://``, ``rediss://`` or ``unix://``), answers as bytes."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30)
