"""Which daemon dispatches: the holder of one Redis key with a deadline (a lease, not a lock).

Two daemons may run for availability.  Each, every few seconds, tries to take the key or, if it
holds it, to extend it; the one that holds it dispatches.  When the holder dies its key expires
after ``ttl`` and the other takes it on its next try.  Both steps are single Lua scripts, so a
daemon never extends (or gives up) a key another daemon holds.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.cluster import keys

if TYPE_CHECKING:
    import redis

# Take the key if free, or extend it if ours: 1 when we hold it afterwards.
_HOLD = """
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if current == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class Holder:
    owner: str
    ttl_seconds: float


def owner_id() -> str:
    """Names this process: host, pid and a random part (a restarted pid is another owner)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class DispatcherLease:
    """The dispatcher's lease, as one daemon sees it."""

    def __init__(self, client: redis.Redis, *, ttl_seconds: float, owner: str | None = None) -> None:
        self._client = client
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self.owner = owner or owner_id()
        self._hold = client.register_script(_HOLD)
        self._release = client.register_script(_RELEASE)

    def hold(self) -> bool:
        """Take or extend the lease; True if this daemon is the dispatcher now."""
        return bool(self._hold(keys=[keys.DISPATCHER], args=[self.owner, self._ttl_ms]))

    def release(self) -> None:
        """Give the lease up (a clean stop): the standby takes over at once, not after the TTL."""
        self._release(keys=[keys.DISPATCHER], args=[self.owner])


def current_holder(client: redis.Redis) -> Holder | None:
    """Who dispatches now, and for how much longer unless renewed."""
    with client.pipeline(transaction=True) as pipe:
        pipe.get(keys.DISPATCHER)
        pipe.pttl(keys.DISPATCHER)
        owner, ttl = pipe.execute()
    if owner is None:
        return None
    return Holder(owner.decode() if isinstance(owner, bytes) else str(owner), max(0, int(ttl)) / 1000)
