"""The Redis adapters against their ports' contracts, on real time."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import msgspec
import pytest
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from adapters.redis import (
    RedisChatroomListCache,
    RedisEventBus,
    RedisLeases,
    RedisOtpStore,
    RedisRateLimiter,
    RedisStreamSlots,
)
from adapters.redis.cancellations import RedisReplyCancellations
from adapters.redis.user_cache import RedisUserCache
from adapters.redis.workers import RedisWorkerRegistry
from gemini_core.errors import ServiceUnavailable
from tests.contracts.chatroom_list_cache import ChatroomListCacheContract, page_of
from tests.contracts.events import QUEUE_SIZE, EventBusContract, created
from tests.contracts.lease import LeaseContract
from tests.contracts.otp_store import OtpStoreContract, challenge
from tests.contracts.rate_limiter import RateLimiterContract
from tests.contracts.reply_cancellations import ReplyCancellationsContract
from tests.contracts.stream_slots import StreamSlotsContract
from tests.contracts.user_cache import UserCacheContract, a_user
from tests.contracts.worker_registry import WorkerRegistryContract

pytestmark = pytest.mark.integration


class RealClock:
    """Redis keeps its own time, so the contracts' clock is the real one."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def advance(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@pytest.fixture
def clock() -> RealClock:
    return RealClock()


class TestRedisUserCache(UserCacheContract):
    @pytest.fixture
    def users(self, redis_client: aioredis.Redis, redis_prefix: str) -> RedisUserCache:
        return RedisUserCache(redis_client, redis_prefix)

    async def test_an_entry_written_before_users_carried_their_tier_is_a_miss(
        self, users: RedisUserCache, redis_client: aioredis.Redis, redis_prefix: str
    ) -> None:
        # What the previous version wrote: the user without the tier's fields.
        # Read as a Basic user it would cut a Pro user off for the entry's TTL.
        user = a_user()
        fields = msgspec.structs.asdict(user)
        old = {k: v for k, v in fields.items() if not k.startswith("subscription_")}
        await redis_client.set(f"{redis_prefix}user:{user.id}", msgspec.msgpack.encode(old))
        assert await users.get(user.id) is None


class TestRedisOtpStore(OtpStoreContract):
    @pytest.fixture
    def store(self, redis_client: aioredis.Redis, redis_prefix: str) -> RedisOtpStore:
        return RedisOtpStore(redis_client, prefix=redis_prefix)


class TestRedisRateLimiter(RateLimiterContract):
    @pytest.fixture
    def limiter(self, redis_client: aioredis.Redis, redis_prefix: str) -> RedisRateLimiter:
        return RedisRateLimiter(redis_client, prefix=redis_prefix)


class TestRedisChatroomListCache(ChatroomListCacheContract):
    @pytest.fixture
    def cache(self, redis_client: aioredis.Redis, redis_prefix: str) -> RedisChatroomListCache:
        return RedisChatroomListCache(redis_client, prefix=redis_prefix)


class TestRedisEventBus(EventBusContract):
    @pytest.fixture
    async def bus(
        self, redis_client: aioredis.Redis, redis_prefix: str
    ) -> AsyncIterator[RedisEventBus]:
        bus = RedisEventBus(redis_client, prefix=redis_prefix, queue_size=QUEUE_SIZE)
        yield bus
        await bus.aclose()


class TestRedisStreamSlots(StreamSlotsContract):
    @pytest.fixture
    def slots(self, redis_client: aioredis.Redis, redis_prefix: str) -> RedisStreamSlots:
        return RedisStreamSlots(redis_client, redis_prefix)


class TestRedisLeases(LeaseContract):
    @pytest.fixture
    def lease(self, redis_client: aioredis.Redis, redis_prefix: str) -> RedisLeases:
        return RedisLeases(redis_client, redis_prefix)


class TestRedisWorkerRegistry(WorkerRegistryContract):
    @pytest.fixture
    def registry(self, redis_client: aioredis.Redis, redis_prefix: str) -> RedisWorkerRegistry:
        return RedisWorkerRegistry(redis_client, prefix=redis_prefix)


# What only the Redis adapters promise.


async def test_every_key_is_prefixed_and_expires(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    user = uuid.uuid4()
    await RedisOtpStore(redis_client, redis_prefix).put(challenge())
    await RedisRateLimiter(redis_client, redis_prefix).hit("k", 3, 60)
    cache = RedisChatroomListCache(redis_client, redis_prefix)
    generation, _ = await cache.lookup(user, "first")
    await cache.store(user, generation, "first", page_of(user, "a"), 60)
    await cache.invalidate(user)
    await RedisLeases(redis_client, redis_prefix).acquire("sweep", 60)
    await RedisStreamSlots(redis_client, redis_prefix).take(user, uuid.uuid4(), 3, 60)

    keys = [key async for key in redis_client.scan_iter(match="*", count=1000)]
    ours = [key for key in keys if key.startswith(redis_prefix.encode())]
    # otp, rate, cache page, cache generation, lease, stream places
    assert len(ours) == 6
    for key in ours:
        assert await redis_client.pttl(key) > 0, key


def unreachable_client() -> aioredis.Redis:
    # Nothing listens on port 1: every command fails to connect, at once.
    return aioredis.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )


async def test_publish_failure_is_logged_and_swallowed(
    caplog: pytest.LogCaptureFixture, redis_prefix: str
) -> None:
    client = unreachable_client()
    bus = RedisEventBus(client, prefix=redis_prefix)
    try:
        with caplog.at_level(logging.WARNING, logger="adapters.redis.events"):
            await bus.publish(created(uuid.uuid4()))
    finally:
        await client.aclose()

    assert any("publishing message.created" in r.getMessage() for r in caplog.records)


async def test_an_unreachable_redis_is_service_unavailable(redis_prefix: str) -> None:
    client = unreachable_client()
    try:
        with pytest.raises(ServiceUnavailable) as raised:
            await RedisRateLimiter(client, redis_prefix).blocked("k", 3)
        assert isinstance(raised.value.__cause__, aioredis.ConnectionError)
    finally:
        await client.aclose()


def test_binary_adapters_refuse_a_decoding_client(redis_server_url: str) -> None:
    client = aioredis.Redis.from_url(redis_server_url, decode_responses=True)

    with pytest.raises(ValueError, match="decode_responses"):
        RedisChatroomListCache(client)
    with pytest.raises(ValueError, match="decode_responses"):
        RedisEventBus(client)


class TestRedisReplyCancellations(ReplyCancellationsContract):
    @pytest.fixture
    def cancellations(
        self, redis_client: aioredis.Redis, redis_prefix: str
    ) -> RedisReplyCancellations:
        return RedisReplyCancellations(redis_client, redis_prefix)

    @pytest.fixture
    def elsewhere(self, redis_client: aioredis.Redis, redis_prefix: str) -> RedisReplyCancellations:
        return RedisReplyCancellations(redis_client, redis_prefix)

    async def test_a_request_lives_for_minutes_not_for_ever(
        self,
        cancellations: RedisReplyCancellations,
        redis_client: aioredis.Redis,
        redis_prefix: str,
    ) -> None:
        reply = uuid.uuid4()
        await cancellations.request(reply)
        ttl = await redis_client.pttl(f"{redis_prefix}cancel:{reply}")
        assert 60_000 < ttl <= 15 * 60 * 1000
