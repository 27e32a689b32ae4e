"""Ending a reply as failed: one conditional write, the quota given back once."""

from __future__ import annotations

import logging

import msgspec

from gemini_core.model import Message, MessageStatus
from gemini_core.ports import Clock, EventPublisher, MessageEvent, UnitOfWorkFactory
from gemini_core.services.quota import QuotaService
from gemini_core.text import storable

logger = logging.getLogger(__name__)


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
        now = self._clock.now()
        reason = storable(reason)
        async with self._uow() as uow:
            won = await uow.messages.finish(
                reply.id, status=MessageStatus.FAILED, content="", error=reason, completed_at=now
            )
            if won:
                # In the same transaction: the unit comes back exactly when
                # the failure is stored, once however often it is attempted.
                await self._quota.give_back_within(uow, reply.user_id, reply.created_at)
            await uow.commit()
        if not won:
            return False
        logger.warning("reply %s failed: %s", reply.id, reason)
        failed = msgspec.structs.replace(
            reply, status=MessageStatus.FAILED, content="", error=reason, completed_at=now
        )
        await self._events.publish(
            MessageEvent(
                type="message.failed",
                chatroom_id=reply.chatroom_id,
                message_id=reply.id,
                message=failed,
            )
        )
        return True
