"""Live message events over Redis pub/sub, one channel per chatroom."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence

import msgspec
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from adapters.redis.event_hub import PubSubHub
from adapters.redis.outage import OUTAGE_ERRORS, breaker_for
from gemini_core.ports import EventStream, MessageEvent

logger = logging.getLogger(__name__)

QUEUE_SIZE = 256


def dedicated_client(client: aioredis.Redis, name: str) -> aioredis.Redis:
    """A client like ``client`` with a pool of one connection of its own,
    named ``name`` in CLIENT LIST. It never retries or health-checks behind
    the hub's back: a reconnect there would resubscribe silently and hide
    the events missed in between."""
    pool = client.connection_pool
    options = {
        **pool.connection_kwargs,
        "health_check_interval": 0,
        "retry": Retry(NoBackoff(), 0),
        "client_name": re.sub(r"[^\x21-\x7e]", "_", name),
    }
    own = aioredis.ConnectionPool(
        connection_class=pool.connection_class, max_connections=1, **options
    )
    return aioredis.Redis(connection_pool=own)


# PUBLISH each (channel, message) pair of ARGV, in order. Channels are not
# keys, so the script declares none.
_PUBLISH_EACH = """
for i = 1, #ARGV, 2 do
  redis.call('PUBLISH', ARGV[i], ARGV[i + 1])
end
"""


class RedisEventBus:
    """``EventPublisher`` and ``EventSubscriber`` over Redis pub/sub.

    Events are msgpack-encoded ``MessageEvent``s on the channel
    ``{prefix}events:{chatroom_id}``. ``publish`` goes through ``client``'s
    pool and is best effort, as the port allows: a Redis error there is
    logged and swallowed, never raised. Subscriptions share one connection
    per bus (``event_hub.PubSubHub``, named ``{prefix}events``), outside
    ``client``'s pool, whatever the number of open streams; each stream
    queues up to ``queue_size`` events and is lost past that. ``subscribe``
    waits for Redis to confirm the SUBSCRIBE (up to ``subscribe_timeout``
    seconds) and raises an outage as ``ServiceUnavailable``. ``aclose``
    closes the connection. The client must return bytes
    (``decode_responses=False``).
    """

    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str = "gc:",
        *,
        subscribe_timeout: float = 5.0,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        if client.connection_pool.connection_kwargs.get("decode_responses"):
            raise ValueError("the event bus needs a client with decode_responses=False")
        self._client = client
        self._prefix = prefix
        self._publish_each = client.register_script(_PUBLISH_EACH)
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(MessageEvent)
        socket_timeout = client.connection_pool.connection_kwargs.get("socket_timeout")
        self._hub = PubSubHub(
            dedicated_client(client, f"{prefix}events"),
            self._decoder.decode,
            queue_size=queue_size,
            subscribe_timeout=subscribe_timeout,
            answer_timeout=min(socket_timeout or subscribe_timeout, subscribe_timeout),
            on_outage=breaker_for(client).failed,
            on_recovery=breaker_for(client).succeeded,
        )

    def _channel(self, chatroom_id: uuid.UUID) -> bytes:
        return f"{self._prefix}events:{chatroom_id}".encode()

    async def publish(self, event: MessageEvent) -> None:
        await self.publish_all((event,))

    async def publish_all(self, events: Sequence[MessageEvent]) -> None:
        breaker = breaker_for(self._client)
        if breaker.is_open or not events:
            return  # Redis is down: polling will show the messages
        try:
            if len(events) == 1:
                event = events[0]
                await self._client.publish(
                    self._channel(event.chatroom_id), self._encoder.encode(event)
                )
            else:
                # One EVALSHA for them all: one round trip, and none of a
                # redis-py pipeline's own cost in Python.
                pairs = [
                    part
                    for event in events
                    for part in (self._channel(event.chatroom_id), self._encoder.encode(event))
                ]
                await self._publish_each(args=pairs)
            breaker.succeeded()
        except Exception as exc:
            if isinstance(exc, OUTAGE_ERRORS):
                breaker.failed()
            logger.warning(
                "publishing %s failed; clients will see it by polling",
                ", ".join(f"{event.type} of message {event.message_id}" for event in events),
                exc_info=True,
            )

    async def subscribe(self, chatroom_id: uuid.UUID) -> EventStream:
        return await self._hub.subscribe(self._channel(chatroom_id))

    async def aclose(self) -> None:
        """Close the subscription connection; open streams are lost."""
        await self._hub.aclose()
