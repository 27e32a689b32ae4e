"""Named leases in Redis, shared by every process of a deployment."""

from __future__ import annotations

import redis.asyncio as aioredis

from adapters.redis.outage import unavailable_on_outage


class RedisLeases:
    """``Lease`` as ``SET {prefix}lease:{name} NX PX``: the first process to
    ask holds it until it expires; there is no release, so a holder that dies
    blocks the others for at most ``seconds``."""

    def __init__(self, client: aioredis.Redis, prefix: str = "") -> None:
        self._client = client
        self._prefix = prefix

    @unavailable_on_outage
    async def acquire(self, name: str, seconds: float) -> bool:
        taken = await self._client.set(
            f"{self._prefix}lease:{name}", "1", nx=True, px=max(1, int(seconds * 1000))
        )
        return bool(taken)
