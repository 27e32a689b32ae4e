"""The production reply queue: a Redis stream that loses nothing.

taskiq-redis's ``RedisStreamBroker`` reclaims messages a dead consumer left
unacknowledged only after it has read a new one, so a crashed worker's reply
would wait for the next prompt. This broker reclaims on its own clock as
well, and deletes a message once acknowledged so the stream stays small.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

logger = logging.getLogger(__name__)


def consumer_group_of(stream: str) -> str:
    """The workers' consumer group of a reply stream."""
    return f"{stream}:workers"


class ReclaimingRedisStreamBroker(RedisStreamBroker):
    """A ``RedisStreamBroker`` that

    - reclaims (XAUTOCLAIM) entries idle longer than ``redeliver_after`` every
      ``reclaim_interval`` seconds, whether or not new messages arrive. The
      idle time must exceed a reply's whole budget, so a healthy slow reply
      is never handed to a second worker;
    - acknowledges with XACK and XDEL in one round trip, and caps the stream
      at ``maxlen`` entries (approximate) as a last bound;
    - blocks on XREADGROUP for at most ``xread_block`` ms, so a stop request is
      noticed quickly.
    """

    def __init__(
        self,
        url: str,
        *,
        queue_name: str,
        redeliver_after: float,
        reclaim_interval: float = 5.0,
        maxlen: int = 100_000,
        xread_block_ms: int = 1000,
        **connection_kwargs: Any,
    ) -> None:
        super().__init__(
            url,
            queue_name=queue_name,
            consumer_group_name=consumer_group_of(queue_name),
            # New consumer groups start at the beginning of the stream, so a
            # message enqueued before the first worker ever started is seen.
            consumer_id="0",
            maxlen=maxlen,
            approximate=True,
            xread_block=xread_block_ms,
            idle_timeout=int(redeliver_after * 1000),
            unacknowledged_lock_timeout=5.0,
            **connection_kwargs,
        )
        self.reclaim_interval = reclaim_interval

    def _ack_generator(self, id: str, queue_name: str) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            async with Redis(connection_pool=self.connection_pool) as conn:
                pipe = conn.pipeline(transaction=True)
                pipe.xack(queue_name, self.consumer_group_name, id)
                pipe.xdel(queue_name, id)
                await pipe.execute()

        return ack

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        async with Redis(connection_pool=self.connection_pool) as conn:
            next_reclaim = 0.0
            while True:
                if time.monotonic() >= next_reclaim:
                    next_reclaim = time.monotonic() + self.reclaim_interval
                    async for message in self._reclaim(conn):
                        yield message
                fetched: Any = await conn.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">"},
                    block=self.block,
                    count=self.count,
                )
                for stream, entries in fetched or []:
                    for entry_id, fields in entries:
                        yield AckableMessage(
                            data=fields[b"data"],
                            ack=self._ack_generator(id=entry_id, queue_name=stream),
                        )

    async def _reclaim(self, conn: Redis) -> AsyncGenerator[AckableMessage, None]:
        start = "0-0"
        while True:
            result: Any = await conn.xautoclaim(
                self.queue_name,
                self.consumer_group_name,
                self.consumer_name,
                min_idle_time=self.idle_timeout,
                start_id=start,
                count=self.unacknowledged_batch_size,
            )
            start, claimed = result[0], result[1]
            for entry_id, fields in claimed:
                if not fields:  # trimmed away meanwhile; nothing to run
                    continue
                logger.warning("reclaimed reply task %s left by a stopped worker", entry_id)
                yield AckableMessage(
                    data=fields[b"data"],
                    ack=self._ack_generator(id=entry_id, queue_name=self.queue_name),
                )
            if start in (b"0-0", "0-0"):
                return
