"""The failed-login limit holds under concurrency on the production
adapters: the attempt is reserved in Redis before the password is checked."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from adapters.redis import RedisRateLimiter
from adapters.redis.client import connect
from adapters.redis.user_cache import RedisUserCache
from tests.integration.conftest import SettingsFactory
from tests.support.api import ApiClient, running_app
from tests.support.fakes import CountingHasher
from tests.support.guesses import flood_change_password, flood_login

pytestmark = pytest.mark.integration

GUESSES = 200


@pytest.fixture
async def warm_redis(redis_server_url: str) -> AsyncIterator[aioredis.Redis]:
    """A client made as production makes it, its pool already holding a
    connection per guess. These tests are about the limit; a cold pool asked
    for 200 connections at once can miss the 1 s connect timeout on a busy
    machine, and the circuit breaker then answers 503 for a few seconds."""
    client = connect(redis_server_url)
    held = [await client.connection_pool.get_connection() for _ in range(GUESSES)]
    for connection in held:
        await client.connection_pool.release(connection)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def client(
    production_settings: SettingsFactory,
    redis_prefix: str,
    warm_redis: aioredis.Redis,
    hasher: CountingHasher,
) -> AsyncIterator[ApiClient]:
    settings = production_settings()
    # The Redis adapters a guess touches, on the warm client.
    async with running_app(
        settings,
        hasher=hasher,
        rate_limiter=RedisRateLimiter(warm_redis, redis_prefix),
        user_cache=RedisUserCache(warm_redis, redis_prefix),
    ) as client:
        yield client


@pytest.fixture
def hasher() -> CountingHasher:
    return CountingHasher()


async def test_200_concurrent_wrong_passwords_are_checked_at_most_ten_times(
    client: ApiClient, hasher: CountingHasher
) -> None:
    await flood_login(client, hasher, GUESSES)


async def test_200_concurrent_wrong_current_passwords_are_checked_at_most_ten_times(
    client: ApiClient, hasher: CountingHasher
) -> None:
    await flood_change_password(client, hasher, GUESSES)
