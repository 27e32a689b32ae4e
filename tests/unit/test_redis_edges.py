"""What the Redis adapters do at their edges, without a Redis server: how
moments are written for Redis, and how an outage reaches the core (as
``ServiceUnavailable``, from every method that talks to Redis)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from adapters.redis import (
    RedisChatroomListCache,
    RedisEventBus,
    RedisOtpStore,
    RedisRateLimiter,
    RedisUserCache,
)
from adapters.redis.epoch import epoch_ms
from adapters.redis.outage import breaker_for
from gemini_core.errors import ServiceUnavailable
from gemini_core.model import User
from gemini_core.ports import ChatroomPage
from tests.contracts.otp_store import challenge
from tests.support.server import free_port

USER = User(
    id=uuid.uuid4(), mobile_number="+15550001111", created_at=datetime(2030, 1, 1, tzinfo=UTC)
)
PAGE = ChatroomPage(items=[], next_cursor=None)
LATER = datetime(2030, 1, 2, tzinfo=UTC)

Call = Callable[[aioredis.Redis], Awaitable[Any]]


async def subscribe_once(client: aioredis.Redis) -> object:
    bus = RedisEventBus(client, subscribe_timeout=0.5)
    try:
        return await bus.subscribe(USER.id)
    finally:
        await bus.aclose()


# Every adapter method that talks to Redis, but the best-effort publish.
CALLS: dict[str, Call] = {
    "user_cache.get": lambda c: RedisUserCache(c).get(USER.id),
    "user_cache.fill": lambda c: RedisUserCache(c).fill(USER),
    "user_cache.hold": lambda c: RedisUserCache(c).hold(USER.id),
    "user_cache.replace": lambda c: RedisUserCache(c).replace(USER),
    "otp_store.put": lambda c: RedisOtpStore(c).put(challenge()),
    "otp_store.attempt": lambda c: RedisOtpStore(c).attempt("k", "h", LATER, 5),
    "rate_limiter.hit": lambda c: RedisRateLimiter(c).hit("k", 3, 60),
    "rate_limiter.blocked": lambda c: RedisRateLimiter(c).blocked("k", 3),
    "chatroom_list_cache.lookup": lambda c: RedisChatroomListCache(c).lookup(USER.id, "p"),
    "chatroom_list_cache.store": lambda c: RedisChatroomListCache(c).store(
        USER.id, 1, "p", PAGE, 60
    ),
    "chatroom_list_cache.invalidate": lambda c: RedisChatroomListCache(c).invalidate(USER.id),
    "events.subscribe": lambda c: subscribe_once(c),
}


def client_for(port: int) -> aioredis.Redis:
    return aioredis.Redis(
        host="127.0.0.1",
        port=port,
        socket_timeout=0.1,
        socket_connect_timeout=0.3,
        retry=Retry(NoBackoff(), 0),
    )


@pytest.fixture
async def refused() -> AsyncIterator[aioredis.Redis]:
    """A client of a port where nothing listens: connecting fails at once."""
    client = client_for(free_port())
    yield client
    await client.aclose()


@pytest.fixture
async def silent() -> AsyncIterator[aioredis.Redis]:
    """A client of a server that accepts connections and never answers,
    like a paused Redis: every command runs into its timeout."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    client = client_for(server.sockets[0].getsockname()[1])
    yield client
    await client.aclose()
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
async def test_a_refused_connection_is_service_unavailable(
    refused: aioredis.Redis, call: Call
) -> None:
    with pytest.raises(ServiceUnavailable) as raised:
        await call(refused)

    assert isinstance(raised.value.__cause__, RedisConnectionError)
    assert breaker_for(refused).is_open


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
async def test_no_answer_in_time_is_service_unavailable(silent: aioredis.Redis, call: Call) -> None:
    with pytest.raises(ServiceUnavailable) as raised:
        await call(silent)

    assert isinstance(raised.value.__cause__, RedisTimeoutError)


async def test_an_open_breaker_fails_fast_without_calling_redis(refused: aioredis.Redis) -> None:
    breaker_for(refused).failed()

    with pytest.raises(ServiceUnavailable) as raised:
        await RedisRateLimiter(refused).blocked("k", 3)

    assert raised.value.__cause__ is None


def test_epoch_ms_counts_whole_milliseconds_from_the_epoch() -> None:
    assert epoch_ms(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert epoch_ms(datetime(2030, 1, 1, 0, 0, 1, 999_999, tzinfo=UTC)) == 1_893_456_001_999
    # The same moment in another zone is the same number.
    paris = timezone(timedelta(hours=1))
    assert epoch_ms(datetime(2030, 1, 1, 1, 0, tzinfo=paris)) == 1_893_456_000_000
