"""One Redis pub/sub connection per process, shared by all of its event streams.

A stream used to hold a connection of the request pool for as long as it
was open, so one user holding the pool's worth of streams starved every
request of the process. The hub holds one connection of its own instead (a
pool of one, outside the request pool), subscribes to a room's channel when
the room's first stream opens and unsubscribes when its last one closes,
and a reader task fans each message out to the streams' bounded queues: a
slow stream is lost (``EventStreamLost``), never a brake on the others.

Redis outages: the reader notices a broken or silent connection (it PINGs
every ``ping_seconds``), logs once, and reconnects with backoff. Streams
open during the outage stay open; once the hub is connected again they are
lost, because events published in between never reached them, and their
clients catch up by reconnecting with their last event id. New streams are
refused with ``ServiceUnavailable`` until the hub is connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import TimeoutError as RedisTimeoutError

from gemini_core.errors import ServiceUnavailable
from gemini_core.event_queue import QueuedEventStream
from gemini_core.ports import MessageEvent

logger = logging.getLogger(__name__)

PING_SECONDS = 2.0
FIRST_RETRY_SECONDS = 0.1
MAX_RETRY_SECONDS = 5.0
_PING = b"event-hub"


class PubSubHub:
    """The subscriptions of one process. ``client`` is the dedicated client
    (its pool of one connection is the hub's alone); ``on_outage`` runs
    when the connection fails and ``on_recovery`` when it is made again
    (the bus opens and closes its client's breaker there)."""

    def __init__(
        self,
        client: aioredis.Redis,
        decode: Callable[[bytes], MessageEvent],
        *,
        queue_size: int,
        subscribe_timeout: float,
        answer_timeout: float,
        on_outage: Callable[[], None] = lambda: None,
        on_recovery: Callable[[], None] = lambda: None,
        ping_seconds: float = PING_SECONDS,
    ) -> None:
        self._client = client
        self._decode = decode
        self._queue_size = queue_size
        self._subscribe_timeout = subscribe_timeout
        self._answer_timeout = answer_timeout
        self._on_outage = on_outage
        self._on_recovery = on_recovery
        self._ping_seconds = ping_seconds
        self._pubsub: PubSub | None = None
        self._runner: asyncio.Task[None] | None = None
        self._attempt = asyncio.Event()  # set after each connection attempt ends
        self._closed = False
        self._last_error: BaseException | None = None
        self._outage_since: float | None = None
        # channel -> its streams; stream -> its channel
        self._members: dict[bytes, dict[QueuedEventStream, None]] = {}
        self._channel_of: dict[QueuedEventStream, bytes] = {}
        # The SUBSCRIBE of each channel's current members, and every
        # SUBSCRIBE still unanswered in the order sent (Redis answers in order).
        self._confirmed: dict[bytes, asyncio.Future[bool]] = {}
        self._unanswered: dict[bytes, deque[asyncio.Future[bool]]] = {}
        # Streams that were open when the connection broke: lost on recovery.
        self._stale: dict[QueuedEventStream, None] = {}

    @property
    def open_streams(self) -> int:
        return len(self._channel_of) + len(self._stale)

    async def subscribe(self, channel: bytes) -> QueuedEventStream:
        """A stream of ``channel``'s events published after this returns;
        ``ServiceUnavailable`` when Redis cannot be reached or does not
        confirm the subscription within ``subscribe_timeout``."""
        await self._until_connected()
        stream = QueuedEventStream(self._queue_size, self._release)
        members = self._members.setdefault(channel, {})
        members[stream] = None
        self._channel_of[stream] = channel
        try:
            await self._confirm(channel, first=len(members) == 1)
        except BaseException:
            await stream.close()
            raise
        return stream

    async def _until_connected(self) -> None:
        if self._closed:
            raise ServiceUnavailable("the server is shutting down")
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name="redis-event-hub")
        if self._pubsub is None and self._outage_since is None:
            # The first connection is being made: wait for it, briefly.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._attempt.wait(), self._subscribe_timeout)
        if self._pubsub is None:
            error = self._last_error or RedisTimeoutError("no connection to Redis in time")
            raise ServiceUnavailable("Redis is unavailable") from error

    async def _confirm(self, channel: bytes, *, first: bool) -> None:
        pubsub = self._pubsub
        assert pubsub is not None
        if first:
            answer = asyncio.get_running_loop().create_future()
            self._confirmed[channel] = answer
            self._unanswered.setdefault(channel, deque()).append(answer)
            try:
                await pubsub.subscribe(channel)
            except Exception as exc:
                raise ServiceUnavailable("Redis is unavailable") from exc
        answer = self._confirmed[channel]
        try:
            # Shielded: one waiter giving up must not cancel the others' answer.
            confirmed = await asyncio.wait_for(asyncio.shield(answer), self._subscribe_timeout)
        except TimeoutError:
            raise ServiceUnavailable("Redis did not confirm the subscription in time") from None
        if not confirmed:
            raise ServiceUnavailable("the event subscription broke") from self._last_error

    async def _release(self, stream: QueuedEventStream) -> None:
        self._stale.pop(stream, None)
        channel = self._channel_of.pop(stream, None)
        if channel is None:
            return
        members = self._members[channel]
        del members[stream]
        if members:
            return
        del self._members[channel]
        self._confirmed.pop(channel, None)
        if self._pubsub is not None:
            try:
                await self._pubsub.unsubscribe(channel)
            except Exception:
                # The reader notices the broken connection and starts afresh.
                logger.debug("UNSUBSCRIBE of %r failed", channel, exc_info=True)

    # -- the reader ---------------------------------------------------------

    async def _run(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while not self._closed:
            try:
                await self._connect()
                delay = FIRST_RETRY_SECONDS
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._failed(exc)
            finally:
                await self._disconnect()
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    async def _connect(self) -> None:
        pubsub = self._client.pubsub()
        try:
            await pubsub.connect()  # type: ignore[no-untyped-call]  # untyped in redis-py
            await pubsub.ping(_PING)
            answer = await pubsub.get_message(timeout=self._answer_timeout)
            if answer is None or answer["type"] != "pong":
                raise RedisTimeoutError("Redis did not answer the event subscription's PING")
        except BaseException:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
            self._attempt.set()
            raise
        self._pubsub = pubsub
        self._attempt.set()
        self._recovered()

    async def _read(self) -> None:
        pubsub = self._pubsub
        assert pubsub is not None
        loop = asyncio.get_running_loop()
        heard = pinged = loop.time()
        while True:
            message = await pubsub.get_message(timeout=self._ping_seconds)
            now = loop.time()
            if message is not None:
                heard = now
                self._dispatch(message)
            if now - pinged >= self._ping_seconds:
                await pubsub.ping(_PING)
                pinged = now
            if now - heard > 2 * self._ping_seconds + self._answer_timeout:
                raise RedisTimeoutError("Redis stopped answering the event subscription")

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind, channel = message["type"], message["channel"]
        if kind == "message":
            members = self._members.get(channel)
            if not members:
                return  # an event that was on its way as the last stream left
            try:
                event = self._decode(message["data"])
            except msgspec.DecodeError:
                logger.warning("skipped an undecodable event on %r", channel)
                return
            for stream in tuple(members):
                stream.offer(event)
        elif kind == "subscribe":
            waiting = self._unanswered.get(channel)
            if waiting:
                answer = waiting.popleft()
                if not waiting:
                    del self._unanswered[channel]
                if not answer.done():
                    answer.set_result(True)

    async def _disconnect(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        self._attempt.clear()
        for waiting in self._unanswered.values():
            for answer in waiting:
                if not answer.done():
                    answer.set_result(False)
        self._unanswered.clear()
        self._confirmed.clear()
        self._members.clear()
        self._stale.update(dict.fromkeys(self._channel_of))
        self._channel_of.clear()
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py

    def _failed(self, error: Exception) -> None:
        self._last_error = error
        self._on_outage()
        if self._outage_since is None:
            self._outage_since = asyncio.get_running_loop().time()
            logger.warning(
                "live events lost their Redis subscription (%s: %s); %d open streams wait for "
                "it to come back, new streams are refused until then",
                type(error).__name__,
                error,
                self.open_streams,
            )

    def _recovered(self) -> None:
        self._last_error = None
        self._on_recovery()
        stale, self._stale = tuple(self._stale), {}
        for stream in stale:
            stream.lose("the server's event subscription was interrupted")
        if self._outage_since is not None:
            down = asyncio.get_running_loop().time() - self._outage_since
            self._outage_since = None
            logger.warning(
                "live events have their Redis subscription again after %.1f s; %d streams "
                "that may have missed events were closed, their clients catch up",
                down,
                len(stale),
            )

    async def aclose(self) -> None:
        """Stop the reader and close the connection; open streams are lost."""
        self._closed = True
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        for stream in (*self._stale, *self._channel_of):
            stream.lose("the server is shutting down")
        await self._client.aclose()
        await self._client.connection_pool.disconnect()
