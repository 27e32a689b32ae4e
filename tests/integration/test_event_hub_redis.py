"""The Redis event bus's one subscription connection per process, on a
throwaway redis-server of the test's own (its CLIENT LIST is the test's
alone, and it can be restarted)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest
import redis
import redis.asyncio as aioredis

from adapters.redis import RedisEventBus
from adapters.redis.client import connect
from gemini_core.errors import EventStreamLost, ServiceUnavailable
from gemini_core.ports import EventStream
from tests.contracts.events import created
from tests.support.throwaway_redis import ThrowawayRedis

pytestmark = pytest.mark.integration

PREFIX = "hub:"
WAIT = 5.0


def subscriptions(server: ThrowawayRedis) -> list[dict[str, str]]:
    """CLIENT LIST entries of the connections subscribed to a channel."""
    admin = redis.Redis.from_url(server.url)
    try:
        return [c for c in admin.client_list() if int(c["sub"]) > 0]
    finally:
        admin.close()


def connections(server: ThrowawayRedis) -> int:
    admin = redis.Redis.from_url(server.url)
    try:
        return len(admin.client_list()) - 1  # not this one
    finally:
        admin.close()


@pytest.fixture
async def client(throwaway_redis: ThrowawayRedis) -> AsyncIterator[aioredis.Redis]:
    # The options every process uses (adapters.redis.client).
    client = connect(throwaway_redis.url)
    yield client
    await client.aclose()


@pytest.fixture
async def bus(client: aioredis.Redis) -> AsyncIterator[RedisEventBus]:
    bus = RedisEventBus(client, PREFIX)
    yield bus
    await bus.aclose()


async def eventually_lost(stream: EventStream, patience: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + patience
    while asyncio.get_running_loop().time() < deadline:
        try:
            await stream.next(0.5)
        except EventStreamLost:
            return
    raise AssertionError("the stream was never lost")


async def test_fifty_streams_share_one_connection_subscribed_once_per_room(
    bus: RedisEventBus, throwaway_redis: ThrowawayRedis
) -> None:
    rooms = [uuid.uuid4() for _ in range(5)]
    streams = [await bus.subscribe(rooms[i % 5]) for i in range(50)]

    subscribed = subscriptions(throwaway_redis)
    assert len(subscribed) == 1, subscribed
    assert subscribed[0]["name"] == f"{PREFIX}events"
    assert subscribed[0]["sub"] == "5"
    # The request pool lent nothing to the streams.
    assert connections(throwaway_redis) <= 2

    event = created(rooms[0])
    await bus.publish(event)
    for stream in streams[::5]:
        assert await stream.next(WAIT) == event
    for stream in streams[1::5]:
        assert await stream.next(0.1) is None

    # A room's channel is left when its last stream closes, not before.
    for stream in streams[5:]:
        await stream.close()
    assert subscriptions(throwaway_redis)[0]["sub"] == "5"
    for stream in streams[1:5]:
        await stream.close()
    await asyncio.sleep(0.2)  # UNSUBSCRIBE is not waited for
    assert subscriptions(throwaway_redis)[0]["sub"] == "1"
    await bus.publish(event)
    assert await streams[0].next(WAIT) == event
    await streams[0].close()


async def test_after_a_redis_restart_open_streams_are_lost_and_new_ones_work(
    bus: RedisEventBus, throwaway_redis: ThrowawayRedis, caplog: pytest.LogCaptureFixture
) -> None:
    room = uuid.uuid4()
    before = await bus.subscribe(room)

    await asyncio.to_thread(throwaway_redis.restart, 1.0)

    # Events published while the subscription was down never reached it, so
    # the stream is lost (its client resumes from the database), not left
    # silently incomplete; the hub subscribes afresh for new streams.
    await eventually_lost(before)
    await before.close()
    after = await subscribe_when_back(bus, room)
    event = created(room)
    await bus.publish(event)
    assert await after.next(WAIT) == event
    await after.close()
    outage = [r for r in caplog.records if "lost their Redis subscription" in r.getMessage()]
    back = [r for r in caplog.records if "subscription again" in r.getMessage()]
    assert len(outage) == 1 and len(back) == 1, caplog.text


async def subscribe_when_back(bus: RedisEventBus, room: uuid.UUID) -> EventStream:
    for _ in range(100):
        with contextlib.suppress(ServiceUnavailable):
            return await bus.subscribe(room)
        await asyncio.sleep(0.1)
    raise AssertionError("subscribing never worked again")


async def test_a_paused_redis_refuses_new_streams_and_loses_open_ones_after(
    bus: RedisEventBus, throwaway_redis: ThrowawayRedis, caplog: pytest.LogCaptureFixture
) -> None:
    room = uuid.uuid4()
    before = await bus.subscribe(room)
    throwaway_redis.pause()
    try:
        # The hub hears no answer to its PINGs and gives the connection up;
        # until it has one again, new streams are refused at once.
        for _ in range(300):
            if "lost their Redis subscription" in caplog.text:
                break
            await asyncio.sleep(0.1)
        assert "lost their Redis subscription" in caplog.text
        with pytest.raises(ServiceUnavailable):
            await bus.subscribe(uuid.uuid4())
        assert await before.next(0.1) is None  # open streams wait
    finally:
        throwaway_redis.resume()
    await eventually_lost(before)
    await before.close()
    await (await subscribe_when_back(bus, room)).close()


async def test_closing_the_bus_closes_its_connection_and_loses_its_streams(
    client: aioredis.Redis, throwaway_redis: ThrowawayRedis
) -> None:
    bus = RedisEventBus(client, PREFIX)
    stream = await bus.subscribe(uuid.uuid4())
    assert len(subscriptions(throwaway_redis)) == 1

    await bus.aclose()

    with pytest.raises(EventStreamLost):
        await stream.next(0)
    await stream.close()
    assert subscriptions(throwaway_redis) == []
    with pytest.raises(ServiceUnavailable):
        await bus.subscribe(uuid.uuid4())
