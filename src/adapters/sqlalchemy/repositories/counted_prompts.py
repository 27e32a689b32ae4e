"""A prompt, its pending reply, the room's activity and the day's count, as
one atomic step (``MessageRepository.add_counted``).

It was a transaction of five round trips to PostgreSQL (BEGIN, the count,
the room, the messages, COMMIT), and each costs more CPU here (the loopback
send, the driver, the event loop) than the statement's own work. Here it is
one statement of data-modifying CTEs, atomic by itself in an autocommit
unit of work:

- ``room``: the user's room, read without a lock;
- ``counted``: the day's row, counting one prompt under the limit and the
  budget, only for a room found. It locks the day's row before the room,
  in the order a new reply version takes them, so the two cannot deadlock;
- ``touched``: the room's activity, only once counted; the row lock holds a
  concurrent delete off until the statement ends;
- ``stored``: the two messages, only once counted. A room deleted after the
  read, before ``touched``, fails the messages' foreign key at the end of
  the statement, which undoes all of it: that reads as "not found".

SQLite has no data-modifying CTEs: the same steps run inside a SAVEPOINT.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.chatrooms import GET_OWNED, OWNED, TOUCH
from adapters.sqlalchemy.repositories.daily_usage import count_under, take_statement
from adapters.sqlalchemy.repositories.rows import row_of_message
from adapters.sqlalchemy.repositories.savepoints import savepoint
from adapters.sqlalchemy.tables import chatrooms, daily_usage, messages
from gemini_core.model import Message
from gemini_core.ports import CountedPrompt

_ROOM_FOREIGN_KEY = "fk_messages_chatroom_id_chatrooms"  # migration 0001
_NEW = ("m0", "m1")  # the prompt's and the reply's parameters: m0_id, m1_content, ...


@functools.cache
def _postgres_statement(*, limited: bool, budgeted: bool) -> Any:
    # The room's read and touch are the repository's own (GET_OWNED, TOUCH).
    room = sa.select(chatrooms.c.id).where(OWNED).cte("room")
    first_of_day = postgresql.insert(daily_usage).from_select(
        ["user_id", "day", "used"],
        sa.select(
            sa.bindparam("owner_id", type_=sa.Uuid()),
            sa.bindparam("for_day", type_=sa.Date()),
            sa.literal(1),
        ).select_from(room),
    )
    counted = count_under(first_of_day, limited=limited, budgeted=budgeted).cte("counted")
    was_counted = sa.exists(sa.select(counted.c.used))
    touched = TOUCH.where(was_counted).cte("touched")
    new_rows = sa.union_all(
        *(
            sa.select(
                *(sa.bindparam(f"{new}_{column.name}", type_=column.type) for column in messages.c)
            ).where(was_counted)
            for new in _NEW
        )
    )
    stored = (
        messages.insert()
        .from_select([column.name for column in messages.c], new_rows)
        .returning(messages.c.id)
        .cte("stored")
    )
    return (
        sa.select(
            sa.select(counted.c.used).scalar_subquery().label("used"),
            sa.exists(sa.select(room.c.id)).label("room_found"),
        )
        .add_cte(touched)
        .add_cte(stored)
    )


class _NotStored(Exception):
    """Rolls the SQLite savepoint back with what to answer."""

    def __init__(self, answer: CountedPrompt) -> None:
        self.answer = answer


async def add_counted_prompt(
    conn: AsyncConnection,
    prompt: Message,
    reply: Message,
    day: date,
    limit: int | None,
    budget: int | None,
) -> CountedPrompt:
    """``MessageRepository.add_counted``."""
    params: dict[str, Any] = {
        "for_day": day,
        "owner_id": prompt.user_id,
        "for_user_id": prompt.user_id,
        "owned_room_id": prompt.chatroom_id,
        "touched_at": prompt.created_at,
        "limit": limit,
        "budget": budget,
    }
    if (limit is not None and limit < 1) or (budget is not None and budget < 1):
        # Nothing to count under: a day's first row would count one anyway.
        found = (await conn.execute(GET_OWNED, params)).first() is not None
        return CountedPrompt(used=None, room_found=found)
    if conn.dialect.name == postgresql.dialect.name:
        return await _on_postgres(conn, prompt, reply, params)
    try:
        async with savepoint(conn, "add_prompt"):
            if (await conn.execute(TOUCH, params)).first() is None:
                raise _NotStored(CountedPrompt(used=None, room_found=False))
            take = take_statement(
                conn.dialect.name, limited=limit is not None, budgeted=budget is not None
            )
            used = (await conn.execute(take, params)).scalar_one_or_none()
            if used is None:
                raise _NotStored(CountedPrompt(used=None, room_found=True))
            await conn.execute(messages.insert(), [row_of_message(prompt), row_of_message(reply)])
    except _NotStored as refused:
        return refused.answer
    return CountedPrompt(used=int(used), room_found=True)


async def _on_postgres(
    conn: AsyncConnection, prompt: Message, reply: Message, params: dict[str, Any]
) -> CountedPrompt:
    for new, message in zip(_NEW, (prompt, reply), strict=True):
        params.update(
            {f"{new}_{column}": value for column, value in row_of_message(message).items()}
        )
    statement = _postgres_statement(
        limited=params["limit"] is not None, budgeted=params["budget"] is not None
    )
    try:
        row = (await conn.execute(statement, params)).one()
    except IntegrityError as error:
        if getattr(getattr(error.orig, "diag", None), "constraint_name", None) == _ROOM_FOREIGN_KEY:
            return CountedPrompt(used=None, room_found=False)  # deleted meanwhile
        raise
    return CountedPrompt(
        used=None if row.used is None else int(row.used), room_found=row.room_found
    )
