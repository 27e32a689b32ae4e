"""ReplyService: what a worker runs to turn a pending reply into an answer."""

from __future__ import annotations

import logging
import uuid

import msgspec

from gemini_core.errors import ModelError
from gemini_core.model import Message, MessageStatus, Role
from gemini_core.ports import (
    ChatModel,
    Clock,
    DeltaSink,
    EventPublisher,
    MessageEvent,
    ModelReply,
    ModelRequest,
    ModelTurn,
    UnitOfWorkFactory,
)
from gemini_core.services.reply_failer import ReplyFailer
from gemini_core.text import storable

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
    """What a worker runs for each queued reply."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        model: ChatModel,
        events: EventPublisher,
        failer: ReplyFailer,
        clock: Clock,
        system_instruction: str | None = None,
        history_budget_chars: int = DEFAULT_HISTORY_BUDGET_CHARS,
        history_max_messages: int = DEFAULT_HISTORY_MAX_MESSAGES,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
    ) -> None:
        self._uow = uow
        self._model = model
        self._events = events
        self._failer = failer
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
        reply = await self._claim(reply_id)
        if reply is None:
            return
        request = await self._request_for(reply)
        if not request.turns:
            await self._failer.fail(reply, "there is no prompt to answer")
            return
        try:
            answer = await self._model.generate(request, self._delta_sink(reply))
        except ModelError as exc:
            await self._failer.fail(reply, exc.message)
            return
        await self._complete(reply, answer)

    async def _claim(self, reply_id: uuid.UUID) -> Message | None:
        """Count this delivery; the reply to work on, or None when there is
        nothing to do (final, gone, or failed here for too many deliveries)."""
        async with self._uow() as uow:
            reply = await uow.messages.start_delivery(reply_id)
            await uow.commit()
        if reply is None:
            logger.info("reply %s is already final or gone; nothing to do", reply_id)
            return None
        if reply.deliveries > self._max_deliveries:
            await self._failer.fail(
                reply, f"the reply could not be generated after {self._max_deliveries} attempts"
            )
            return None
        return reply

    async def _request_for(self, reply: Message) -> ModelRequest:
        async with self._uow() as uow:
            history = await uow.messages.list_page(reply.chatroom_id, self._max_messages, reply.id)
        return ModelRequest(
            turns=build_turns(history, self._budget), system_instruction=self._system_instruction
        )

    def _delta_sink(self, reply: Message) -> DeltaSink:
        async def publish_delta(text: str) -> None:
            await self._events.publish(
                MessageEvent(
                    type="message.delta",
                    chatroom_id=reply.chatroom_id,
                    message_id=reply.id,
                    text=text,
                )
            )

        return publish_delta

    async def _complete(self, reply: Message, answer: ModelReply) -> None:
        """Store the answer unless another run got there first, then say so."""
        now = self._clock.now()
        text = storable(answer.text)
        async with self._uow() as uow:
            won = await uow.messages.finish(
                reply.id,
                status=MessageStatus.COMPLETED,
                content=text,
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
            content=text,
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
