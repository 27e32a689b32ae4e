"""Contract of ``MessageRepository.add_counted``: a prompt, its pending
reply, the room's activity and the day's count, all of it or nothing,
atomic in an autocommit unit of work, exact under concurrency.

Mixed into the message repository suites; subclasses provide ``uow_factory``.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from gemini_core.model import Chatroom, Message, MessageStatus, User
from gemini_core.ports import CountedPrompt, UnitOfWorkFactory
from gemini_core.services.chat_values import prompt_and_reply
from tests.contracts.repositories import T0, a_room, stored_user

DAY = date(2030, 1, 1)
LATER = T0 + timedelta(minutes=5)


async def add_counted(
    uow_factory: UnitOfWorkFactory,
    pair: tuple[Message, Message],
    limit: int | None = 5,
    budget: int | None = None,
) -> CountedPrompt:
    async with uow_factory(autocommit=True) as uow:
        return await uow.messages.add_counted(*pair, day=DAY, limit=limit, token_budget=budget)


async def state(
    uow_factory: UnitOfWorkFactory, room: Chatroom
) -> tuple[int, list[Message], Chatroom | None]:
    """The day's count of the room's owner, the room's messages, the room."""
    async with uow_factory(autocommit=True) as uow:
        return (
            await uow.daily_usage.used(room.user_id, DAY),
            await uow.messages.list_page(room.id, 50, None),
            await uow.chatrooms.get(room.user_id, room.id),
        )


class CountedPromptContract:
    async def _room(self, uow_factory: UnitOfWorkFactory) -> tuple[User, Chatroom]:
        owner = await stored_user(uow_factory)
        room = a_room(owner)
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.commit()
        return owner, room

    async def test_stores_both_counts_one_and_touches_the_room(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner, room = await self._room(uow_factory)
        prompt, reply = prompt_and_reply(owner.id, room.id, "hello", LATER)

        assert await add_counted(uow_factory, (prompt, reply)) == CountedPrompt(
            used=1, room_found=True
        )

        used, stored, touched = await state(uow_factory, room)
        assert used == 1
        assert stored == [reply, prompt]
        assert touched is not None and touched.last_message_at == LATER
        assert touched.activity_at == LATER

    async def test_counts_up_to_the_limit_then_writes_nothing(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner, room = await self._room(uow_factory)
        pairs = [prompt_and_reply(owner.id, room.id, f"p{i}", LATER) for i in range(3)]

        answers = [await add_counted(uow_factory, pair, limit=2) for pair in pairs]

        assert [a.used for a in answers] == [1, 2, None]
        assert answers[2].room_found
        used, stored, _ = await state(uow_factory, room)
        assert used == 2
        assert pairs[2][0] not in stored and len(stored) == 4

    async def test_a_spent_token_budget_writes_nothing(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner, room = await self._room(uow_factory)
        async with uow_factory() as uow:
            await uow.daily_usage.take(owner.id, DAY, None)
            await uow.commit()
        spent = await add_counted(
            uow_factory, prompt_and_reply(owner.id, room.id, "a", LATER), budget=10
        )
        assert spent.used == 2  # no tokens yet
        async with uow_factory() as uow:
            # Tokens are counted by a reply's final write.
            reply = (await uow.messages.list_page(room.id, 1, None))[0]
            await uow.messages.finish(
                reply.id,
                status=MessageStatus.COMPLETED,
                content="x",
                error=None,
                completed_at=LATER,
                total_tokens=10,
                count_tokens_on=DAY,
            )
            await uow.commit()

        refused = await add_counted(
            uow_factory, prompt_and_reply(owner.id, room.id, "b", LATER), budget=10
        )

        assert refused == CountedPrompt(used=None, room_found=True)
        assert (await state(uow_factory, room))[0] == 2

    @pytest.mark.parametrize(("limit", "budget"), [(0, None), (None, 0)])
    async def test_nothing_allowed_counts_nothing(
        self, uow_factory: UnitOfWorkFactory, limit: int | None, budget: int | None
    ) -> None:
        owner, room = await self._room(uow_factory)
        pair = prompt_and_reply(owner.id, room.id, "hi", LATER)
        elsewhere = prompt_and_reply(owner.id, a_room(owner).id, "hi", LATER)

        assert await add_counted(uow_factory, pair, limit, budget) == CountedPrompt(
            used=None, room_found=True
        )
        assert await add_counted(uow_factory, elsewhere, limit, budget) == CountedPrompt(
            used=None, room_found=False
        )
        assert await state(uow_factory, room) == (0, [], room)

    async def test_another_users_room_is_not_found_and_nothing_counted(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _, room = await self._room(uow_factory)
        intruder = await stored_user(uow_factory, "+919876500000")
        pair = prompt_and_reply(intruder.id, room.id, "mine now", LATER)

        assert await add_counted(uow_factory, pair) == CountedPrompt(used=None, room_found=False)

        async with uow_factory(autocommit=True) as uow:
            assert await uow.daily_usage.used(intruder.id, DAY) == 0
        assert await state(uow_factory, room) == (0, [], room)

    async def test_a_failed_write_leaves_no_count_behind(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner, room = await self._room(uow_factory)
        first = prompt_and_reply(owner.id, room.id, "once", LATER)
        await add_counted(uow_factory, first)
        _, again = prompt_and_reply(owner.id, room.id, "twice", LATER + timedelta(minutes=1))

        with pytest.raises(Exception):  # the driver's duplicate key, told by the adapter
            await add_counted(uow_factory, (first[0], again))  # the prompt's id is taken

        used, stored, touched = await state(uow_factory, room)
        assert used == 1 and len(stored) == 2
        assert touched is not None and touched.activity_at == LATER

    async def test_concurrent_prompts_never_pass_the_limit(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner, room = await self._room(uow_factory)
        pairs = [prompt_and_reply(owner.id, room.id, f"p{i}", LATER) for i in range(12)]

        answers = await asyncio.gather(*(add_counted(uow_factory, p, limit=5) for p in pairs))

        assert sorted(a.used for a in answers if a.used is not None) == [1, 2, 3, 4, 5]
        used, stored, _ = await state(uow_factory, room)
        assert used == 5 and len(stored) == 10

    async def test_a_room_deleted_meanwhile_is_not_found_and_nothing_counted(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner, room = await self._room(uow_factory)
        pair = prompt_and_reply(owner.id, room.id, "too late", LATER)
        async with uow_factory() as deleting:
            assert await deleting.chatrooms.delete(owner.id, room.id)
            # The prompt reads the room (not yet deleted for it) and waits
            # for the delete's lock to touch it.
            racing = asyncio.ensure_future(add_counted(uow_factory, pair))
            await asyncio.sleep(0.3)
            await deleting.commit()

        assert await racing == CountedPrompt(used=None, room_found=False)
        async with uow_factory(autocommit=True) as uow:
            assert await uow.daily_usage.used(owner.id, DAY) == 0
            assert await uow.messages.get(pair[0].id) is None
