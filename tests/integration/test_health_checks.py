"""The readiness checks (``HealthCheck``) against services that are up; the
same checks against services that are down are in tests/unit/test_health_checks.py."""

from __future__ import annotations

import uuid

import pytest

from adapters.redis import RedisHealth, RedisRateLimiter
from adapters.redis.client import connect
from adapters.redis.outage import breaker_for
from adapters.sqlalchemy import DatabaseHealth, create_engine
from gemini_core.errors import ServiceUnavailable

pytestmark = pytest.mark.integration


async def test_database_health_returns_when_postgres_answers(postgres_database: str) -> None:
    engine = create_engine(postgres_database, pool_size=1)
    try:
        await DatabaseHealth(engine).check()
    finally:
        await engine.dispose()


async def test_redis_health_returns_when_redis_answers(redis_server_url: str) -> None:
    client = connect(redis_server_url)
    try:
        await RedisHealth(client).check()
    finally:
        await client.aclose()


async def test_an_answering_redis_closes_the_breaker_for_every_adapter(
    redis_server_url: str, redis_prefix: str
) -> None:
    client = connect(redis_server_url)
    limiter = RedisRateLimiter(client, redis_prefix)
    try:
        breaker_for(client).failed()  # as after a failed call: adapters fail fast
        with pytest.raises(ServiceUnavailable):
            await limiter.blocked(f"{uuid.uuid4()}", 3)

        await RedisHealth(client).check()  # readiness asks Redis itself

        assert await limiter.blocked(f"{uuid.uuid4()}", 3) is None
    finally:
        await client.aclose()
