"""Live message events over Redis pub/sub, one channel per chatroom."""

from __future__ import annotations

import asyncio
import logging
import uuid

import msgspec
import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import TimeoutError as RedisTimeoutError

from adapters.redis.outage import (
    OUTAGE_ERRORS,
    breaker_for,
    outage_as_unavailable,
    unavailable_on_outage,
)
from gemini_core.ports import EventStream, MessageEvent

logger = logging.getLogger(__name__)


class _PubSubStream:
    """One subscription on its own connection. A Redis outage while reading
    or closing is raised as ``ServiceUnavailable`` (and opens the client's
    breaker); the open breaker itself does not stop a stream whose
    connection still works."""

    def __init__(
        self,
        client: aioredis.Redis,
        pubsub: PubSub,
        decoder: msgspec.msgpack.Decoder[MessageEvent],
    ) -> None:
        self._client = client
        self._pubsub = pubsub
        self._decoder = decoder
        self._closed = False

    async def next(self, wait_seconds: float) -> MessageEvent | None:
        if self._closed:
            return None
        with outage_as_unavailable(self._client):
            return await self._next(wait_seconds)

    async def _next(self, wait_seconds: float) -> MessageEvent | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            left = deadline - loop.time()
            message = await self._pubsub.get_message(
                ignore_subscribe_messages=True, timeout=max(0.0, left)
            )
            if message is not None and message["type"] == "message":
                try:
                    return self._decoder.decode(message["data"])
                except msgspec.DecodeError:
                    logger.warning("skipped an undecodable event on %r", message["channel"])
            if left <= 0:
                return None

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            with outage_as_unavailable(self._client):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py


class RedisEventBus:
    """``EventPublisher`` and ``EventSubscriber`` over Redis pub/sub.

    Events are msgpack-encoded ``MessageEvent``s on the channel
    ``{prefix}events:{chatroom_id}``. ``publish`` is best effort, as the port
    allows: a Redis error there is logged and swallowed, never raised.
    ``subscribe`` waits for Redis to confirm the SUBSCRIBE (up to
    ``subscribe_timeout`` seconds); it and the streams' ``next`` and
    ``close`` raise an outage (no confirmation in time included) as
    ``ServiceUnavailable``. Each stream holds its own connection until
    closed. The client must return bytes (``decode_responses=False``).
    """

    def __init__(
        self, client: aioredis.Redis, prefix: str = "gc:", *, subscribe_timeout: float = 5.0
    ) -> None:
        if client.connection_pool.connection_kwargs.get("decode_responses"):
            raise ValueError("the event bus needs a client with decode_responses=False")
        self._client = client
        self._prefix = prefix
        self._subscribe_timeout = subscribe_timeout
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(MessageEvent)

    def _channel(self, chatroom_id: uuid.UUID) -> str:
        return f"{self._prefix}events:{chatroom_id}"

    async def publish(self, event: MessageEvent) -> None:
        breaker = breaker_for(self._client)
        if breaker.is_open:
            return  # Redis is down: polling will show the message
        try:
            await self._client.publish(
                self._channel(event.chatroom_id), self._encoder.encode(event)
            )
            breaker.succeeded()
        except Exception as exc:
            if isinstance(exc, OUTAGE_ERRORS):
                breaker.failed()
            logger.warning(
                "publishing %s of message %s failed; clients will see it by polling",
                event.type,
                event.message_id,
                exc_info=True,
            )

    @unavailable_on_outage
    async def subscribe(self, chatroom_id: uuid.UUID) -> EventStream:
        pubsub = self._client.pubsub()
        try:
            await pubsub.subscribe(self._channel(chatroom_id))
            await self._confirmed(pubsub)
        except BaseException:
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
            raise
        return _PubSubStream(self._client, pubsub, self._decoder)

    async def _confirmed(self, pubsub: PubSub) -> None:
        # SUBSCRIBE only sends the command; Redis delivers events published
        # after it has answered, so wait for that answer before returning.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._subscribe_timeout
        while (left := deadline - loop.time()) > 0:
            reply = await pubsub.get_message(timeout=left)
            if reply is not None and reply["type"] == "subscribe":
                return
        raise RedisTimeoutError("Redis did not confirm the SUBSCRIBE in time")
