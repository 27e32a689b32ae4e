"""The reply stream's broker and queue against the shared Redis (a prefix
of the test's own): what the sweep asks it, and the claim renewal."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from adapters.taskiq import ReclaimingRedisStreamBroker, TaskiqReplyQueue, redis_stream_queue

pytestmark = pytest.mark.integration


class Idle:
    async def generate(self, reply_id: uuid.UUID) -> None: ...


@pytest.fixture
async def queue(
    redis_server_url: str, redis_prefix: str, redis_client: aioredis.Redis
) -> AsyncIterator[TaskiqReplyQueue]:
    queue = redis_stream_queue(
        redis_server_url,
        stream=f"{redis_prefix}replies",
        redeliver_after=3.0,
        reclaim_interval=1.0,
        read_batch=10,
    )
    await queue.start(Idle(), worker=True, capacity=10)
    try:
        yield queue
    finally:
        await queue.stop()


async def test_the_queue_holds_what_waits_or_runs_and_not_what_was_acknowledged(
    queue: TaskiqReplyQueue,
) -> None:
    waiting, running, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await queue.enqueue(running)
    await queue.enqueue(waiting)
    messages = queue.broker.listen()
    first = await anext(messages)  # read: being worked on
    assert await queue.holding([waiting, running, other]) == {waiting, running}
    assert queue.in_flight >= 1
    await first.ack()  # type: ignore[misc]
    assert await queue.holding([waiting, running]) == {waiting}
    await messages.aclose()


async def test_a_live_worker_keeps_its_claims_fresh(
    queue: TaskiqReplyQueue, redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    broker = queue.broker
    assert isinstance(broker, ReclaimingRedisStreamBroker)
    await queue.enqueue(uuid.uuid4())
    messages = broker.listen()
    message = await anext(messages)
    await asyncio.sleep(2.0)  # well past the renewal interval (3 s / 5)
    pending = await redis_client.xpending_range(
        f"{redis_prefix}replies", f"{redis_prefix}replies:workers", "-", "+", 10
    )
    assert len(pending) == 1
    # Without renewals it would have been idle for the whole 2 s.
    assert pending[0]["time_since_delivered"] < 1500, pending
    await message.ack()  # type: ignore[misc]
    assert await redis_client.xlen(f"{redis_prefix}replies") == 0
    await messages.aclose()
