"""Contract of ``MessageRepository.claim_delivery``: one more delivery of
a pending reply counted, with the reply's room and history as the separate
reads would answer them.

Mixed into the message repository suites; subclasses provide ``uow_factory``.
"""

from __future__ import annotations

from datetime import timedelta

import msgspec

from gemini_core.ids import new_id
from gemini_core.model import Chatroom, Message, MessageStatus, Role
from gemini_core.ports import Delivery, UnitOfWorkFactory
from tests.contracts.message_versions import reply_to
from tests.contracts.repositories import T0, a_message, a_room, stored_user


class ClaimDeliveryContract:
    async def _room_with_history(
        self, uow_factory: UnitOfWorkFactory
    ) -> tuple[Chatroom, list[Message], Message]:
        """A room (with every field set) holding three answered prompts,
        one superseded version, and a last prompt with a pending reply."""
        owner = await stored_user(uow_factory)
        room = msgspec.structs.replace(
            a_room(owner),
            system_instruction="Answer in French.",
            named_by_user=False,
            last_message_at=T0 + timedelta(minutes=9),
        )
        stored: list[Message] = []
        for minute in range(4):
            prompt = a_message(room, at=T0 + timedelta(minutes=2 * minute), content=f"q{minute}")
            stored += [prompt]
            if minute < 3:
                stored += [
                    msgspec.structs.replace(
                        reply_to(prompt),
                        prompt_tokens=3,
                        output_tokens=4,
                        thinking_tokens=1,
                        total_tokens=8,
                        model="gemini-x",
                        completed_at=T0 + timedelta(minutes=2 * minute + 1),
                        deliveries=1,
                    )
                ]
        superseded = msgspec.structs.replace(
            reply_to(stored[0], MessageStatus.FAILED),
            error="the model failed",
            superseded_at=T0 + timedelta(minutes=1),
        )
        pending = reply_to(stored[-1], MessageStatus.PENDING)
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.messages.add(*stored[:1], superseded, *stored[1:], pending)
            await uow.commit()
        return room, stored, pending

    async def test_claims_and_answers_what_the_separate_reads_answer(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        room, stored, pending = await self._room_with_history(uow_factory)

        async with uow_factory(autocommit=True) as uow:
            delivery = await uow.messages.claim_delivery(pending.id, 100)
            history = await uow.messages.list_page(room.id, 100, pending.id)
            owned = await uow.chatrooms.get(room.user_id, room.id)

        assert delivery == Delivery(
            reply=msgspec.structs.replace(pending, deliveries=1), room=owned, history=history
        )
        assert owned == room
        assert history == stored[::-1]  # newest first, the superseded version left out

    async def test_the_history_is_limited_to_the_newest(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _, stored, pending = await self._room_with_history(uow_factory)
        async with uow_factory(autocommit=True) as uow:
            delivery = await uow.messages.claim_delivery(pending.id, 2)
        assert delivery is not None and delivery.history == stored[:-3:-1]

    async def test_each_claim_counts_a_delivery(self, uow_factory: UnitOfWorkFactory) -> None:
        _, _, pending = await self._room_with_history(uow_factory)
        for expected in (1, 2, 3):
            async with uow_factory(autocommit=True) as uow:
                delivery = await uow.messages.claim_delivery(pending.id, 10)
            assert delivery is not None and delivery.reply.deliveries == expected

    async def test_a_final_or_missing_reply_is_not_claimed(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        _, stored, _ = await self._room_with_history(uow_factory)
        final = stored[1]
        assert final.role is Role.MODEL
        async with uow_factory(autocommit=True) as uow:
            assert await uow.messages.claim_delivery(final.id, 10) is None
            assert await uow.messages.claim_delivery(new_id(), 10) is None
            assert await uow.messages.get(final.id) == final  # its deliveries unchanged

    async def test_the_first_reply_of_a_room_has_no_history(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner = await stored_user(uow_factory)
        room = a_room(owner)
        prompt = a_message(room)
        pending = reply_to(prompt, MessageStatus.PENDING)
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.messages.add(prompt, pending)
            await uow.commit()
        async with uow_factory(autocommit=True) as uow:
            delivery = await uow.messages.claim_delivery(pending.id, 10)
        assert delivery is not None
        assert (delivery.room, delivery.history) == (room, [prompt])
