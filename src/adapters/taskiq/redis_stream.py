"""The production reply queue: a Redis stream that loses nothing and
outlives Redis's outages.

taskiq-redis's ``RedisStreamBroker`` reclaims messages a dead consumer left
unacknowledged only after it has read a new one, and its listen loop ends
(and the worker with it) at the first Redis error. This broker

- rides out stalls and restarts of any length: it retries with backoff,
  logs once when Redis stops answering (WARNING) and once when it answers
  again (INFO), and makes the consumer group again if Redis lost it;
- renews its claim on the entries it holds every ``redeliver_after / 5``
  seconds (XCLAIM ... JUSTID resets their idle time), so another worker
  reclaims (XAUTOCLAIM) only what a dead or stuck worker left silent for
  ``redeliver_after`` seconds, whether or not new messages arrive — a
  healthy slow reply is never handed to a second worker;
- reads no more than it has room for, so entries it cannot start yet stay
  in the stream for other workers;
- acknowledges with XACK and XDEL in one round trip (so the stream holds
  exactly the entries still waiting or being worked on), retries an
  acknowledgement that Redis was not there to take, and caps the stream at
  ``maxlen`` entries (approximate) as a last bound;
- acknowledges only a run that returned, that is a reply whose final write
  committed (or that had nothing to do): a run that raised leaves its
  entry unacknowledged and stops renewing it, so another worker reclaims
  it after ``redeliver_after`` (``UnfinishedRuns``);
- blocks on XREADGROUP for at most ``xread_block`` ms, so a stop request is
  noticed quickly.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from taskiq import AckableMessage, BrokerMessage
from taskiq_redis import RedisStreamBroker

from adapters.taskiq.outage import Outage
from adapters.taskiq.renewal import RenewalLoop, reset_idle_times
from adapters.taskiq.unfinished import UnfinishedRuns

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
# The listen loop also waits out what Redis answers while it cannot serve
# (LOADING, READONLY during a failover, BUSY): exiting would help nobody.
LISTEN_ERRORS = (RedisError, OSError)
RENEWALS_PER_SILENCE = 5
SCAN_BATCH = 1000
Entry = tuple[str, bytes]  # (entry id, the task message)


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def consumer_group_of(stream: str) -> str:
    """The workers' consumer group of a reply stream."""
    return f"{stream}:workers"


