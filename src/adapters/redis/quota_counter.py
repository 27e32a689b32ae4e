"""Daily prompt counters in Redis."""

from __future__ import annotations

import uuid
from datetime import datetime

import redis.asyncio as aioredis

from adapters.redis.epoch import epoch_ms
from adapters.redis.outage import unavailable_on_outage
from gemini_core.ports import QuotaTake

# KEYS[1] counter; ARGV: expires at (epoch ms), limit ('' for none).
# Returns {allowed (0/1), used}.
_TAKE = """
local used = redis.call('INCR', KEYS[1])
local refused = ARGV[2] ~= '' and used > tonumber(ARGV[2])
if refused then
  redis.call('DECR', KEYS[1])
end
if used == 1 then
  redis.call('PEXPIREAT', KEYS[1], ARGV[1])
end
if refused then
  return {0, tonumber(ARGV[2])}
end
return {1, used}
"""

# KEYS[1] counter. Never below zero, never creates the key.
_GIVE_BACK = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  redis.call('DECR', KEYS[1])
end
return 0
"""


class RedisQuotaCounter:
    """``QuotaCounter`` as one counter per user and day,
    ``{prefix}quota:{user_id}:{day}``, expiring at the ``expires_at`` given
    with the day's first ``take``.

    An outage raises ``ServiceUnavailable``.
    """

    def __init__(self, client: aioredis.Redis, prefix: str = "gc:") -> None:
        self._client = client
        self._prefix = prefix
        self._take = client.register_script(_TAKE)
        self._give_back = client.register_script(_GIVE_BACK)

    def _key(self, user_id: uuid.UUID, day: str) -> str:
        return f"{self._prefix}quota:{user_id}:{day}"

    @unavailable_on_outage
    async def take(
        self, user_id: uuid.UUID, day: str, limit: int | None, expires_at: datetime
    ) -> QuotaTake:
        # Milliseconds rather than EXPIREAT's seconds: the counter goes at
        # the very moment the day ends, not up to a second either side.
        allowed, used = await self._take(
            keys=[self._key(user_id, day)],
            args=[epoch_ms(expires_at), "" if limit is None else limit],
        )
        return QuotaTake(allowed=bool(allowed), used=int(used))

    @unavailable_on_outage
    async def give_back(self, user_id: uuid.UUID, day: str) -> None:
        await self._give_back(keys=[self._key(user_id, day)])

    @unavailable_on_outage
    async def used(self, user_id: uuid.UUID, day: str) -> int:
        value = await self._client.get(self._key(user_id, day))
        return 0 if value is None else max(0, int(value))
