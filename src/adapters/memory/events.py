"""Live message events between tasks of one process."""

from __future__ import annotations

import asyncio
import logging
import uuid

from gemini_core.ports import EventStream, MessageEvent

logger = logging.getLogger(__name__)


class _QueueStream:
    def __init__(self, bus: InMemoryEventBus, chatroom_id: uuid.UUID, size: int) -> None:
        self._bus = bus
        self.chatroom_id = chatroom_id
        self.queue: asyncio.Queue[MessageEvent] = asyncio.Queue(maxsize=size)
        self.closed = False

    async def next(self, wait_seconds: float) -> MessageEvent | None:
        if self.closed:
            return None
        try:
            return self.queue.get_nowait()
        except asyncio.QueueEmpty:
            pass
        if wait_seconds <= 0:
            return None
        try:
            return await asyncio.wait_for(self.queue.get(), wait_seconds)
        except TimeoutError:
            return None

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._bus._unsubscribe(self)


class InMemoryEventBus:
    """``EventPublisher`` and ``EventSubscriber`` for one process.

    Each subscriber has its own queue of ``queue_size`` events. A subscriber
    that falls behind loses its oldest events, never blocking the publisher;
    the newest (a reply's final state comes last) is kept, and anything lost
    is recovered by polling.
    """

    def __init__(self, queue_size: int = 256) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._queue_size = queue_size
        self._streams: dict[uuid.UUID, set[_QueueStream]] = {}

    async def publish(self, event: MessageEvent) -> None:
        for stream in tuple(self._streams.get(event.chatroom_id, ())):
            if stream.queue.full():
                stream.queue.get_nowait()
                logger.debug("slow subscriber of chatroom %s lost an event", event.chatroom_id)
            stream.queue.put_nowait(event)

    async def subscribe(self, chatroom_id: uuid.UUID) -> EventStream:
        stream = _QueueStream(self, chatroom_id, self._queue_size)
        self._streams.setdefault(chatroom_id, set()).add(stream)
        return stream

    def _unsubscribe(self, stream: _QueueStream) -> None:
        streams = self._streams.get(stream.chatroom_id)
        if streams is not None:
            streams.discard(stream)
            if not streams:
                del self._streams[stream.chatroom_id]
