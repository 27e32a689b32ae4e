"""Contract suites of the storage ports (unit of work and repositories).

Subclasses provide a ``uow_factory`` fixture: a ``UnitOfWorkFactory`` on an
empty, migrated database (SQLite in unit tests, PostgreSQL in integration).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from gemini_core.errors import MobileTaken
from gemini_core.ids import new_id
from gemini_core.model import (
    Chatroom,
    Message,
    MessageStatus,
    Role,
    Subscription,
    SubscriptionStatus,
    Tier,
    User,
)
from gemini_core.ports import ChatroomCursor, UnitOfWorkFactory
from tests.contracts.reply_tokens import FinishCountsTokensContract

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def a_user(mobile: str = "+919876543210", **fields: object) -> User:
    return User(id=new_id(), mobile_number=mobile, created_at=T0, **fields)  # type: ignore[arg-type]


async def stored_user(uow_factory: UnitOfWorkFactory, mobile: str = "+919876543210") -> User:
    user = a_user(mobile)
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


def a_room(user: User, at: datetime = T0, name: str = "room") -> Chatroom:
    return Chatroom(id=new_id(), user_id=user.id, name=name, created_at=at, updated_at=at)


def a_message(
    room: Chatroom,
    role: Role = Role.USER,
    status: MessageStatus = MessageStatus.COMPLETED,
    at: datetime = T0,
    content: str = "hello",
) -> Message:
    return Message(
        id=new_id(),
        chatroom_id=room.id,
        user_id=room.user_id,
        role=role,
        content=content,
        status=status,
        created_at=at,
    )


class UnitOfWorkContract:
    async def test_leaving_without_commit_rolls_back(self, uow_factory: UnitOfWorkFactory) -> None:
        user = a_user()
        async with uow_factory() as uow:
            await uow.users.add(user)
        async with uow_factory() as uow:
            assert await uow.users.get(user.id) is None

    async def test_an_exception_rolls_back(self, uow_factory: UnitOfWorkFactory) -> None:
        user = a_user()
        with pytest.raises(RuntimeError):
            async with uow_factory() as uow:
                await uow.users.add(user)
                raise RuntimeError("boom")
        async with uow_factory() as uow:
            assert await uow.users.get(user.id) is None

    async def test_an_autocommit_unit_sees_what_is_committed(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)
        async with uow_factory(autocommit=True) as uow:
            assert await uow.users.get(user.id) == user

    async def test_an_autocommit_unit_keeps_each_statement_as_it_runs(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = a_user()
        with pytest.raises(RuntimeError):
            async with uow_factory(autocommit=True) as uow:
                await uow.users.add(user)
                raise RuntimeError("after the statement: nothing to roll back")
        async with uow_factory(autocommit=True) as uow:
            assert await uow.users.get(user.id) == user
            await uow.commit()  # nothing left to keep; not an error

    async def test_an_autocommit_unit_neither_waits_for_nor_sees_an_open_write(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        # A transaction on SQLite takes the write lock up front (BEGIN
        # IMMEDIATE), so a read in one would wait for this writer's whole
        # transaction; an autocommit read runs beside it.
        user = a_user()
        async with uow_factory() as writer:
            await writer.users.add(user)

            async def read() -> User | None:
                async with uow_factory(autocommit=True) as reader:
                    return await reader.users.get(user.id)

            assert await asyncio.wait_for(read(), timeout=10) is None
            await writer.commit()
        assert await read() == user


class UserRepositoryContract:
    async def test_add_and_get(self, uow_factory: UnitOfWorkFactory) -> None:
        user = a_user(name="Asha", email="asha@example.com", password_hash="$argon2id$x")
        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.users.get(user.id) == user
            assert await uow.users.get_by_mobile(user.mobile_number) == user
            assert await uow.users.get(new_id()) is None
            assert await uow.users.get_by_mobile("+14155550100") is None

    async def test_a_user_is_read_with_their_subscriptions_tier(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)
        period_end = T0 + timedelta(days=30)
        async with uow_factory() as uow:
            got = await uow.users.get(user.id)
            assert got is not None and got.subscription_status is SubscriptionStatus.NONE
            await uow.subscriptions.save(
                Subscription(
                    user_id=user.id,
                    status=SubscriptionStatus.PAST_DUE,
                    current_period_end=period_end,
                )
            )
            await uow.commit()
        async with uow_factory() as uow:
            for got in (
                await uow.users.get(user.id),
                await uow.users.get_by_mobile(user.mobile_number),
            ):
                assert got is not None
                assert got.subscription_status is SubscriptionStatus.PAST_DUE
                assert got.subscription_period_end == period_end
                assert got.tier(T0) is Tier.PRO

    async def test_a_taken_mobile_number_is_refused(self, uow_factory: UnitOfWorkFactory) -> None:
        await stored_user(uow_factory)
        with pytest.raises(MobileTaken):
            async with uow_factory() as uow:
                await uow.users.add(a_user())
                await uow.commit()

    async def test_concurrent_adds_of_one_number_keep_one(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        async def add() -> bool:
            try:
                async with uow_factory() as uow:
                    await uow.users.add(a_user())
                    await uow.commit()
                return True
            except MobileTaken:
                return False

        results = await asyncio.gather(*[add() for _ in range(5)])
        assert sorted(results) == [False] * 4 + [True]

    async def test_set_password_bumps_the_token_version_on_request(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)
        async with uow_factory() as uow:
            await uow.users.set_password(user.id, "h1", bump_token_version=False)
            await uow.commit()
        async with uow_factory() as uow:
            got = await uow.users.get(user.id)
            assert got is not None and (got.password_hash, got.token_version) == ("h1", 0)
            await uow.users.set_password(user.id, "h2", bump_token_version=True)
            await uow.commit()
        async with uow_factory() as uow:
            got = await uow.users.get(user.id)
            assert got is not None and (got.password_hash, got.token_version) == ("h2", 1)

    async def test_revoking_tokens_bumps_the_version_and_keeps_the_password(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)
        async with uow_factory() as uow:
            await uow.users.set_password(user.id, "h1", bump_token_version=False)
            assert await uow.users.revoke_tokens(user.id)
            assert await uow.users.revoke_tokens(user.id)
            assert not await uow.users.revoke_tokens(uuid.uuid4())
            await uow.commit()
        async with uow_factory() as uow:
            got = await uow.users.get(user.id)
            assert got is not None and (got.password_hash, got.token_version) == ("h1", 2)


class ChatroomRepositoryContract:
    async def test_rooms_belong_to_their_owner(self, uow_factory: UnitOfWorkFactory) -> None:
        owner = await stored_user(uow_factory)
        other = await stored_user(uow_factory, "+14155550100")
        room = a_room(owner)
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.chatrooms.get(owner.id, room.id) == room
            assert await uow.chatrooms.get(other.id, room.id) is None
            assert await uow.chatrooms.rename(other.id, room.id, "x", T0) is None
            assert await uow.chatrooms.touch(other.id, room.id, T0) is False
            assert await uow.chatrooms.delete(other.id, room.id) is False
            renamed = await uow.chatrooms.rename(owner.id, room.id, "new", T0 + timedelta(1))
            assert renamed is not None and renamed.name == "new"
            await uow.commit()

    async def test_rename_sets_the_instruction_and_who_named_the_room(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner = await stored_user(uow_factory)
        room = msgspec.structs.replace(a_room(owner), named_by_user=False)
        later = T0 + timedelta(minutes=1)
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.commit()
        async with uow_factory() as uow:
            # The instruction alone: the name, and who named it, unchanged.
            got = await uow.chatrooms.rename(
                owner.id, room.id, None, later, system_instruction="be brief"
            )
            assert got is not None and (got.name, got.named_by_user) == ("room", False)
            assert got.system_instruction == "be brief" and got.updated_at == later
            got = await uow.chatrooms.rename(owner.id, room.id, "mine", later)
            assert got is not None and (got.name, got.named_by_user) == ("mine", True)
            assert got.system_instruction == "be brief"  # UNSET leaves it
            got = await uow.chatrooms.rename(
                owner.id, room.id, None, later, system_instruction=None
            )
            assert got is not None and got.system_instruction is None
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.chatrooms.get(owner.id, room.id) == got

    async def test_a_title_lands_only_while_the_user_has_not_named_the_room(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner = await stored_user(uow_factory)
        other = await stored_user(uow_factory, "+14155550100")
        room = msgspec.structs.replace(a_room(owner), named_by_user=False)
        later = T0 + timedelta(minutes=1)
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.chatrooms.set_title(other.id, room.id, "theirs", later) is None
            titled = await uow.chatrooms.set_title(owner.id, room.id, "Goa trip", later)
            assert titled is not None and titled.name == "Goa trip"
            assert titled.updated_at == later and titled.named_by_user is False
            # A second title may replace the first (the model's own).
            assert await uow.chatrooms.set_title(owner.id, room.id, "Goa", later) is not None
            assert await uow.chatrooms.rename(owner.id, room.id, "mine", later) is not None
            assert await uow.chatrooms.set_title(owner.id, room.id, "late title", later) is None
            await uow.commit()
        async with uow_factory() as uow:
            stored = await uow.chatrooms.get(owner.id, room.id)
            assert stored is not None and (stored.name, stored.named_by_user) == ("mine", True)

    async def test_add_within_limit_stops_at_the_limit(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner = await stored_user(uow_factory)
        other = await stored_user(uow_factory, "+14155550100")
        async with uow_factory() as uow:
            assert await uow.chatrooms.add_within_limit(a_room(owner), 2)
            assert await uow.chatrooms.add_within_limit(a_room(owner), 2)
            refused = a_room(owner)
            assert not await uow.chatrooms.add_within_limit(refused, 2)
            assert await uow.chatrooms.add_within_limit(a_room(other), 2)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.chatrooms.get(owner.id, refused.id) is None
            assert len(await uow.chatrooms.list_page(owner.id, 10, None)) == 2

    async def test_concurrent_adds_within_a_limit_never_pass_it(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner = await stored_user(uow_factory)

        async def add() -> bool:
            async with uow_factory() as uow:
                added = await uow.chatrooms.add_within_limit(a_room(owner), 3)
                await asyncio.sleep(0.01)  # hold the transaction open a moment
                await uow.commit()
                return added

        results = await asyncio.gather(*[add() for _ in range(12)])
        assert results.count(True) == 3
        async with uow_factory() as uow:
            assert len(await uow.chatrooms.list_page(owner.id, 20, None)) == 3

    async def test_list_pages_newest_activity_first(self, uow_factory: UnitOfWorkFactory) -> None:
        owner = await stored_user(uow_factory)
        rooms = [a_room(owner, T0 + timedelta(minutes=i), f"r{i}") for i in range(5)]
        async with uow_factory() as uow:
            for room in rooms:
                await uow.chatrooms.add(room)
            # activity on the oldest room moves it to the front
            assert await uow.chatrooms.touch(owner.id, rooms[0].id, T0 + timedelta(hours=1))
            await uow.commit()
        async with uow_factory() as uow:
            first = await uow.chatrooms.list_page(owner.id, 2, None)
            assert [r.name for r in first] == ["r0", "r4"]
            cursor = ChatroomCursor(activity_at=first[-1].activity_at, id=first[-1].id)
            second = await uow.chatrooms.list_page(owner.id, 10, cursor)
            assert [r.name for r in second] == ["r3", "r2", "r1"]

    async def test_delete_removes_the_messages(self, uow_factory: UnitOfWorkFactory) -> None:
        owner = await stored_user(uow_factory)
        room = a_room(owner)
        message = a_message(room)
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.messages.add(message)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.chatrooms.delete(owner.id, room.id) is True
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.messages.get(message.id) is None


class MessageRepositoryContract(FinishCountsTokensContract):
    async def test_add_stores_several_in_order(self, uow_factory: UnitOfWorkFactory) -> None:
        owner = await stored_user(uow_factory)
        room = a_room(owner)
        prompt = a_message(room, content="q")
        reply = a_message(room, Role.MODEL, MessageStatus.PENDING, content="")
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.messages.add(prompt, reply)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.messages.list_page(room.id, 10, None) == [reply, prompt]

    async def test_pages_go_back_in_time(self, uow_factory: UnitOfWorkFactory) -> None:
        owner = await stored_user(uow_factory)
        room = a_room(owner)
        messages = [a_message(room, content=str(i)) for i in range(7)]
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            for message in messages:
                await uow.messages.add(message)
            await uow.commit()
        async with uow_factory() as uow:
            newest = await uow.messages.list_page(room.id, 3, None)
            assert [m.content for m in newest] == ["6", "5", "4"]
            older = await uow.messages.list_page(room.id, 10, newest[-1].id)
            assert [m.content for m in older] == ["3", "2", "1", "0"]

    async def test_finish_writes_once(self, uow_factory: UnitOfWorkFactory) -> None:
        owner = await stored_user(uow_factory)
        room = a_room(owner)
        reply = a_message(room, Role.MODEL, MessageStatus.PENDING, content="")
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.messages.add(reply)
            await uow.commit()

        async def finish(text: str) -> bool:
            async with uow_factory() as uow:
                won = await uow.messages.finish(
                    reply.id,
                    status=MessageStatus.COMPLETED,
                    content=text,
                    error=None,
                    completed_at=T0,
                    prompt_tokens=1,
                    output_tokens=2,
                )
                await uow.commit()
                return won

        results = await asyncio.gather(finish("a"), finish("b"), finish("c"))
        assert sorted(results) == [False, False, True]
        async with uow_factory() as uow:
            stored = await uow.messages.get(reply.id)
            assert stored is not None and stored.status is MessageStatus.COMPLETED
            assert stored.content in "abc" and stored.output_tokens == 2
            assert await uow.messages.claim_delivery(reply.id, 10) is None

    async def test_deliveries_are_counted_while_pending(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner = await stored_user(uow_factory)
        room = a_room(owner)
        reply = a_message(room, Role.MODEL, MessageStatus.PENDING, content="")
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.messages.add(reply)
            await uow.commit()
        for expected in (1, 2):
            async with uow_factory() as uow:
                started = await uow.messages.claim_delivery(reply.id, 10)
                await uow.commit()
            assert started is not None and started.reply.deliveries == expected

    async def test_stale_pending_is_the_old_pending_replies(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner = await stored_user(uow_factory)
        room = a_room(owner)
        old = a_message(room, Role.MODEL, MessageStatus.PENDING, T0, "")
        new = a_message(room, Role.MODEL, MessageStatus.PENDING, T0 + timedelta(minutes=5), "")
        failed = a_message(room, Role.MODEL, MessageStatus.FAILED, T0, "")
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            for message in (old, new, failed):
                await uow.messages.add(message)
            await uow.commit()
        async with uow_factory() as uow:
            stale = await uow.messages.stale_pending(T0 + timedelta(minutes=1), 10)
            assert [m.id for m in stale] == [old.id]


class SubscriptionRepositoryContract:
    async def test_save_replaces_and_finds_by_customer(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        owner = await stored_user(uow_factory)
        first = Subscription(user_id=owner.id, customer_id="cus_1")
        second = Subscription(
            user_id=owner.id,
            customer_id="cus_1",
            subscription_id="sub_1",
            status=SubscriptionStatus.ACTIVE,
            current_period_end=T0 + timedelta(days=30),
            cancel_at_period_end=True,
            event_created=42,
        )
        async with uow_factory() as uow:
            assert await uow.subscriptions.get(owner.id) is None
            await uow.subscriptions.save(first)
            await uow.subscriptions.save(second)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.subscriptions.get(owner.id) == second
            assert await uow.subscriptions.get_for_update(owner.id) == second
            assert await uow.subscriptions.find_by_customer("cus_1") == second
            assert await uow.subscriptions.find_by_customer("cus_2") is None

    async def test_processed_events_are_recorded_once(self, uow_factory: UnitOfWorkFactory) -> None:
        async def record() -> bool:
            async with uow_factory() as uow:
                added = await uow.processed_events.add("evt_1", T0)
                await uow.commit()
                return added

        results = await asyncio.gather(*[record() for _ in range(5)])
        assert sorted(results) == [False] * 4 + [True]
