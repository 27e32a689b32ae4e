"""Ports of the live events of chatrooms: publishing and subscribing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal, Protocol

import msgspec

from gemini_core.model import Chatroom, Message

MessageEventType = Literal[
    "message.created",
    "message.delta",
    "message.completed",
    "message.failed",
    "message.cancelled",
    "room.renamed",
]
"""Every kind of live event: a new message, a chunk of a reply's text, a
reply's final state (the message carries it; ``message.cancelled`` is a reply
stopped by its user, with the text written so far), and a room's new name
(the room does)."""


class MessageEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A live event of a chatroom; ``message`` is set on message events but
    deltas, which carry the new chunk in ``text`` and when it was made in
    ``at``; ``room.renamed`` carries the room as stored in ``room`` and no
    message id."""

    type: MessageEventType
    chatroom_id: uuid.UUID
    message_id: uuid.UUID | None = None
    message: Message | None = None
    text: str | None = None
    at: datetime | None = None
    room: Chatroom | None = None


class EventPublisher(Protocol):
    """The sending end of live message events."""

    async def publish(self, event: MessageEvent) -> None:
        """Best effort: a lost live event is recovered by polling."""
        ...

    async def publish_all(self, events: Sequence[MessageEvent]) -> None:
        """``publish`` each of ``events``, in order, at once (one round trip
        where the adapter can); best effort like ``publish``."""
        ...


class EventStream(Protocol):
    """One subscription to a chatroom's live events, in publishing order.
    Events are never silently skipped: a stream that cannot deliver them all
    (it fell its adapter's queue behind, or the subscription broke) is lost."""

    async def next(self, wait_seconds: float) -> MessageEvent | None:
        """The next event, or None when ``wait_seconds`` pass without one;
        ``EventStreamLost`` once the stream is lost (the events it missed
        are in the database)."""
        ...

    async def close(self) -> None:
        """End the subscription and free what it holds; safe to call twice,
        and ``next`` returns None afterwards."""
        ...


class EventSubscriber(Protocol):
    """The listening end of live message events, per chatroom."""

    async def subscribe(self, chatroom_id: uuid.UUID) -> EventStream:
        """Start listening; events published after this returns are seen."""
        ...


class EventBus(EventPublisher, EventSubscriber, Protocol):
    """Both ends of live events: one adapter serves both, so what one process
    publishes its subscribers (and other processes') see."""
