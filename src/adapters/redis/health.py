"""Readiness of Redis."""

from __future__ import annotations

import redis.asyncio as aioredis

from adapters.redis.outage import OUTAGE_ERRORS, breaker_for
from gemini_core.errors import ServiceUnavailable


class RedisHealth:
    """``HealthCheck``: Redis answers a PING.

    It asks Redis even while the client's circuit breaker is open (that is
    what readiness is for), and an answer closes the breaker for every
    adapter on the client.
    """

    name = "redis"

    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client

    async def check(self) -> None:
        breaker = breaker_for(self._client)
        try:
            await self._client.ping()
        except OUTAGE_ERRORS as exc:
            breaker.failed()
            raise ServiceUnavailable("Redis is unavailable") from exc
        breaker.succeeded()
