"""Ending a reply failed or cancelled: one conditional write, the quota
given back at most once, and the final event."""

from __future__ import annotations

import logging

import msgspec

from gemini_core.model import Message, MessageStatus
from gemini_core.ports import (
    Clock,
    EventPublisher,
    MessageEvent,
    MessageEventType,
    ReplyQueue,
    UnitOfWorkFactory,
)
from gemini_core.services.quota import QuotaService
from gemini_core.text import storable

logger = logging.getLogger(__name__)

_FINAL_EVENTS: dict[MessageStatus, MessageEventType] = {
    MessageStatus.FAILED: "message.failed",
    MessageStatus.CANCELLED: "message.cancelled",
}


class ReplyFailer:
    """Ends replies as failed: the one place that does it, whichever path
    (enqueue failure, worker, sweep) gets there first."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        quota: QuotaService,
        events: EventPublisher,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._quota = quota
        self._events = events
        self._clock = clock

    async def fail(self, reply: Message, reason: str) -> bool:
        """Mark a pending reply failed and give its quota back, in one
        transaction. Only the caller whose write lands gives it back, so it
        is returned exactly once however many paths (enqueue failure,
        worker, sweep, a redelivery) race to fail the reply."""
        reason = storable(reason)
        failed = await self.end(
            reply, MessageStatus.FAILED, content="", error=reason, give_back=True
        )
        if failed is None:
            return False
        logger.warning("reply %s failed: %s", reply.id, reason)
        return True

    async def end(
        self,
        reply: Message,
        status: MessageStatus,
        *,
        content: str,
        error: str | None,
        give_back: bool,
    ) -> Message | None:
        """Make a pending reply final as ``status`` (failed or cancelled) with
        one conditional write, its quota unit given back in the same
        transaction when ``give_back``, then publish its final event. The
        reply as stored, or None (nothing written) when it was final."""
        now = self._clock.now()
        async with self._uow() as uow:
            won = await uow.messages.finish(
                reply.id, status=status, content=content, error=error, completed_at=now
            )
            if won and give_back:
                # In the same transaction: the unit comes back exactly when
                # the final state is stored, once however often it is tried.
                await self._quota.give_back_within(uow, reply.user_id, reply.created_at)
            await uow.commit()
        if not won:
            return None
        ended = msgspec.structs.replace(
            reply, status=status, content=content, error=error, completed_at=now
        )
        await self._events.publish(
            MessageEvent(
                type=_FINAL_EVENTS[status],
                chatroom_id=reply.chatroom_id,
                message_id=reply.id,
                message=ended,
            )
        )
        return ended

    async def enqueue_or_fail(self, queue: ReplyQueue, reply: Message) -> Message:
        """Queue the reply; if the queue refuses, fail it (quota given back)
        and answer its stored, failed state."""
        try:
            await queue.enqueue(reply.id)
            return reply
        except Exception:
            logger.exception("could not enqueue reply %s", reply.id)
        await self.fail(reply, "the reply could not be queued; your prompt was not counted")
        async with self._uow(autocommit=True) as uow:
            return await uow.messages.get(reply.id) or reply
