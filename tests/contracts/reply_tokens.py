"""The part of the ``MessageRepository`` contract about a reply's cost: the
final write stores the token counts and the model, and with
``count_tokens_on`` adds the reply's total to its user's day
(``DailyUsageRepository.counts``) exactly when the write lands.
``MessageRepositoryContract`` includes it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import msgspec

from gemini_core.ids import new_id
from gemini_core.model import Chatroom, DailyCounts, Message, MessageStatus, Role
from gemini_core.ports import UnitOfWorkFactory

DAY = date(2030, 1, 1)


async def _pending(uow_factory: UnitOfWorkFactory, model: str | None = None) -> Message:
    # Imported here: repositories.py imports this module for its contract class.
    from tests.contracts.repositories import T0, a_message, a_room, stored_user

    owner = await stored_user(uow_factory)
    room = a_room(owner)
    reply = msgspec.structs.replace(
        a_message(room, Role.MODEL, MessageStatus.PENDING, at=T0, content=""), model=model
    )
    async with uow_factory() as uow:
        await uow.chatrooms.add(room)
        await uow.messages.add(reply)
        await uow.commit()
    return reply


async def _another(uow_factory: UnitOfWorkFactory, reply: Message) -> Message:
    """A second pending reply like ``reply``, in its room."""
    second = msgspec.structs.replace(reply, id=new_id())
    async with uow_factory() as uow:
        await uow.messages.add(second)
        await uow.commit()
    return second


async def finished_reply(
    uow_factory: UnitOfWorkFactory, user_id: uuid.UUID, day: date, tokens: int
) -> None:
    """A reply of ``user_id`` (in a new room) finished, its ``tokens`` counted to ``day``."""
    from tests.contracts.repositories import T0

    room = Chatroom(id=new_id(), user_id=user_id, name="room", created_at=T0, updated_at=T0)
    reply = Message(
        id=new_id(),
        chatroom_id=room.id,
        user_id=user_id,
        role=Role.MODEL,
        content="",
        status=MessageStatus.PENDING,
        created_at=T0,
    )
    async with uow_factory() as uow:
        await uow.chatrooms.add(room)
        await uow.messages.add(reply)
        await uow.commit()
    async with uow_factory(autocommit=True) as uow:
        assert await uow.messages.finish(
            reply.id,
            status=MessageStatus.COMPLETED,
            content="an answer",
            error=None,
            completed_at=T0,
            total_tokens=tokens,
            count_tokens_on=day,
        )


async def _finish(
    uow_factory: UnitOfWorkFactory,
    reply: Message,
    *,
    total: int | None = 60,
    model: str | None = "gemini-2.5-pro",
    autocommit: bool = True,
    commit: bool = True,
) -> bool:
    async with uow_factory(autocommit=autocommit) as uow:
        won = await uow.messages.finish(
            reply.id,
            status=MessageStatus.COMPLETED,
            content="an answer",
            error=None,
            completed_at=reply.created_at,
            prompt_tokens=20,
            output_tokens=30,
            thinking_tokens=10,
            total_tokens=total,
            model=model,
            count_tokens_on=DAY,
        )
        if commit:
            await uow.commit()
    return won


async def _counts(uow_factory: UnitOfWorkFactory, reply: Message) -> DailyCounts:
    async with uow_factory(autocommit=True) as uow:
        return await uow.daily_usage.counts(reply.user_id, DAY)


async def _stored(uow_factory: UnitOfWorkFactory, reply: Message) -> Message:
    async with uow_factory(autocommit=True) as uow:
        stored = await uow.messages.get(reply.id)
    assert stored is not None
    return stored


class FinishCountsTokensContract:
    async def test_the_final_write_stores_every_count_and_the_model(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        reply = await _pending(uow_factory, model="gemini-2.5-flash")

        assert await _finish(uow_factory, reply)

        stored = await _stored(uow_factory, reply)
        assert (stored.prompt_tokens, stored.output_tokens, stored.thinking_tokens) == (20, 30, 10)
        assert (stored.total_tokens, stored.model) == (60, "gemini-2.5-pro")
        assert await _counts(uow_factory, reply) == DailyCounts(prompts=0, tokens=60)

    async def test_a_model_of_none_keeps_the_one_the_reply_was_meant_for(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        counted = await _pending(uow_factory, model="gemini-2.5-flash")
        uncounted = await _another(uow_factory, counted)

        assert await _finish(uow_factory, counted, model=None)
        assert await _finish(uow_factory, uncounted, model=None, total=None)

        assert (await _stored(uow_factory, counted)).model == "gemini-2.5-flash"
        assert (await _stored(uow_factory, uncounted)).model == "gemini-2.5-flash"

    async def test_tokens_add_to_the_days_prompts_and_other_replies(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        first = await _pending(uow_factory)
        async with uow_factory() as uow:
            await uow.daily_usage.take(first.user_id, DAY, None)
            await uow.daily_usage.take(first.user_id, DAY, None)
            await uow.commit()
        second = await _another(uow_factory, first)

        assert await _finish(uow_factory, first, total=60)
        assert await _finish(uow_factory, second, total=25)

        assert await _counts(uow_factory, first) == DailyCounts(prompts=2, tokens=85)

    async def test_only_the_write_that_lands_counts(self, uow_factory: UnitOfWorkFactory) -> None:
        reply = await _pending(uow_factory)

        won = await asyncio.gather(*(_finish(uow_factory, reply) for _ in range(4)))
        again = await _finish(uow_factory, reply)

        assert sorted(won) == [False, False, False, True] and again is False
        assert await _counts(uow_factory, reply) == DailyCounts(tokens=60)

    async def test_a_rolled_back_write_counts_nothing(self, uow_factory: UnitOfWorkFactory) -> None:
        reply = await _pending(uow_factory)

        assert await _finish(uow_factory, reply, autocommit=False, commit=False)

        assert (await _stored(uow_factory, reply)).status is MessageStatus.PENDING
        assert await _counts(uow_factory, reply) == DailyCounts()
        assert await _finish(uow_factory, reply, autocommit=False)
        assert await _counts(uow_factory, reply) == DailyCounts(tokens=60)

    async def test_without_a_total_nothing_is_counted(self, uow_factory: UnitOfWorkFactory) -> None:
        reply = await _pending(uow_factory)

        assert await _finish(uow_factory, reply, total=None)

        assert await _counts(uow_factory, reply) == DailyCounts()
