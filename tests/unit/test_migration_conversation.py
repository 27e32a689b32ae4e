"""Migration 0004: every earlier reply learns the prompt it answers (the
newest prompt before it in its room), and rooms keep their user's names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine, upgrade_schema
from adapters.sqlalchemy.tables import chatrooms, messages
from gemini_core.ids import new_id
from gemini_core.model import Message, MessageStatus, Role
from tests.contracts.repositories import a_room, stored_user
from tests.support.old_schema import message_row_of_0003, room_row_of_0003


def _message(room_id: object, user_id: object, role: Role, at: datetime) -> Message:
    return Message(
        id=new_id(),
        chatroom_id=room_id,  # type: ignore[arg-type]
        user_id=user_id,  # type: ignore[arg-type]
        role=role,
        content=role.value,
        status=MessageStatus.COMPLETED,
        created_at=at,
    )


async def test_replies_learn_their_prompts_and_names_stay_the_users(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        await upgrade_schema(engine, "0003")
        uow_factory = SqlUnitOfWorkFactory(engine)
        user = await stored_user(uow_factory)
        room, other_room = a_room(user), a_room(user)
        at = datetime.now(UTC) - timedelta(hours=1)
        # Ids are UUIDv7, so creation order is id order.
        first = _message(room.id, user.id, Role.USER, at)
        first_reply = _message(room.id, user.id, Role.MODEL, at)
        second = _message(room.id, user.id, Role.USER, at)
        second_reply = _message(room.id, user.id, Role.MODEL, at)
        elsewhere = _message(other_room.id, user.id, Role.USER, at)
        elsewhere_reply = _message(other_room.id, user.id, Role.MODEL, at)
        rows = [first, first_reply, second, second_reply, elsewhere, elsewhere_reply]
        async with engine.begin() as conn:
            await conn.execute(
                chatrooms.insert(), [room_row_of_0003(r) for r in (room, other_room)]
            )
            await conn.execute(messages.insert(), [message_row_of_0003(m) for m in rows])

        await upgrade_schema(engine)

        async with uow_factory(autocommit=True) as uow:
            assert (await uow.messages.get(first.id)).reply_to is None  # type: ignore[union-attr]
            for reply, prompt in (
                (first_reply, first),
                (second_reply, second),
                (elsewhere_reply, elsewhere),
            ):
                stored = await uow.messages.get(reply.id)
                assert stored is not None and stored.reply_to == prompt.id
            stored_room = await uow.chatrooms.get(user.id, room.id)
            assert stored_room is not None and stored_room.named_by_user
            assert stored_room.system_instruction is None
    finally:
        await engine.dispose()
