"""Worker heartbeats: each ``citewatch worker`` says every few seconds that it is alive and what it
is doing; ``citewatch status`` and the web UI's status page list the workers heard from lately.

A heartbeat is an entry in the ``WORKERS`` sorted set (worker id -> Unix seconds of its last beat)
and a hash per worker (`keys.worker_key`) holding what the worker said about itself, expiring
with it.  Times are Redis's own (``TIME``), never the caller's: machines whose clocks disagree by
a minute must not see each other as dead, or as alive a minute too long.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from crawler.cluster import keys

if TYPE_CHECKING:
    import redis

# What a worker says about itself, as `beat` stores it and `live_workers` reads it back.
HOST = "host"
PID = "pid"
STARTED_AT = "started_at"
CAPTURED = "captured"
ROUND = "round"
ROUND_STARTED_AT = "round_started_at"
STATE = "state"
SEEN_AT = "seen_at"

# One round trip, on the server's clock, all or nothing: a hash without its set entry (or the
# reverse) would list a worker with no name or hide a live one.
_BEAT = """
local now = redis.call('TIME')
local seen = string.format('%d.%06d', now[1], now[2])
redis.call('ZADD', KEYS[1], seen, ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'seen_at', seen, unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return seen
"""


@dataclass(frozen=True)
class WorkerBeat:
    """A worker as its last heartbeat described it.  ``age_seconds`` is how long ago that was,
    by Redis's clock; what the worker did not say is None."""

    id: str
    host: str | None
    pid: int | None
    seen_at: datetime
    age_seconds: float
    started_at: datetime | None = None
    captured: int | None = None
    round: int | None = None
    round_started_at: datetime | None = None
    state: str | None = None


def beat(
    client: redis.Redis, worker_id: str, info: Mapping[str, str | int | float], *, ttl_seconds: float = 60
) -> float:
    """Record that ``worker_id`` is alive, with what it says about itself (``host``, ``pid``,
    ``started_at``, ``captured``, ``round``, ``round_started_at``, ``state``: the fields
    `live_workers` reads back; others are kept but not shown).  The worker's hash replaces the
    previous one and expires after ``ttl_seconds`` unless beaten again.  Returns the Redis time
    of the beat (Unix seconds)."""
    fields: list[str] = []
    for name, value in info.items():
        if name == SEEN_AT:
            continue  # the server's time, not the worker's
        fields += [name, str(value)]
    script = client.register_script(_BEAT)
    seen = script(
        keys=[keys.WORKERS, keys.worker_key(worker_id)],
        args=[worker_id, max(1, int(ttl_seconds * 1000)), *fields],
    )
    return float(seen.decode() if isinstance(seen, bytes) else seen)


def forget(client: redis.Redis, worker_id: str) -> None:
    """A worker that stops cleanly leaves the list at once instead of ageing out of it."""
    with client.pipeline(transaction=True) as pipe:
        pipe.zrem(keys.WORKERS, worker_id)
        pipe.delete(keys.worker_key(worker_id))
        pipe.execute()


def server_time(client: redis.Redis) -> float:
    """Redis's clock, in Unix seconds."""
    seconds, micros = client.time()
    return float(seconds) + float(micros) / 1_000_000


def live_workers(client: redis.Redis, *, within_seconds: float = 60) -> list[WorkerBeat]:
    """The workers heard from in the last ``within_seconds`` (by Redis's clock), most recent
    first.  Older entries are dead workers (killed, or their machine gone): they are removed
    from the set on the way."""
    now = server_time(client)
    with client.pipeline(transaction=True) as pipe:
        pipe.zremrangebyscore(keys.WORKERS, "-inf", f"({now - within_seconds}")
        pipe.zrevrange(keys.WORKERS, 0, -1, withscores=True)
        _, members = pipe.execute()
    ids = [(m.decode() if isinstance(m, bytes) else str(m), float(score)) for m, score in members]
    with client.pipeline(transaction=False) as pipe:
        for worker_id, _ in ids:
            pipe.hgetall(keys.worker_key(worker_id))
        infos = pipe.execute()
    return [
        _worker(worker_id, seen, _decoded(info), now)
        for (worker_id, seen), info in zip(ids, infos, strict=True)
    ]


def _decoded(info: Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    return {
        (k.decode() if isinstance(k, bytes) else k): (
            v.decode(errors="replace") if isinstance(v, bytes) else v
        )
        for k, v in info.items()
    }


def _worker(worker_id: str, seen: float, info: Mapping[str, str], now: float) -> WorkerBeat:
    return WorkerBeat(
        id=worker_id,
        host=info.get(HOST),
        pid=_int(info.get(PID)),
        seen_at=datetime.fromtimestamp(seen, UTC),
        age_seconds=max(0.0, now - seen),
        started_at=_time(info.get(STARTED_AT)),
        captured=_int(info.get(CAPTURED)),
        round=_int(info.get(ROUND)),
        round_started_at=_time(info.get(ROUND_STARTED_AT)),
        state=info.get(STATE),
    )


def _int(text: str | None) -> int | None:
    """A count as the worker wrote it; None when it wrote none or something else (a heartbeat
    from another version must not break the status page)."""
    if text is None:
        return None
    try:
        return int(float(text))
    except (ValueError, OverflowError):
        return None


def _time(text: str | None) -> datetime | None:
    """An ISO 8601 time or Unix seconds, as the worker wrote it; None otherwise."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            return datetime.fromtimestamp(float(text), UTC)
        except (ValueError, OverflowError, OSError):
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
