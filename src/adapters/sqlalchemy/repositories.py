"""Repositories over one open connection (the unit of work's transaction).

Plain SQLAlchemy Core: rows map straight onto the core's msgspec Structs,
with no ORM identity map to keep in step. Inserts that may collide use the
dialect's ``ON CONFLICT ... RETURNING`` so a collision never aborts the
surrounding PostgreSQL transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.tables import chatrooms, messages, processed_events, subscriptions, users
from adapters.sqlalchemy.tables import messages as messages_table
from gemini_core.errors import MobileTaken
from gemini_core.model import (
    Chatroom,
    Message,
    MessageStatus,
    Role,
    Subscription,
    SubscriptionStatus,
    User,
)
from gemini_core.ports import ChatroomCursor


def _insert(conn: AsyncConnection, table: sa.Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        mobile_number=row["mobile_number"],
        name=row["name"],
        email=row["email"],
        password_hash=row["password_hash"],
        token_version=row["token_version"],
        created_at=row["created_at"],
        pending_password_hash=row["pending_password_hash"],
        mobile_verified_at=row["mobile_verified_at"],
    )


def _chatroom(row: RowMapping) -> Chatroom:
    return Chatroom(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_message_at=row["last_message_at"],
    )


def _message(row: RowMapping) -> Message:
    return Message(
        id=row["id"],
        chatroom_id=row["chatroom_id"],
        user_id=row["user_id"],
        role=Role(row["role"]),
        content=row["content"],
        status=MessageStatus(row["status"]),
        error=row["error"],
        created_at=row["created_at"],
        completed_at=row["completed_at"],
        prompt_tokens=row["prompt_tokens"],
        output_tokens=row["output_tokens"],
        deliveries=row["deliveries"],
    )


def _subscription(row: RowMapping) -> Subscription:
    return Subscription(
        user_id=row["user_id"],
        status=SubscriptionStatus(row["status"]),
        customer_id=row["customer_id"],
        subscription_id=row["subscription_id"],
        current_period_end=row["current_period_end"],
        cancel_at_period_end=row["cancel_at_period_end"],
        event_created=row["event_created"],
    )


class SqlUserRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, user: User) -> None:
        stmt = (
            _insert(self._conn, users)
            .values(
                id=user.id,
                mobile_number=user.mobile_number,
                name=user.name,
                email=user.email,
                password_hash=user.password_hash,
                token_version=user.token_version,
                created_at=user.created_at,
                pending_password_hash=user.pending_password_hash,
                mobile_verified_at=user.mobile_verified_at,
            )
            .on_conflict_do_nothing(index_elements=["mobile_number"])
            .returning(users.c.id)
        )
        if (await self._conn.execute(stmt)).first() is None:
            raise MobileTaken()

    async def get(self, user_id: uuid.UUID) -> User | None:
        row = (await self._conn.execute(users.select().where(users.c.id == user_id))).first()
        return _user(row._mapping) if row else None

    async def get_by_mobile(self, mobile_number: str) -> User | None:
        stmt = users.select().where(users.c.mobile_number == mobile_number)
        row = (await self._conn.execute(stmt)).first()
        return _user(row._mapping) if row else None

    async def set_password(
        self, user_id: uuid.UUID, password_hash: str, *, bump_token_version: bool
    ) -> None:
        values: dict[str, Any] = {"password_hash": password_hash}
        if bump_token_version:
            values["token_version"] = users.c.token_version + 1
        await self._conn.execute(users.update().where(users.c.id == user_id).values(**values))

    async def restart_signup(
        self,
        user_id: uuid.UUID,
        *,
        name: str | None,
        email: str | None,
        pending_password_hash: str | None,
    ) -> bool:
        stmt = (
            users.update()
            .where(users.c.id == user_id, users.c.mobile_verified_at.is_(None))
            .values(name=name, email=email, pending_password_hash=pending_password_hash)
        )
        return (await self._conn.execute(stmt)).rowcount == 1

    async def mark_verified(
        self, user_id: uuid.UUID, at: datetime, *, confirm_pending: str | None
    ) -> None:
        # One UPDATE: the pending hash is compared and moved in the same step,
        # so a signup that replaced it meanwhile is never confirmed by this.
        values: dict[str, Any] = {
            "mobile_verified_at": sa.func.coalesce(
                users.c.mobile_verified_at, sa.literal(at, users.c.mobile_verified_at.type)
            ),
            "pending_password_hash": None,
        }
        if confirm_pending is not None:
            values["password_hash"] = sa.case(
                (users.c.pending_password_hash == confirm_pending, users.c.pending_password_hash),
                else_=users.c.password_hash,
            )
        await self._conn.execute(users.update().where(users.c.id == user_id).values(**values))


class SqlChatroomRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, room: Chatroom) -> None:
        await self._conn.execute(
            chatrooms.insert().values(
                id=room.id,
                user_id=room.user_id,
                name=room.name,
                created_at=room.created_at,
                updated_at=room.updated_at,
                last_message_at=room.last_message_at,
                activity_at=room.activity_at,
            )
        )

    async def get(self, user_id: uuid.UUID, room_id: uuid.UUID) -> Chatroom | None:
        stmt = chatrooms.select().where(chatrooms.c.id == room_id, chatrooms.c.user_id == user_id)
        row = (await self._conn.execute(stmt)).first()
        return _chatroom(row._mapping) if row else None

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
        return [_chatroom(row._mapping) for row in await self._conn.execute(stmt)]

    async def rename(
        self, user_id: uuid.UUID, room_id: uuid.UUID, name: str, now: datetime
    ) -> Chatroom | None:
        stmt = (
            chatrooms.update()
            .where(chatrooms.c.id == room_id, chatrooms.c.user_id == user_id)
            .values(name=name, updated_at=now)
            .returning(*chatrooms.c)
        )
        row = (await self._conn.execute(stmt)).first()
        return _chatroom(row._mapping) if row else None

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
        stmt = (
            chatrooms.update()
            .where(chatrooms.c.id == room_id, chatrooms.c.user_id == user_id)
            .values(last_message_at=at, activity_at=at)
            .returning(chatrooms.c.id)
        )
        return (await self._conn.execute(stmt)).first() is not None


class SqlMessageRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, *messages: Message) -> None:
        rows = [
            {
                "id": message.id,
                "chatroom_id": message.chatroom_id,
                "user_id": message.user_id,
                "role": message.role.value,
                "content": message.content,
                "status": message.status.value,
                "error": message.error,
                "created_at": message.created_at,
                "completed_at": message.completed_at,
                "prompt_tokens": message.prompt_tokens,
                "output_tokens": message.output_tokens,
                "deliveries": message.deliveries,
            }
            for message in messages
        ]
        if rows:
            # One multi-row INSERT: one round trip for a prompt and its reply.
            await self._conn.execute(messages_table.insert().values(rows))

    async def get(self, message_id: uuid.UUID) -> Message | None:
        stmt = messages.select().where(messages.c.id == message_id)
        row = (await self._conn.execute(stmt)).first()
        return _message(row._mapping) if row else None

    async def list_page(
        self, chatroom_id: uuid.UUID, limit: int, before: uuid.UUID | None
    ) -> list[Message]:
        stmt = messages.select().where(messages.c.chatroom_id == chatroom_id)
        if before is not None:
            stmt = stmt.where(messages.c.id < before)
        stmt = stmt.order_by(messages.c.id.desc()).limit(limit)
        return [_message(row._mapping) for row in await self._conn.execute(stmt)]

    async def start_delivery(self, message_id: uuid.UUID) -> Message | None:
        stmt = (
            messages.update()
            .where(messages.c.id == message_id, messages.c.status == MessageStatus.PENDING.value)
            .values(deliveries=messages.c.deliveries + 1)
            .returning(*messages.c)
        )
        row = (await self._conn.execute(stmt)).first()
        return _message(row._mapping) if row else None

    async def finish(
        self,
        message_id: uuid.UUID,
        *,
        status: MessageStatus,
        content: str,
        error: str | None,
        completed_at: datetime,
        prompt_tokens: int | None = None,
        output_tokens: int | None = None,
    ) -> bool:
        stmt = (
            messages.update()
            .where(messages.c.id == message_id, messages.c.status == MessageStatus.PENDING.value)
            .values(
                status=status.value,
                content=content,
                error=error,
                completed_at=completed_at,
                prompt_tokens=prompt_tokens,
                output_tokens=output_tokens,
            )
            .returning(messages.c.id)
        )
        return (await self._conn.execute(stmt)).first() is not None

    async def stale_pending(self, created_before: datetime, limit: int) -> list[Message]:
        stmt = (
            messages.select()
            .where(
                messages.c.status == MessageStatus.PENDING.value,
                messages.c.created_at < created_before,
            )
            .order_by(messages.c.created_at)
            .limit(limit)
        )
        return [_message(row._mapping) for row in await self._conn.execute(stmt)]

    async def count_prompts_since(self, user_id: uuid.UUID, since: datetime) -> int:
        # Every prompt has exactly one reply; counting the replies that did not
        # fail counts the prompts that still hold a unit of quota.
        stmt = sa.select(sa.func.count()).where(
            messages.c.user_id == user_id,
            messages.c.role == Role.MODEL.value,
            messages.c.status != MessageStatus.FAILED.value,
            messages.c.created_at >= since,
        )
        return int((await self._conn.execute(stmt)).scalar_one())


class SqlSubscriptionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, user_id: uuid.UUID) -> Subscription | None:
        stmt = subscriptions.select().where(subscriptions.c.user_id == user_id)
        row = (await self._conn.execute(stmt)).first()
        return _subscription(row._mapping) if row else None

    async def get_for_update(self, user_id: uuid.UUID) -> Subscription | None:
        stmt = subscriptions.select().where(subscriptions.c.user_id == user_id).with_for_update()
        row = (await self._conn.execute(stmt)).first()
        return _subscription(row._mapping) if row else None

    async def find_by_customer(self, customer_id: str) -> Subscription | None:
        stmt = subscriptions.select().where(subscriptions.c.customer_id == customer_id)
        row = (await self._conn.execute(stmt)).first()
        return _subscription(row._mapping) if row else None

    async def save(self, subscription: Subscription) -> None:
        values = {
            "user_id": subscription.user_id,
            "status": subscription.status.value,
            "customer_id": subscription.customer_id,
            "subscription_id": subscription.subscription_id,
            "current_period_end": subscription.current_period_end,
            "cancel_at_period_end": subscription.cancel_at_period_end,
            "event_created": subscription.event_created,
        }
        stmt = _insert(self._conn, subscriptions).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id"],
            set_={k: v for k, v in values.items() if k != "user_id"},
        )
        await self._conn.execute(stmt)


class SqlProcessedEventRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, event_id: str, received_at: datetime) -> bool:
        stmt = (
            _insert(self._conn, processed_events)
            .values(event_id=event_id, received_at=received_at)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(processed_events.c.event_id)
        )
        return (await self._conn.execute(stmt)).first() is not None
