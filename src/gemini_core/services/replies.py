"""ReplyService: what a worker runs to turn a pending reply into an answer."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import msgspec

from gemini_core.errors import ModelError
from gemini_core.model import Message, MessageStatus, Role
from gemini_core.ports import (
    ChatModel,
    Clock,
    EventPublisher,
    MessageEvent,
    ModelRequest,
    ModelTurn,
    ReplyQueue,
    UnitOfWorkFactory,
)
from gemini_core.services.reply_failure import ReplyFailure

logger = logging.getLogger(__name__)

DEFAULT_HISTORY_BUDGET_CHARS = 24_000
DEFAULT_HISTORY_MAX_MESSAGES = 100
DEFAULT_MAX_DELIVERIES = 3


def build_turns(history_newest_first: list[Message], budget_chars: int) -> list[ModelTurn]:
    """The conversation as alternating user/model turns, oldest first,
    keeping the newest messages that fit in ``budget_chars``.

    Pending and failed replies carry no text worth showing the model; two
    turns of one role in a row (a prompt whose reply failed) are merged,
    and the conversation always starts with the user.
    """
    kept: list[Message] = []
    used = 0
    for message in history_newest_first:
        if message.role is Role.MODEL and message.status is not MessageStatus.COMPLETED:
            continue
        cost = len(message.content)
        if kept and used + cost > budget_chars:
            break
        kept.append(message)
        used += cost
    turns: list[ModelTurn] = []
    for message in reversed(kept):
        if turns and turns[-1].role is message.role:
            turns[-1] = ModelTurn(role=message.role, text=turns[-1].text + "\n\n" + message.content)
        else:
            turns.append(ModelTurn(role=message.role, text=message.content))
    while turns and turns[0].role is not Role.USER:
        turns.pop(0)
    return turns


class ReplyService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        model: ChatModel,
        events: EventPublisher,
        failures: ReplyFailure,
        clock: Clock,
        system_instruction: str | None = None,
        history_budget_chars: int = DEFAULT_HISTORY_BUDGET_CHARS,
        history_max_messages: int = DEFAULT_HISTORY_MAX_MESSAGES,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
    ) -> None:
        self._uow = uow
        self._model = model
        self._events = events
        self._failures = failures
        self._clock = clock
        self._system_instruction = system_instruction
        self._budget = history_budget_chars
        self._max_messages = history_max_messages
        self._max_deliveries = max_deliveries

    async def generate(self, reply_id: uuid.UUID) -> None:
        """Produce the reply. Idempotent: a reply that is gone or already
        final is left alone, and of two concurrent runs only one final write
        lands. A reply delivered more than ``max_deliveries`` times fails
        without calling the model (a task that keeps crashing its worker)."""
        async with self._uow() as uow:
            reply = await uow.messages.start_delivery(reply_id)
            await uow.commit()
        if reply is None:
            logger.info("reply %s is already final or gone; nothing to do", reply_id)
            return
        if reply.deliveries > self._max_deliveries:
            await self._failures.fail(
                reply, f"the reply could not be generated after {self._max_deliveries} attempts"
            )
            return
        async with self._uow() as uow:
            history = await uow.messages.list_page(reply.chatroom_id, self._max_messages, reply.id)
        request = ModelRequest(
            turns=build_turns(history, self._budget), system_instruction=self._system_instruction
        )
        if not request.turns:
            await self._failures.fail(reply, "there is no prompt to answer")
            return

        async def publish_delta(text: str) -> None:
            await self._events.publish(
                MessageEvent(
                    type="message.delta",
                    chatroom_id=reply.chatroom_id,
                    message_id=reply.id,
                    text=text,
                )
            )

        try:
            answer = await self._model.generate(request, publish_delta)
        except ModelError as exc:
            await self._failures.fail(reply, exc.message)
            return
        now = self._clock.now()
        async with self._uow() as uow:
            won = await uow.messages.finish(
                reply.id,
                status=MessageStatus.COMPLETED,
                content=answer.text,
                error=None,
                completed_at=now,
                prompt_tokens=answer.prompt_tokens,
                output_tokens=answer.output_tokens,
            )
            await uow.commit()
        if not won:
            logger.info("reply %s was finished by another run; this answer is dropped", reply.id)
            return
        completed = msgspec.structs.replace(
            reply,
            status=MessageStatus.COMPLETED,
            content=answer.text,
            completed_at=now,
            prompt_tokens=answer.prompt_tokens,
            output_tokens=answer.output_tokens,
        )
        await self._events.publish(
            MessageEvent(
                type="message.completed",
                chatroom_id=reply.chatroom_id,
                message_id=reply.id,
                message=completed,
            )
        )

    async def sweep(
        self,
        queue: ReplyQueue,
        *,
        requeue_after: timedelta,
        fail_after: timedelta,
        batch: int = 100,
    ) -> tuple[int, int]:
        """Re-enqueue replies pending longer than ``requeue_after`` and fail
        those pending longer than ``fail_after`` (quota given back), so no
        reply stays pending for ever. Returns (re-enqueued, failed)."""
        now = self._clock.now()
        requeued = failed = 0
        async with self._uow() as uow:
            stale = await uow.messages.stale_pending(now - requeue_after, batch)
        for reply in stale:
            if now - reply.created_at >= fail_after:
                if await self._failures.fail(reply, "the model did not answer in time"):
                    failed += 1
                continue
            try:
                await queue.enqueue(reply.id)
                requeued += 1
            except Exception:
                logger.warning("sweep could not re-enqueue reply %s", reply.id, exc_info=True)
        if requeued or failed:
            logger.info("sweep: %d replies re-enqueued, %d failed", requeued, failed)
        return requeued, failed
