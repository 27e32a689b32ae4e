"""Messages: prompts and the replies the workers fill in."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.counted_prompts import add_counted_prompt
from adapters.sqlalchemy.repositories.deliveries import claim_delivery
from adapters.sqlalchemy.repositories.reply_tokens import finish_counting_tokens
from adapters.sqlalchemy.repositories.room_pages import read_room_page
from adapters.sqlalchemy.repositories.rows import message_of_row, row_of_message
from adapters.sqlalchemy.repositories.statements import PAGE, PAGE_BEFORE, PENDING
from adapters.sqlalchemy.tables import messages
from adapters.sqlalchemy.tables import messages as messages_table
from gemini_core.model import Message, MessageStatus, Role
from gemini_core.ports import CountedPrompt, Delivery, RoomPage

# The hot statements, built once: building a statement and its cache key
# costs ~100-150 us of Python per call, more than running it takes here.
# (The page and the delivery claim are in statements.py.)
_FORWARD = (
    messages.select()
    .where(messages.c.chatroom_id == sa.bindparam("chatroom_id"))
    .order_by(messages.c.id)
    .limit(sa.bindparam("limit"))
)
_FORWARD_AFTER = _FORWARD.where(messages.c.id > sa.bindparam("after"))
_MODEL_MAX = 64  # the column's length (migration 0004)
_FINISH = messages.update().where(PENDING).returning(messages.c.id)
_LAST_PROMPT = (
    messages.select()
    .where(
        messages.c.chatroom_id == sa.bindparam("chatroom_id"),
        messages.c.role == Role.USER.value,
    )
    .order_by(messages.c.id.desc())
    .limit(1)
)
_SUPERSEDE = (
    messages.update()
    .where(
        messages.c.reply_to == sa.bindparam("prompt_id"),
        messages.c.superseded_at.is_(None),
        messages.c.status != MessageStatus.PENDING.value,
    )
    .values(superseded_at=sa.bindparam("now"))
    .returning(*messages.c)
)


class SqlMessageRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, *messages: Message) -> None:
        rows = [row_of_message(message) for message in messages]
        if rows:
            # executemany, not ``insert().values(rows)``: a statement with its
            # values inline is compiled anew on every call (SQLAlchemy cannot
            # cache it; 8 % of a prompt's CPU in the profile), while this one
            # is compiled once, and psycopg pipelines its rows in one round trip.
            await self._conn.execute(messages_table.insert(), rows)

    async def add_counted(
        self,
        prompt: Message,
        reply: Message,
        *,
        day: date,
        limit: int | None,
        token_budget: int | None,
    ) -> CountedPrompt:
        return await add_counted_prompt(self._conn, prompt, reply, day, limit, token_budget)

    async def get(self, message_id: uuid.UUID) -> Message | None:
        stmt = messages.select().where(messages.c.id == message_id)
        row = (await self._conn.execute(stmt)).first()
        return message_of_row(row._mapping) if row else None

    async def list_page(
        self, chatroom_id: uuid.UUID, limit: int, before: uuid.UUID | None
    ) -> list[Message]:
        params = {"chatroom_id": chatroom_id, "limit": limit, "before": before}
        stmt = PAGE if before is None else PAGE_BEFORE
        return [message_of_row(row._mapping) for row in await self._conn.execute(stmt, params)]

    async def room_page(
        self, owner_id: uuid.UUID, room_id: uuid.UUID, limit: int, before: uuid.UUID | None
    ) -> RoomPage | None:
        return await read_room_page(self._conn, owner_id, room_id, limit, before)

    async def list_after(
        self, chatroom_id: uuid.UUID, limit: int, after: uuid.UUID | None
    ) -> list[Message]:
        params = {"chatroom_id": chatroom_id, "limit": limit, "after": after}
        stmt = _FORWARD if after is None else _FORWARD_AFTER
        return [message_of_row(row._mapping) for row in await self._conn.execute(stmt, params)]

    async def claim_delivery(self, message_id: uuid.UUID, history_limit: int) -> Delivery | None:
        return await claim_delivery(self._conn, message_id, history_limit)

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
        thinking_tokens: int | None = None,
        total_tokens: int | None = None,
        model: str | None = None,
        count_tokens_on: date | None = None,
    ) -> bool:
        values: dict[str, object] = {
            "status": status.value,
            "content": content,
            "error": error,
            "completed_at": completed_at,
            "prompt_tokens": prompt_tokens,
            "output_tokens": output_tokens,
            "thinking_tokens": thinking_tokens,
            "total_tokens": total_tokens,
            # None keeps the model the pending reply was meant for; a model
            # version longer than the column is cut rather than refused.
            "model": None if model is None else model[:_MODEL_MAX],
        }
        if count_tokens_on is not None and total_tokens is not None:
            return await finish_counting_tokens(
                self._conn,
                {
                    **{f"new_{name}": value for name, value in values.items()},
                    "message_id": message_id,
                    "count_day": count_tokens_on,
                    "count_tokens": total_tokens,
                },
            )
        if model is None:
            del values["model"]
        return (
            await self._conn.execute(_FINISH, {**values, "message_id": message_id})
        ).first() is not None

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
        return [message_of_row(row._mapping) for row in await self._conn.execute(stmt)]

    async def last_prompt(self, chatroom_id: uuid.UUID) -> Message | None:
        row = (await self._conn.execute(_LAST_PROMPT, {"chatroom_id": chatroom_id})).first()
        return message_of_row(row._mapping) if row else None

    async def supersede_current(self, prompt_id: uuid.UUID, now: datetime) -> Message | None:
        # Never a pending current version: a prompt has at most one reply
        # not superseded, so this writes one row or none.
        rows = (await self._conn.execute(_SUPERSEDE, {"prompt_id": prompt_id, "now": now})).all()
        if not rows:
            return None
        return message_of_row(rows[0]._mapping)

    async def edit_prompt(self, prompt_id: uuid.UUID, content: str, now: datetime) -> bool:
        stmt = (
            messages.update()
            .where(messages.c.id == prompt_id, messages.c.role == Role.USER.value)
            .values(content=content, edited_at=now)
            .returning(messages.c.id)
        )
        return (await self._conn.execute(stmt)).first() is not None

    async def version_ids(
        self, prompt_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        if not prompt_ids:
            return {}
        stmt = (
            sa.select(messages.c.reply_to, messages.c.id)
            .where(messages.c.reply_to.in_(list(prompt_ids)))
            .order_by(messages.c.id)
        )
        found: dict[uuid.UUID, list[uuid.UUID]] = {}
        for prompt_id, reply_id in await self._conn.execute(stmt):
            found.setdefault(prompt_id, []).append(reply_id)
        return found
