"""Places of open event streams in Redis, counted per user across processes."""

from __future__ import annotations

import uuid

import redis.asyncio as aioredis

from adapters.redis.outage import unavailable_on_outage

# Shared head of the scripts: Redis's own time in ms, expired places dropped.
_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ttl = tonumber(ARGV[2])
local function hold()
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  if redis.call('PTTL', KEYS[1]) < ttl then
    redis.call('PEXPIRE', KEYS[1], ttl)
  end
  return 1
end
"""

# KEYS[1] the user's places; ARGV: slot, ttl (ms), limit. 1 when held.
_TAKE = (
    _NOW
    + """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false
   and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
return hold()
"""
)

# KEYS[1] the user's places; ARGV: slot, ttl (ms). 1 when it was still held.
_RENEW = (
    _NOW
    + """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false then
  return 0
end
return hold()
"""
)


class RedisStreamSlots:
    """``StreamSlots`` as one sorted set per user, ``{prefix}streams:{user_id}``:
    each member a place, scored by when it expires on Redis's clock. Every
    call first drops the expired places, in the same script, so a process
    that died without giving its places back blocks nobody past their TTL;
    the key expires with its last place. An outage raises
    ``ServiceUnavailable``."""

    def __init__(self, client: aioredis.Redis, prefix: str = "gc:") -> None:
        self._client = client
        self._prefix = prefix
        self._take = client.register_script(_TAKE)
        self._renew = client.register_script(_RENEW)

    def _key(self, user_id: uuid.UUID) -> str:
        return f"{self._prefix}streams:{user_id}"

    @unavailable_on_outage
    async def take(
        self, user_id: uuid.UUID, slot: uuid.UUID, limit: int, ttl_seconds: float
    ) -> bool:
        held = await self._take(
            keys=[self._key(user_id)], args=[str(slot), _ms(ttl_seconds), limit]
        )
        return bool(held)

    @unavailable_on_outage
    async def renew(self, user_id: uuid.UUID, slot: uuid.UUID, ttl_seconds: float) -> bool:
        held = await self._renew(keys=[self._key(user_id)], args=[str(slot), _ms(ttl_seconds)])
        return bool(held)

    @unavailable_on_outage
    async def give_back(self, user_id: uuid.UUID, slot: uuid.UUID) -> None:
        await self._client.zrem(self._key(user_id), str(slot))


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))
