"""Fixed-window counters in Redis."""

from __future__ import annotations

import redis.asyncio as aioredis

from adapters.redis.outage import unavailable_on_outage

# KEYS[1] counter; ARGV: limit, window (ms). Returns -1 when counted, else the
# milliseconds left in the window.
_HIT = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  local left = redis.call('PTTL', KEYS[1])
  if left == -1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  end
  if left < 0 then
    left = tonumber(ARGV[2])
  end
  return left
end
if redis.call('INCR', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return -1
"""

# KEYS[1] counter. DECR keeps the key's expiry; a missing (ended) window is
# not re-created, so a late release cannot credit the next window.
_RELEASE = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  redis.call('DECR', KEYS[1])
end
return 0
"""


def _seconds(milliseconds: int) -> int:
    """Whole seconds, rounded up, at least 1."""
    return max(1, -(-milliseconds // 1000))


class RedisRateLimiter:
    """``RateLimiter`` with a counter per key, ``{prefix}rate:{key}``, that
    expires when its window (started by the first hit) ends.

    An outage raises ``ServiceUnavailable``.
    """

    def __init__(self, client: aioredis.Redis, prefix: str = "gc:") -> None:
        self._client = client
        self._prefix = prefix
        self._hit = client.register_script(_HIT)
        self._release = client.register_script(_RELEASE)

    def _key(self, key: str) -> str:
        return f"{self._prefix}rate:{key}"

    @unavailable_on_outage
    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        left = int(await self._hit(keys=[self._key(key)], args=[limit, window_seconds * 1000]))
        return None if left < 0 else _seconds(left)

    @unavailable_on_outage
    async def blocked(self, key: str, limit: int) -> int | None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.get(self._key(key))
            pipe.pttl(self._key(key))
            count, left = await pipe.execute()
        if count is None or int(count) < limit:
            return None
        return _seconds(int(left))

    @unavailable_on_outage
    async def release(self, key: str) -> None:
        await self._release(keys=[self._key(key)])
