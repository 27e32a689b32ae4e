"""The reply queue over Taskiq: enqueue on the API side, run on the worker side."""

from __future__ import annotations

import uuid

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from taskiq import AsyncBroker, InMemoryBroker

from adapters.taskiq.redis_stream import ReclaimingRedisStreamBroker
from adapters.taskiq.reply_task import REPLY_TASK_NAME, ReplyRunner, generate_reply
from adapters.taskiq.request_id import RequestIdMiddleware
from gemini_core.errors import ServiceUnavailable


class TaskiqReplyQueue:
    """Enqueues ``generate_reply(reply_id)`` on its broker; the broker decides
    where the reply runs (in this process, or in a worker reading the stream).

    ``start`` must run before the first ``enqueue``: it creates the stream's
    consumer group (a group made later would never see earlier messages) and
    gives the task its runner.
    """

    def __init__(self, broker: AsyncBroker) -> None:
        self.broker = broker
        broker.add_middlewares(RequestIdMiddleware())  # the prompt's request id travels along
        self._task = broker.register_task(generate_reply, task_name=REPLY_TASK_NAME)

    async def enqueue(self, reply_id: uuid.UUID) -> None:
        try:
            await self._task.kiq(str(reply_id))
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise ServiceUnavailable("the reply queue is unavailable") from exc

    async def start(self, runner: ReplyRunner, *, worker: bool = False) -> None:
        """Start the broker; ``worker`` when this process runs the replies it reads."""
        self.broker.is_worker_process = worker
        self.broker.add_dependency_context({ReplyRunner: runner})
        await self.broker.startup()

    async def stop(self) -> None:
        await self.broker.shutdown()


def in_process_queue(max_in_flight: int) -> TaskiqReplyQueue:
    """The embedded default: replies run inside this process, on Taskiq's
    in-memory broker, ``max_in_flight`` at a time."""
    return TaskiqReplyQueue(InMemoryBroker(max_async_tasks=max_in_flight, await_inplace=False))


def redis_stream_queue(
    url: str,
    *,
    stream: str,
    redeliver_after: float,
    reclaim_interval: float,
    read_batch: int,
) -> TaskiqReplyQueue:
    """Production: a Redis stream read by ``gemini-clone worker`` processes."""
    return TaskiqReplyQueue(
        ReclaimingRedisStreamBroker(
            url,
            queue_name=stream,
            redeliver_after=redeliver_after,
            reclaim_interval=reclaim_interval,
            xread_count=read_batch,
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
        )
    )
