"""Contract of ``EventPublisher`` + ``EventSubscriber``: live chatroom events.

A subclass provides, as ``bus``, one adapter that implements both ports,
built so that each stream queues ``QUEUE_SIZE`` events at most.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Protocol

import pytest

from gemini_core.errors import EventStreamLost
from gemini_core.model import Message, MessageStatus, Role
from gemini_core.ports import EventPublisher, EventSubscriber, MessageEvent

WAIT = 2.0
QUEUE_SIZE = 8


class EventBus(EventPublisher, EventSubscriber, Protocol):
    pass


def created(chatroom_id: uuid.UUID, content: str = "hello") -> MessageEvent:
    message = Message(
        id=uuid.uuid4(),
        chatroom_id=chatroom_id,
        user_id=uuid.uuid4(),
        role=Role.MODEL,
        content=content,
        status=MessageStatus.PENDING,
        created_at=datetime(2030, 1, 1, 12, 0, tzinfo=UTC),
    )
    return MessageEvent(
        type="message.created", chatroom_id=chatroom_id, message_id=message.id, message=message
    )


def delta(chatroom_id: uuid.UUID, message_id: uuid.UUID, text: str) -> MessageEvent:
    return MessageEvent(
        type="message.delta", chatroom_id=chatroom_id, message_id=message_id, text=text
    )


class EventBusContract:
    async def test_subscriber_receives_what_is_published_after(self, bus: EventBus) -> None:
        room = uuid.uuid4()
        stream = await bus.subscribe(room)
        event = created(room)

        await bus.publish(event)

        received = await stream.next(WAIT)
        assert received == event
        assert received is not None
        assert received.message is not None
        assert received.message.content == "hello"
        await stream.close()

    async def test_events_arrive_in_order(self, bus: EventBus) -> None:
        room = uuid.uuid4()
        stream = await bus.subscribe(room)
        message_id = uuid.uuid4()
        events = [delta(room, message_id, text) for text in ("a", "b", "c")]

        for event in events:
            await bus.publish(event)

        assert [await stream.next(WAIT) for _ in events] == events
        await stream.close()

    async def test_events_published_together_arrive_in_order_in_their_rooms(
        self, bus: EventBus
    ) -> None:
        room, other = uuid.uuid4(), uuid.uuid4()
        here, there = await bus.subscribe(room), await bus.subscribe(other)
        try:
            events = [created(room, "a"), created(other, "b"), created(room, "c")]
            await bus.publish_all(events)
            assert [await here.next(WAIT), await here.next(WAIT)] == [events[0], events[2]]
            assert await there.next(WAIT) == events[1]
            assert await here.next(0.2) is None
        finally:
            await here.close()
            await there.close()

    async def test_other_chatrooms_events_are_not_received(self, bus: EventBus) -> None:
        room, other = uuid.uuid4(), uuid.uuid4()
        stream = await bus.subscribe(room)
        mine = created(room)

        await bus.publish(created(other))
        await bus.publish(mine)

        assert await stream.next(WAIT) == mine
        assert await stream.next(0.2) is None
        await stream.close()

    async def test_every_subscriber_of_a_room_receives(self, bus: EventBus) -> None:
        room = uuid.uuid4()
        first, second = await bus.subscribe(room), await bus.subscribe(room)
        event = created(room)

        await bus.publish(event)

        assert await first.next(WAIT) == event
        assert await second.next(WAIT) == event
        await first.close()
        await second.close()

    async def test_next_returns_none_after_waiting_in_vain(self, bus: EventBus) -> None:
        stream = await bus.subscribe(uuid.uuid4())
        loop = asyncio.get_running_loop()
        started = loop.time()

        assert await stream.next(0.2) is None

        assert loop.time() - started >= 0.15
        await stream.close()

    async def test_publish_without_subscribers_is_fine(self, bus: EventBus) -> None:
        await bus.publish(created(uuid.uuid4()))

    async def test_closed_stream_receives_nothing(self, bus: EventBus) -> None:
        room = uuid.uuid4()
        closed = await bus.subscribe(room)
        still_open = await bus.subscribe(room)

        await closed.close()
        await closed.close()
        event = created(room)
        await bus.publish(event)

        assert await closed.next(0.1) is None
        assert await still_open.next(WAIT) == event
        await still_open.close()

    async def test_a_stream_that_falls_behind_is_lost_and_slows_no_other(
        self, bus: EventBus
    ) -> None:
        room = uuid.uuid4()
        slow, reader = await bus.subscribe(room), await bus.subscribe(room)
        message_id = uuid.uuid4()
        events = [delta(room, message_id, str(i)) for i in range(2 * QUEUE_SIZE)]

        received = []
        for batch in (events[:QUEUE_SIZE], events[QUEUE_SIZE:]):
            for event in batch:
                await bus.publish(event)
            received += [await reader.next(WAIT) for _ in batch]

        # The reader got every event, in order; the slow stream is not
        # thinned (a resumed client must trust that nothing before its last
        # id was skipped): it is lost, every call says so, and it closes.
        assert received == events
        for _ in range(2):
            with pytest.raises(EventStreamLost):
                await slow.next(WAIT)
        await slow.close()
        assert await slow.next(0) is None
        await reader.close()