class ReclaimingRedisStreamBroker(RedisStreamBroker):
    """A ``RedisStreamBroker`` that keeps going through Redis outages and
    tells a dead worker's entries from a slow worker's (see the module)."""

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
            # message enqueued before the first worker ever started (or
            # before the group was made again) is seen.
            consumer_id="0",
            maxlen=maxlen,
            approximate=True,
            xread_block=xread_block_ms,
            idle_timeout=int(redeliver_after * 1000),
            **connection_kwargs,
        )
        self.reclaim_interval = reclaim_interval
        # Replies this process runs at most at once; reads never exceed the room left.
        self.capacity: int | None = None
        self._claimed: set[str] = set()  # read here and not yet acknowledged
        self._unacked: set[str] = set()  # finished; the acknowledgement found Redis down
        self._next_reclaim = 0.0
        self._outage = Outage()
        self._renewal = RenewalLoop(
            self._renew,
            redeliver_after / RENEWALS_PER_SILENCE,
            tolerated=(ResponseError, *OUTAGE_ERRORS),
        )
        self._unfinished = UnfinishedRuns()
        self.add_middlewares(self._unfinished)
        self._shared_client: Redis | None = None

    @property
    def in_flight(self) -> int:
        """Entries this process holds: being worked on, or about to be."""
        return len(self._claimed)

    async def startup(self) -> None:
        """Make the consumer group (if Redis answers: otherwise the listen
        loop makes it once it does) and, in a worker, start renewing claims."""
        try:
            await super().startup()
        except OUTAGE_ERRORS as exc:
            # Carry on: the listen loop waits for Redis and makes the group.
            self._outage.started(exc)
        if self.is_worker_process:
            self._renewal.start()

    async def shutdown(self) -> None:
        await self._renewal.stop()
        if self._shared_client is not None:
            # Only the client: the pool is the broker's, closed by super().
            await self._shared_client.aclose(close_connection_pool=False)
            self._shared_client = None
        await super().shutdown()

    def _client(self) -> Redis:
        """One client on the broker's pool, kept for the broker's life:
        taskiq-redis builds a new ``Redis`` per call, which was a tenth of the
        API's CPU per prompt in the profile, and 4 % of a worker's per ack."""
        if self._shared_client is None:
            self._shared_client = Redis(connection_pool=self.connection_pool)
        return self._shared_client

    async def kick(self, message: BrokerMessage) -> None:
        """XADD the message, as ``RedisStreamBroker.kick`` does."""
        await self._client().xadd(
            message.labels.get("queue_name") or self.queue_name,
            {b"data": message.message},
            maxlen=self.maxlen,
            approximate=self.approximate,
        )

    def _ack_generator(
        self, id: str, queue_name: str, task_id: str | None = None
    ) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            self._claimed.discard(id)  # no longer renewed
            if task_id is not None and self._unfinished.leave(task_id, id, self.idle_timeout):
                return
            try:
                await self._acknowledge(self._client(), id)
            except OUTAGE_ERRORS:
                self._unacked.add(id)  # the renewal loop tries again

        return ack

    async def _acknowledge(self, conn: Redis, entry_id: str) -> None:
        pipe = conn.pipeline(transaction=True)
        pipe.xack(self.queue_name, self.consumer_group_name, entry_id)
        pipe.xdel(self.queue_name, entry_id)
        try:
            await pipe.execute()
        except ResponseError as exc:
            # NOGROUP: Redis lost the stream; there is nothing left to acknowledge.
            logger.debug("acknowledging %s: %s", entry_id, exc)
        self._unacked.discard(entry_id)

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        buffered: deque[Entry] = deque()
        try:
            async with Redis(connection_pool=self.connection_pool) as conn:
                while True:
                    if not buffered:
                        await self._fetch(conn, buffered)
                        continue
                    entry_id, data = buffered.popleft()
                    ack = self._ack_generator(entry_id, self.queue_name, self._task_id(data))
                    yield AckableMessage(data=data, ack=ack)
        finally:
            # Read but never started here: leave them to the reclaim.
            for entry_id, _ in buffered:
                self._claimed.discard(entry_id)

    def _task_id(self, data: bytes) -> str | None:
        try:
            return self.formatter.loads(data).task_id
        except Exception:
            return None  # not a task: the receiver says so and acknowledges it

    async def _fetch(self, conn: Redis, into: deque[Entry]) -> None:
        """Reclaim (when due) and read new entries into ``into``, waiting
        out an outage."""
        try:
            await self._fetch_once(conn, into)
        except LISTEN_ERRORS as exc:
            await self._outage.wait_out(exc)
            return
        if self._outage.over():
            # Renewals could not reach Redis either: let every live worker
            # renew its claims before anything silent is taken as dead.
            self._renewal.soon()
            self._next_reclaim = time.monotonic() + 2 * self._renewal.interval

    async def _fetch_once(self, conn: Redis, into: deque[Entry]) -> None:
        try:
            if time.monotonic() >= self._next_reclaim:
                self._next_reclaim = time.monotonic() + self.reclaim_interval
                await self._reclaim(conn, into)
            if not into:
                await self._read(conn, into)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self._make_group_again()

    def _room(self) -> int:
        room = self.count or 100
        if self.capacity is not None:
            room = min(room, self.capacity - len(self._claimed))
        return max(1, room)

    async def _read(self, conn: Redis, into: deque[Entry]) -> None:
        fetched: Any = await conn.xreadgroup(
            self.consumer_group_name,
            self.consumer_name,
            {self.queue_name: ">"},
            block=self.block,
            count=self._room(),
        )
        for _stream, entries in fetched or []:
            for entry_id, fields in entries:
                self._hold(into, _text(entry_id), fields)

    async def _reclaim(self, conn: Redis, into: deque[Entry]) -> None:
        start: Any = "0-0"
        while True:
            result: Any = await conn.xautoclaim(
                self.queue_name,
                self.consumer_group_name,
                self.consumer_name,
                min_idle_time=self.idle_timeout,
                start_id=start,
                count=self._room(),
            )
            start, claimed = result[0], result[1]
            for entry_id, fields in claimed:
                if fields:  # else trimmed away meanwhile; nothing to run
                    logger.warning(
                        "reclaimed reply task %s, left by a stopped worker or unfinished",
                        _text(entry_id),
                    )
                    self._hold(into, _text(entry_id), fields)
            if _text(start) == "0-0" or len(into) >= self._room():
                return

    def _hold(self, into: deque[Entry], entry_id: str, fields: dict[bytes, bytes]) -> None:
        self._claimed.add(entry_id)
        into.append((entry_id, fields[b"data"]))

    async def _make_group_again(self) -> None:
        await self._declare_consumer_group()
        logger.warning(
            "the reply stream's consumer group was missing (Redis restarted without its "
            "data?); made it again. The sweep re-enqueues replies the stream lost"
        )

    async def _renew(self) -> None:
        """Acknowledge what could not be, then reset the idle time of every
        entry still held, so no other worker reclaims it."""
        async with Redis(connection_pool=self.connection_pool) as conn:
            for entry_id in list(self._unacked):
                await self._acknowledge(conn, entry_id)
            await reset_idle_times(
                conn, self.queue_name, self.consumer_group_name, self.consumer_name, self._claimed
            )

    async def entries(self) -> AsyncIterator[bytes]:
        """The data of every entry in the stream: waiting or being worked on
        (acknowledged entries are deleted)."""
        async with Redis(connection_pool=self.connection_pool) as conn:
            start = "-"
            while True:
                batch: Any = await conn.xrange(self.queue_name, start, "+", count=SCAN_BATCH)
                for _entry_id, fields in batch:
                    if b"data" in fields:
                        yield fields[b"data"]
                if len(batch) < SCAN_BATCH:
                    return
                start = "(" + _text(batch[-1][0])
