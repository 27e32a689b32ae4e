"""EventStreams: who may open a chatroom's live event stream, how many, and
what a client that reconnects with its last event id gets first."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from gemini_core.errors import ValidationFailed
from gemini_core.model import Message, MessageStatus, Role
from gemini_core.ports import (
    Clock,
    EventSubscriber,
    MessageEvent,
    MessageEventType,
    StreamSlots,
    UnitOfWorkFactory,
)
from gemini_core.services.auth import AuthService
from gemini_core.services.chat import ChatService
from gemini_core.services.live_stream import (
    LATEST_MICROS,
    LiveStream,
    StreamEvent,
    from_micros,
)
from gemini_core.services.stream_limits import StreamPlaces

__all__ = ["EVENT_ID_PATTERN", "EventStreams", "LiveStream", "StreamEvent", "parse_event_id"]

MAX_EVENT_STREAMS_PER_USER = 10
MAX_EVENT_STREAMS_PER_PROCESS = 1000
# How often an idle stream re-checks its token (it also does before each event).
CHECK_SECONDS = 5.0
# A resumed stream sends the state of every message that changed within this
# much before its last event id (or is still pending): times come from the
# clocks of several processes, and events reach a stream a little after the
# change they report. Sending a state twice is harmless; missing one is not.
RESUME_MARGIN = timedelta(seconds=30)
# The most messages a resumed stream sends from the database; a client away
# for longer than that many messages reloads the history.
CATCH_UP_LIMIT = 100

EVENT_ID_PATTERN = "^[0-9]{1,18}$"
_EVENT_ID = re.compile(EVENT_ID_PATTERN)


def parse_event_id(raw: str) -> int:
    """An event id a client sends back (``Last-Event-ID``), or ``ValidationFailed``.
    Any 1-18 digit number is taken: one later than any moment means nothing missed."""
    value = raw.strip()
    if not _EVENT_ID.match(value):
        raise ValidationFailed.for_field("Last-Event-ID", "must be the id of an event received")
    return min(int(value), LATEST_MICROS)


def _state_event(message: Message) -> MessageEvent:
    """A stored message as the event that reports its current state."""
    kind: MessageEventType = "message.created"
    if message.role is Role.MODEL and message.status is MessageStatus.COMPLETED:
        kind = "message.completed"
    elif message.status is MessageStatus.FAILED:
        kind = "message.failed"
    elif message.status is MessageStatus.CANCELLED:
        kind = "message.cancelled"
    return MessageEvent(
        type=kind, chatroom_id=message.chatroom_id, message_id=message.id, message=message
    )


def _changed_since(message: Message, since: datetime) -> bool:
    return (
        message.status is MessageStatus.PENDING
        or message.created_at >= since
        or (message.completed_at is not None and message.completed_at >= since)
    )


class EventStreams:
    """Live event streams of chatrooms.

    A stream is opened with the caller's access token and ends when the
    token stops holding (revoked by a password change or reset, or expired).
    A user holds at most ``per_user`` streams across every API process, a
    process at most ``per_process`` of anyone's. A stream opened with the id
    of the last event a client received (``after``) first sends the state of
    the room's messages that changed since, read from the database after the
    live subscription started, so nothing falls between the two.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        auth: AuthService,
        chat: ChatService,
        subscriber: EventSubscriber,
        slots: StreamSlots,
        clock: Clock,
        per_user: int = MAX_EVENT_STREAMS_PER_USER,
        per_process: int = MAX_EVENT_STREAMS_PER_PROCESS,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self._uow = uow
        self._auth = auth
        self._chat = chat
        self._subscriber = subscriber
        self._clock = clock
        self._places = StreamPlaces(slots, per_user=per_user, per_process=per_process)
        self._check_seconds = check_seconds

    @property
    def open_here(self) -> int:
        """Streams open in this process now."""
        return self._places.process_open

    async def open(
        self, access_token: str, room_id: uuid.UUID, *, after: str | None = None
    ) -> LiveStream:
        """The room's stream for the token's user. ``Unauthorized`` for a bad
        token, ``NotFound`` unless the room is theirs, ``ValidationFailed``
        for an ``after`` this server never sent, ``TooManyStreams`` past the
        user's limit, ``StreamCapacityReached`` past this process's."""
        after_id = parse_event_id(after) if after is not None else None
        principal = await self._auth.identify(access_token)
        user_id = principal.user.id
        await self._chat.require_room(user_id, room_id)
        place = await self._places.take(user_id)
        try:
            events = await self._subscriber.subscribe(room_id)
            try:
                # Read after subscribing: a change lands in one or the other.
                backlog = [] if after_id is None else await self._missed(user_id, room_id, after_id)
            except BaseException:
                await events.close()
                raise
        except BaseException:
            await place.give_back()
            raise
        return LiveStream(
            events=events,
            place=place,
            authorize=lambda: self._auth.identify(access_token),
            clock=self._clock,
            backlog=backlog,
            after_id=after_id or 0,
            expires_at=principal.expires_at,
            check_seconds=self._check_seconds,
        )

    async def _missed(
        self, user_id: uuid.UUID, room_id: uuid.UUID, after_id: int
    ) -> list[MessageEvent]:
        """The state of each message that changed since event ``after_id``
        (or is pending), oldest first; then the room's name (``room.renamed``)
        when it changed since."""
        since = from_micros(after_id) - RESUME_MARGIN
        async with self._uow() as uow:
            latest = await uow.messages.list_page(room_id, CATCH_UP_LIMIT, None)
            room = await uow.chatrooms.get(user_id, room_id)
        missed = [_state_event(m) for m in reversed(latest) if _changed_since(m, since)]
        if room is not None and room.updated_at > room.created_at and room.updated_at >= since:
            missed.append(MessageEvent(type="room.renamed", chatroom_id=room_id, room=room))
        return missed
