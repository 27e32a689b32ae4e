"""ReplyService: what a worker runs to turn a pending reply into an answer."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import msgspec

from gemini_core.errors import ModelError, ModelUnavailable
from gemini_core.model import Chatroom, Message, MessageStatus, ReplyOutcome, Role
from gemini_core.ports import (
    ChatModel,
    Clock,
    Delivery,
    DeltaSink,
    EventPublisher,
    MessageEvent,
    ModelReply,
    ModelRequest,
    UnitOfWorkFactory,
)
from gemini_core.services.cancellation import ReplyStopped, ReplyStops
from gemini_core.services.history import build_turns
from gemini_core.services.model_breaker import ModelBreaker
from gemini_core.services.patience import DEFAULT_WRITE_PATIENCE_SECONDS, patiently
from gemini_core.services.reply_failer import ReplyFailer
from gemini_core.services.reply_run import ReplyRun
from gemini_core.services.titles import RoomTitler
from gemini_core.text import storable
from gemini_core.utc import utc_day

logger = logging.getLogger(__name__)

DEFAULT_HISTORY_BUDGET_CHARS = 24_000
DEFAULT_HISTORY_MAX_MESSAGES = 100
DEFAULT_MAX_DELIVERIES = 3


class ReplyService:
    """What a worker runs for each queued reply."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        model: ChatModel,
        events: EventPublisher,
        failer: ReplyFailer,
        stops: ReplyStops,
        clock: Clock,
        system_instruction: str | None = None,
        history_budget_chars: int = DEFAULT_HISTORY_BUDGET_CHARS,
        history_max_messages: int = DEFAULT_HISTORY_MAX_MESSAGES,
        max_deliveries: int = DEFAULT_MAX_DELIVERIES,
        breaker: ModelBreaker | None = None,
        write_patience_seconds: float = DEFAULT_WRITE_PATIENCE_SECONDS,
        titler: RoomTitler | None = None,
    ) -> None:
        self._uow = uow
        self._model = model
        self._events = events
        self._failer = failer
        self._stops = stops
        self._clock = clock
        self._system_instruction = system_instruction
        self._budget = history_budget_chars
        self._max_messages = history_max_messages
        self._max_deliveries = max_deliveries
        self._breaker = breaker
        self._patience = write_patience_seconds
        self._titler = titler

    async def generate(self, reply_id: uuid.UUID) -> ReplyOutcome:
        """Produce the reply. Idempotent: a reply that is gone or already
        final is left alone, and of two concurrent runs only one final write
        lands. A reply delivered more than ``max_deliveries`` times fails
        without calling the model (a task that keeps crashing its worker),
        and so does one that arrives while the model breaker is open.

        The final write (completed or failed) rides out a database outage
        of up to ``write_patience_seconds``; past that it raises
        ``ServiceUnavailable`` with the reply still pending, for the queue
        to deliver again (the queue acknowledges a reply only once this
        returns).

        Each call ends with one INFO line: the reply, its outcome
        (completed, failed or skipped; interrupted when an error ended the
        run and left the reply pending for redelivery), its deliveries, the
        model's time and the whole time."""
        run = ReplyRun(reply_id, self._clock.now())
        try:
            await self._generate(run)
        except BaseException as exc:
            run.outcome, run.reason = "interrupted", type(exc).__name__
            raise
        finally:
            run.log(self._clock.now())
        return ReplyOutcome(
            reply_id=reply_id, outcome=run.outcome, deliveries=run.deliveries, reason=run.reason
        )

    async def _generate(self, run: ReplyRun) -> None:
        delivery = await self._claim(run)
        if delivery is None:
            return
        reply = delivery.reply
        if await self._stops.requested(reply.id):
            await self._stopped(run, reply, "")
            return
        request, untitled = self._request_for(delivery)
        if not request.turns:
            await self._fail(run, reply, "there is no prompt to answer")
            return
        if self._breaker is not None and not self._breaker.admit():
            await self._fail(run, reply, ModelUnavailable().message)
            return
        try:
            answer = await self._call_model(run, request, reply)
        except ModelError as exc:
            await self._fail(run, reply, exc.message)
            return
        except ReplyStopped as stop:
            await self._stopped(run, reply, stop.text)
            return
        run.outcome = "completed"
        if not await self._complete(reply, answer):
            run.outcome, run.reason = "skipped", "finished by another run"
        elif untitled is not None and self._titler is not None:
            # After the reply is stored and announced: a title never delays
            # or fails it (the titler logs its own failures).
            await self._titler.title(untitled, request.turns[-1].text, storable(answer.text))

    async def _call_model(self, run: ReplyRun, request: ModelRequest, reply: Message) -> ModelReply:
        """The model's answer, timed, with the breaker told how it went."""
        started = self._clock.now()
        try:
            # Runs the call so that a stop request cancels it (ReplyStopped).
            answer = await self._stops.run(
                reply.id, lambda sink: self._model.generate(request, sink), self._delta_sink(reply)
            )
        except ModelError as exc:
            if self._breaker is not None:
                self._breaker.failed(exc)
            raise
        except BaseException:
            if self._breaker is not None:
                self._breaker.abandoned()
            raise
        finally:
            run.model_seconds = (self._clock.now() - started).total_seconds()
        if self._breaker is not None:
            self._breaker.succeeded()
        return answer

    async def _fail(self, run: ReplyRun, reply: Message, reason: str) -> None:
        failed = await patiently(
            lambda: self._failer.fail(reply, reason),
            patience_seconds=self._patience,
            what=f"failing reply {reply.id}",
        )
        if failed:
            run.outcome, run.reason = "failed", reason
        else:
            run.outcome, run.reason = "skipped", "finished by another run"

    async def _stopped(self, run: ReplyRun, reply: Message, text: str) -> None:
        cancelled = await patiently(
            lambda: self._stops.cancel(reply, text),
            patience_seconds=self._patience,
            what=f"cancelling reply {reply.id}",
        )
        run.outcome, run.reason = (
            ("cancelled", None) if cancelled else ("skipped", "finished by another run")
        )

    async def _claim(self, run: ReplyRun) -> Delivery | None:
        """Count this delivery; the reply to work on with its room and
        history, or None when there is nothing to do (final, gone, or failed
        here for too many deliveries)."""
        # One conditional UPDATE and reads: no transaction around them.
        async with self._uow(autocommit=True) as uow:
            delivery = await uow.messages.claim_delivery(run.reply_id, self._max_messages)
        if delivery is None:
            run.reason = "already final or gone"
            return None
        reply = delivery.reply
        run.deliveries = reply.deliveries
        if reply.deliveries > self._max_deliveries:
            await self._fail(
                run,
                reply,
                f"the reply could not be generated after {self._max_deliveries} attempts",
            )
            return None
        return delivery

    def _request_for(self, delivery: Delivery) -> tuple[ModelRequest, Chatroom | None]:
        """The model's request, with the room's own system instruction in
        place of the service's when it has one; and the room when this is
        its first reply and the user has not named it (to be titled)."""
        reply, room, history = delivery.reply, delivery.room, delivery.history
        instruction = self._system_instruction
        if room is not None and room.system_instruction:
            instruction = room.system_instruction
        request = ModelRequest(
            turns=build_turns(history, self._budget),
            system_instruction=instruction,
            model=reply.model,
        )
        first = not any(
            m.role is Role.MODEL and m.status is MessageStatus.COMPLETED for m in history
        )
        untitled = room if room is not None and not room.named_by_user and first else None
        return request, untitled

    def _delta_sink(self, reply: Message) -> DeltaSink:
        async def publish_delta(text: str) -> None:
            await self._events.publish(
                MessageEvent(
                    type="message.delta",
                    chatroom_id=reply.chatroom_id,
                    message_id=reply.id,
                    text=text,
                    at=self._clock.now(),
                )
            )

        return publish_delta

    async def _complete(self, reply: Message, answer: ModelReply) -> bool:
        """Store the answer unless another run got there first (False), then say so."""
        now = self._clock.now()
        completed = msgspec.structs.replace(
            reply,
            status=MessageStatus.COMPLETED,
            content=storable(answer.text),
            completed_at=now,
            prompt_tokens=answer.prompt_tokens,
            output_tokens=answer.output_tokens,
            thinking_tokens=answer.thinking_tokens,
            total_tokens=answer.tokens,
            model=answer.model or reply.model,
        )
        won = await patiently(
            lambda: self._store(completed, now),
            patience_seconds=self._patience,
            what=f"storing reply {reply.id}",
        )
        if not won:
            return False
        await self._events.publish(
            MessageEvent(
                type="message.completed",
                chatroom_id=reply.chatroom_id,
                message_id=reply.id,
                message=completed,
            )
        )
        return True

    async def _store(self, completed: Message, now: datetime) -> bool:
        """One try at the final write; whether it landed (the reply was
        still pending). Safe to repeat: it writes only a pending reply, and
        the day's tokens are counted with that write, so only the write that
        lands counts them."""
        async with self._uow(autocommit=True) as uow:  # one conditional write
            return await uow.messages.finish(
                completed.id,
                status=MessageStatus.COMPLETED,
                content=completed.content,
                error=None,
                completed_at=now,
                prompt_tokens=completed.prompt_tokens,
                output_tokens=completed.output_tokens,
                thinking_tokens=completed.thinking_tokens,
                total_tokens=completed.total_tokens,
                model=completed.model,
                count_tokens_on=utc_day(now),
            )
