"""Chatrooms, listed by latest activity."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.rows import chatroom_of_row
from adapters.sqlalchemy.tables import chatrooms, messages, users
from gemini_core.model import Chatroom
from gemini_core.ports import ChatroomCursor

# The hot statements, built once (building one and its cache key costs
# ~100 us of Python per call).
# (Not named after the columns: an UPDATE reserves those names for its SET.)
OWNED = sa.and_(
    chatrooms.c.id == sa.bindparam("owned_room_id"),
    chatrooms.c.user_id == sa.bindparam("owner_id"),
)
GET_OWNED = chatrooms.select().where(OWNED)
TOUCH = (
    chatrooms.update()
    .where(OWNED)
    .values(last_message_at=sa.bindparam("touched_at"), activity_at=sa.bindparam("touched_at"))
    .returning(chatrooms.c.id)
)


def _room_values(room: Chatroom) -> dict[str, Any]:
    return {
        "id": room.id,
        "user_id": room.user_id,
        "name": room.name,
        "created_at": room.created_at,
        "updated_at": room.updated_at,
        "last_message_at": room.last_message_at,
        "activity_at": room.activity_at,
        "system_instruction": room.system_instruction,
        "named_by_user": room.named_by_user,
    }


class SqlChatroomRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, room: Chatroom) -> None:
        await self._conn.execute(chatrooms.insert().values(**_room_values(room)))

    async def add_within_limit(self, room: Chatroom, limit: int) -> bool:
        # Lock the owner's row first (PostgreSQL: FOR NO KEY UPDATE, which
        # concurrent message inserts' foreign-key checks do not wait for), so
        # the same user's creates run one at a time and each counts what the
        # one before committed: a statement started after the lock sees it.
        # SQLite renders no lock; its BEGIN IMMEDIATE already serializes.
        await self._conn.execute(
            sa.select(users.c.id).where(users.c.id == room.user_id).with_for_update(key_share=True)
        )
        owned = (
            sa.select(sa.func.count())
            .select_from(chatrooms)
            .where(chatrooms.c.user_id == room.user_id)
            .scalar_subquery()
        )
        values = _room_values(room)
        row = sa.select(*(sa.literal(v, chatrooms.c[k].type) for k, v in values.items()))
        stmt = (
            chatrooms.insert()
            .from_select(list(values), row.where(owned < limit))
            .returning(chatrooms.c.id)
        )
        return (await self._conn.execute(stmt)).first() is not None

    async def get(self, user_id: uuid.UUID, room_id: uuid.UUID) -> Chatroom | None:
        params = {"owned_room_id": room_id, "owner_id": user_id}
        row = (await self._conn.execute(GET_OWNED, params)).first()
        return chatroom_of_row(row._mapping) if row else None

    async def list_page(
        self, user_id: uuid.UUID, limit: int, after: ChatroomCursor | None
    ) -> list[Chatroom]:
        stmt = chatrooms.select().where(chatrooms.c.user_id == user_id)
        if after is not None:
            stmt = stmt.where(
                sa.tuple_(chatrooms.c.activity_at, chatrooms.c.id)
                < sa.tuple_(
                    sa.literal(after.activity_at, chatrooms.c.activity_at.type),
                    sa.literal(after.id, chatrooms.c.id.type),
                )
            )
        stmt = stmt.order_by(chatrooms.c.activity_at.desc(), chatrooms.c.id.desc()).limit(limit)
        return [chatroom_of_row(row._mapping) for row in await self._conn.execute(stmt)]

    async def rename(
        self,
        user_id: uuid.UUID,
        room_id: uuid.UUID,
        name: str | None,
        now: datetime,
        *,
        system_instruction: str | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> Chatroom | None:
        values: dict[str, Any] = {"updated_at": now}
        if name is not None:
            values.update(name=name, named_by_user=True)
        if system_instruction is not msgspec.UNSET:
            values["system_instruction"] = system_instruction
        stmt = (
            chatrooms.update()
            .where(chatrooms.c.id == room_id, chatrooms.c.user_id == user_id)
            .values(**values)
            .returning(*chatrooms.c)
        )
        row = (await self._conn.execute(stmt)).first()
        return chatroom_of_row(row._mapping) if row else None

    async def set_title(
        self, user_id: uuid.UUID, room_id: uuid.UUID, title: str, now: datetime
    ) -> Chatroom | None:
        # The condition on named_by_user is in the UPDATE itself, so a rename
        # that lands first (or commits while this waits for its row lock)
        # wins: the title is never written over a name the user chose.
        stmt = (
            chatrooms.update()
            .where(
                chatrooms.c.id == room_id,
                chatrooms.c.user_id == user_id,
                chatrooms.c.named_by_user.is_(False),
            )
            .values(name=title, updated_at=now)
            .returning(*chatrooms.c)
        )
        row = (await self._conn.execute(stmt)).first()
        return chatroom_of_row(row._mapping) if row else None

    async def delete(self, user_id: uuid.UUID, room_id: uuid.UUID) -> bool:
        owned = sa.select(chatrooms.c.id).where(
            chatrooms.c.id == room_id, chatrooms.c.user_id == user_id
        )
        # Explicit rather than trusting ON DELETE CASCADE, which SQLite honours
        # only with its foreign_keys pragma on.
        await self._conn.execute(messages.delete().where(messages.c.chatroom_id.in_(owned)))
        stmt = (
            chatrooms.delete()
            .where(chatrooms.c.id == room_id, chatrooms.c.user_id == user_id)
            .returning(chatrooms.c.id)
        )
        return (await self._conn.execute(stmt)).first() is not None

    async def touch(self, user_id: uuid.UUID, room_id: uuid.UUID, at: datetime) -> bool:
        params = {"owned_room_id": room_id, "owner_id": user_id, "touched_at": at}
        return (await self._conn.execute(TOUCH, params)).first() is not None
