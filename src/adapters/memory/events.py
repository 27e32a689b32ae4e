"""Live message events between tasks of one process."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from gemini_core.event_queue import QueuedEventStream
from gemini_core.ports import EventStream, MessageEvent


class InMemoryEventBus:
    """``EventPublisher`` and ``EventSubscriber`` for one process.

    Each subscriber has its own queue of ``queue_size`` events, so a slow one
    never blocks the publisher or the other subscribers; one that falls that
    far behind is lost (``EventStreamLost``) rather than silently thinned,
    and its reader catches up from the database.
    """

    def __init__(self, queue_size: int = 256) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._queue_size = queue_size
        self._streams: dict[uuid.UUID, dict[QueuedEventStream, None]] = {}
        self._rooms: dict[QueuedEventStream, uuid.UUID] = {}

    async def publish(self, event: MessageEvent) -> None:
        for stream in tuple(self._streams.get(event.chatroom_id, ())):
            stream.offer(event)

    async def publish_all(self, events: Sequence[MessageEvent]) -> None:
        for event in events:
            await self.publish(event)

    async def subscribe(self, chatroom_id: uuid.UUID) -> EventStream:
        stream = QueuedEventStream(self._queue_size, self._unsubscribe)
        self._streams.setdefault(chatroom_id, {})[stream] = None
        self._rooms[stream] = chatroom_id
        return stream

    async def _unsubscribe(self, stream: QueuedEventStream) -> None:
        room = self._rooms.pop(stream, None)
        if room is None:
            return
        streams = self._streams[room]
        del streams[stream]
        if not streams:
            del self._streams[room]

    async def aclose(self) -> None:
        """Lose every open stream: the process is stopping."""
        for stream in tuple(self._rooms):
            stream.lose("the server is shutting down")
