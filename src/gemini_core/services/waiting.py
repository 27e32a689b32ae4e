"""ReplyWatcher: wait for a reply to be final, for callers without a stream."""

from __future__ import annotations

import uuid

from gemini_core.errors import EventStreamLost, NotFound
from gemini_core.model import Message, MessageStatus
from gemini_core.ports import EventStream, EventSubscriber, UnitOfWorkFactory

RECHECK_SECONDS = 5.0


class ReplyWatcher:
    """Waits on the room's live events (no polling), so a library user can
    ``await`` an answer the way a browser watches ``/events``."""

    def __init__(self, *, uow: UnitOfWorkFactory, subscriber: EventSubscriber) -> None:
        self._uow = uow
        self._subscriber = subscriber

    async def wait(self, user_id: uuid.UUID, reply_id: uuid.UUID) -> Message:
        """The reply once final (completed, failed or cancelled); ``NotFound`` when it is not the
        user's. It waits as long as it takes: bound it with ``asyncio.timeout``."""
        reply = await self._own_message(user_id, reply_id)
        if reply.status is not MessageStatus.PENDING:
            return reply
        while True:
            stream = await self._subscriber.subscribe(reply.chatroom_id)
            try:
                return await self._watch(stream, user_id, reply_id)
            except EventStreamLost:
                continue  # subscribe again; the stored reply is read first
            finally:
                await stream.close()

    async def _watch(self, stream: EventStream, user_id: uuid.UUID, reply_id: uuid.UUID) -> Message:
        # Read again after subscribing (the reply may have ended in between),
        # and whenever the room is quiet for a while: live events are best
        # effort, the stored reply is the truth.
        reply = await self._own_message(user_id, reply_id)
        while reply.status is MessageStatus.PENDING:
            event = await stream.next(RECHECK_SECONDS)
            if event is None:
                reply = await self._own_message(user_id, reply_id)
            elif event.message_id == reply_id and event.message is not None:
                reply = event.message
        return reply

    async def _own_message(self, user_id: uuid.UUID, message_id: uuid.UUID) -> Message:
        async with self._uow(autocommit=True) as uow:
            message = await uow.messages.get(message_id)
        if message is None or message.user_id != user_id:
            raise NotFound("message not found")
        return message
