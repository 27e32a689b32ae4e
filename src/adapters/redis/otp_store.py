"""One-time code challenges in Redis hashes."""

from __future__ import annotations

from datetime import datetime

import redis.asyncio as aioredis

from adapters.redis.epoch import epoch_ms
from adapters.redis.outage import unavailable_on_outage
from gemini_core.model import OtpChallenge
from gemini_core.ports import OtpAttempt

# KEYS[1] challenge; ARGV: code hmac, now (epoch ms), max wrong tries.
# Returns 0 absent, 1 accepted, 2 wrong.
_ATTEMPT = """
local live = redis.call('HMGET', KEYS[1], 'hmac', 'exp')
if not live[1] then
  return 0
end
if tonumber(ARGV[2]) >= tonumber(live[2]) then
  redis.call('DEL', KEYS[1])
  return 0
end
if live[1] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
if redis.call('HINCRBY', KEYS[1], 'tries', 1) >= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
end
return 2
"""

_OUTCOMES = {0: OtpAttempt.ABSENT, 1: OtpAttempt.ACCEPTED, 2: OtpAttempt.WRONG}


class RedisOtpStore:
    """``OtpStore`` as one hash per key: ``{prefix}otp:{purpose}:{mobile}``
    holding the code's HMAC, the wrong-try count and the expiry (epoch ms),
    expired by Redis at that moment too.

    An outage raises ``ServiceUnavailable``.
    """

    def __init__(self, client: aioredis.Redis, prefix: str = "gc:") -> None:
        self._client = client
        self._prefix = prefix
        self._attempt = client.register_script(_ATTEMPT)

    def _key(self, key: str) -> str:
        return f"{self._prefix}otp:{key}"

    @unavailable_on_outage
    async def put(self, challenge: OtpChallenge) -> None:
        key = self._key(challenge.key)
        expires_ms = epoch_ms(challenge.expires_at)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(
                key,
                mapping={
                    "hmac": challenge.code_hmac,
                    "tries": challenge.wrong_tries,
                    "exp": expires_ms,
                },
            )
            pipe.pexpireat(key, expires_ms)
            await pipe.execute()

    @unavailable_on_outage
    async def attempt(
        self, key: str, code_hmac: str, now: datetime, max_wrong_tries: int
    ) -> OtpAttempt:
        outcome = await self._attempt(
            keys=[self._key(key)], args=[code_hmac, epoch_ms(now), max_wrong_tries]
        )
        return _OUTCOMES[int(outcome)]
