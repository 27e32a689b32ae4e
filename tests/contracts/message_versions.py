"""Contract of the reply-version methods of ``MessageRepository``: the
current version is superseded once, only when final; lists and histories
leave superseded versions out; versions are listed oldest first.

Mixed into the message repository suites; subclasses provide ``uow_factory``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import msgspec

from gemini_core.ids import new_id
from gemini_core.model import Message, MessageStatus, Role
from gemini_core.ports import UnitOfWorkFactory
from tests.contracts.repositories import T0, a_message, a_room, stored_user


def reply_to(prompt: Message, status: MessageStatus = MessageStatus.COMPLETED) -> Message:
    """A reply version of ``prompt`` (pending, or final with text)."""
    return Message(
        id=new_id(),
        chatroom_id=prompt.chatroom_id,
        user_id=prompt.user_id,
        role=Role.MODEL,
        content="" if status is MessageStatus.PENDING else "an answer",
        status=status,
        created_at=T0,
        reply_to=prompt.id,
    )


class MessageVersionsContract:
    async def _conversation(self, uow_factory: UnitOfWorkFactory) -> tuple[Message, Message]:
        owner = await stored_user(uow_factory)
        room = a_room(owner)
        prompt = a_message(room, content="q")
        reply = reply_to(prompt)
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.messages.add(prompt, reply)
            await uow.commit()
        return prompt, reply

    async def test_a_superseded_version_leaves_the_list_but_stays_readable(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        prompt, first = await self._conversation(uow_factory)
        later = T0 + timedelta(minutes=1)
        second = reply_to(prompt, MessageStatus.PENDING)
        async with uow_factory() as uow:
            superseded = await uow.messages.supersede_current(prompt.id, later)
            await uow.messages.add(second)
            await uow.commit()
        assert superseded is not None and superseded.id == first.id
        assert superseded.superseded_at == later
        async with uow_factory(autocommit=True) as uow:
            assert await uow.messages.list_page(prompt.chatroom_id, 10, None) == [second, prompt]
            stored = await uow.messages.get(first.id)
            assert stored is not None and stored.superseded_at == later
            versions = await uow.messages.version_ids([prompt.id])
        assert versions == {prompt.id: [first.id, second.id]}

    async def test_a_pending_version_is_not_superseded(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        prompt, _ = await self._conversation(uow_factory)
        async with uow_factory() as uow:
            assert await uow.messages.supersede_current(prompt.id, T0) is not None
            await uow.messages.add(reply_to(prompt, MessageStatus.PENDING))
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.messages.supersede_current(prompt.id, T0) is None

    async def test_concurrent_supersedes_win_once(self, uow_factory: UnitOfWorkFactory) -> None:
        prompt, _ = await self._conversation(uow_factory)

        async def supersede_and_add() -> bool:
            async with uow_factory() as uow:
                if await uow.messages.supersede_current(prompt.id, T0) is None:
                    return False
                await uow.messages.add(reply_to(prompt, MessageStatus.PENDING))
                await uow.commit()
                return True

        results = await asyncio.gather(*(supersede_and_add() for _ in range(5)))
        assert sorted(results) == [False] * 4 + [True]
        async with uow_factory(autocommit=True) as uow:
            versions = await uow.messages.version_ids([prompt.id])
        assert len(versions[prompt.id]) == 2

    async def test_last_prompt_and_edit(self, uow_factory: UnitOfWorkFactory) -> None:
        prompt, reply = await self._conversation(uow_factory)
        async with uow_factory(autocommit=True) as uow:
            assert await uow.messages.last_prompt(prompt.chatroom_id) == prompt
            assert await uow.messages.edit_prompt(reply.id, "x", T0) is False
            assert await uow.messages.edit_prompt(prompt.id, "better", T0) is True
            edited = await uow.messages.get(prompt.id)
            assert await uow.messages.version_ids([]) == {}
        assert edited is not None and edited.content == "better" and edited.edited_at == T0

    async def test_room_page_is_the_owned_room_its_page_and_its_versions(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        prompt, first = await self._conversation(uow_factory)
        second = reply_to(prompt)
        later_prompt = msgspec.structs.replace(a_message_in(prompt), content="q2")
        async with uow_factory() as uow:
            await uow.messages.supersede_current(prompt.id, T0)
            await uow.messages.add(second, later_prompt)
            await uow.commit()
        async with uow_factory(autocommit=True) as uow:
            room = await uow.chatrooms.get(prompt.user_id, prompt.chatroom_id)
            page = await uow.messages.room_page(prompt.user_id, prompt.chatroom_id, 10, None)
            older = await uow.messages.room_page(
                prompt.user_id, prompt.chatroom_id, 1, later_prompt.id
            )
            versions = await uow.messages.version_ids([prompt.id])
            stranger = await uow.messages.room_page(new_id(), prompt.chatroom_id, 10, None)
        assert page is not None and page.room == room
        # What list_page and version_ids answer, superseded versions left out of the page.
        assert page.messages == [later_prompt, second, prompt]
        assert page.versions == versions == {prompt.id: [first.id, second.id]}
        assert older is not None and older.messages == [second]
        assert stranger is None

    async def test_room_page_of_an_empty_room(self, uow_factory: UnitOfWorkFactory) -> None:
        owner = await stored_user(uow_factory)
        room = a_room(owner)
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.commit()
        async with uow_factory(autocommit=True) as uow:
            page = await uow.messages.room_page(owner.id, room.id, 10, None)
        assert page is not None and page.messages == [] and page.versions == {}
        assert page.room.id == room.id


def a_message_in(prompt: Message) -> Message:
    """A later prompt in ``prompt``'s room."""
    return msgspec.structs.replace(prompt, id=new_id(), content="q")
