"""The reply queue over Taskiq: enqueue on the API side, run on the worker side."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
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
        # In process: the replies enqueued here and not yet run to the end.
        self._local: set[uuid.UUID] = set()

    @property
    def _stream(self) -> ReclaimingRedisStreamBroker | None:
        broker = self.broker
        return broker if isinstance(broker, ReclaimingRedisStreamBroker) else None

    async def enqueue(self, reply_id: uuid.UUID) -> None:
        if self._stream is None:
            self._local.add(reply_id)
        try:
            await self._task.kiq(str(reply_id))
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            self._local.discard(reply_id)
            raise ServiceUnavailable("the reply queue is unavailable") from exc

    async def holding(self, reply_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of ``reply_ids`` waiting in the queue or being run: in the
        stream (every process sees it), or in this process's own queue."""
        wanted = set(reply_ids)
        stream = self._stream
        if stream is None:
            return wanted & self._local
        held: set[uuid.UUID] = set()
        try:
            async for data in stream.entries():
                reply_id = self._reply_of(data)
                if reply_id in wanted:
                    held.add(reply_id)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise ServiceUnavailable("the reply queue is unavailable") from exc
        return held

    def _reply_of(self, data: bytes) -> uuid.UUID | None:
        try:
            message = self.broker.formatter.loads(data)
            return uuid.UUID(str(message.args[0]))
        except Exception:
            return None  # not a reply task: nothing the sweep looks for

    @property
    def in_flight(self) -> int:
        """Replies this process is working on (or has read and is about to)."""
        stream = self._stream
        return len(self._local) if stream is None else stream.in_flight

    async def start(
        self, runner: ReplyRunner, *, worker: bool = False, capacity: int | None = None
    ) -> None:
        """Start the broker; ``worker`` when this process runs the replies it
        reads, at most ``capacity`` at once."""
        self.broker.is_worker_process = worker
        if self._stream is not None:
            self._stream.capacity = capacity
        else:
            runner = _Tracking(runner, self._local)
        self.broker.add_dependency_context({ReplyRunner: runner})
        await self.broker.startup()

    async def stop(self) -> None:
        await self.broker.shutdown()


class _Tracking:
    """A runner that forgets a reply once it has run (in process)."""

    def __init__(self, runner: ReplyRunner, running: set[uuid.UUID]) -> None:
        self._runner = runner
        self._running = running

    async def generate(self, reply_id: uuid.UUID) -> None:
        try:
            await self._runner.generate(reply_id)
        finally:
            self._running.discard(reply_id)


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
            # A restarted Redis leaves every pooled connection dead: one
            # retry on a fresh connection, or the first enqueue after the
            # restart would fail its prompt.
            retry=Retry(
                ExponentialBackoff(cap=0.2, base=0.02),
                retries=1,
                supported_errors=(RedisConnectionError,),
            ),
        )
    )
