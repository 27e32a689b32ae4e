"""A reply's final write with its tokens counted to the user's day, as one
atomic step (``MessageRepository.finish`` with ``count_tokens_on``).

PostgreSQL: one statement, the conditional UPDATE of the reply and the
upsert of the day's row as data-modifying CTEs. The upsert reads the
UPDATE's RETURNING, so it adds nothing when the reply was final already,
and a single statement is atomic in an autocommit unit of work too: no
BEGIN/COMMIT round trips on the hot path of every reply.

SQLite has no data-modifying CTEs: the two statements run inside a
SAVEPOINT, which outside a transaction begins one (and its RELEASE commits
it) and inside the caller's transaction nests in it. SQLite is in-process,
so the two extra statements cost no network round trip.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.dialect import dialect_insert_for
from adapters.sqlalchemy.repositories.savepoints import savepoint
from adapters.sqlalchemy.tables import daily_usage, messages
from gemini_core.model import MessageStatus

# What the final write sets, under names an UPDATE does not reserve; a
# model of None keeps the one the pending reply was meant for.
_SET: dict[str, Any] = {
    column: sa.bindparam(f"new_{column}", type_=messages.c[column].type)
    for column in (
        "status",
        "content",
        "error",
        "completed_at",
        "prompt_tokens",
        "output_tokens",
        "thinking_tokens",
        "total_tokens",
    )
}
_SET["model"] = sa.func.coalesce(
    sa.bindparam("new_model", type_=messages.c.model.type), messages.c.model
)
_PENDING = sa.and_(
    messages.c.id == sa.bindparam("message_id"),
    messages.c.status == MessageStatus.PENDING.value,
)


def _on_conflict_add(insert: Any) -> Any:
    return insert.on_conflict_do_update(
        index_elements=[daily_usage.c.user_id, daily_usage.c.day],
        set_={"tokens": daily_usage.c.tokens + insert.excluded.tokens},
    )


def _count_returned(source: Any) -> Any:
    """Add ``:count_tokens`` to the day's row of each user ``source``
    returns (none, or the finished reply's), made with no prompts when absent."""
    return _on_conflict_add(
        postgresql.insert(daily_usage).from_select(
            ["user_id", "day", "used", "tokens"],
            sa.select(
                source.c.user_id,
                sa.bindparam("count_day", type_=sa.Date()),
                sa.literal(0),
                sa.bindparam("count_tokens", type_=sa.BigInteger()),
            ),
        )
    )


@functools.cache
def _postgres_statement() -> Any:
    done = (
        messages.update()
        .where(_PENDING)
        .values(_SET)
        .returning(messages.c.id, messages.c.user_id)
        .cte("done")
    )
    counted = _count_returned(done).cte("counted")
    return sa.select(done.c.id).add_cte(counted)


_FINISH_RETURNING_USER = (
    messages.update().where(_PENDING).values(_SET).returning(messages.c.user_id)
)
_SQLITE_COUNT = _on_conflict_add(
    dialect_insert_for("sqlite", daily_usage).values(
        user_id=sa.bindparam("count_user_id"),
        day=sa.bindparam("count_day"),
        used=0,
        tokens=sa.bindparam("count_tokens"),
    )
)


async def finish_counting_tokens(conn: AsyncConnection, params: dict[str, Any]) -> bool:
    """The final write of ``params`` (``message_id``, ``new_<column>``,
    ``count_day``, ``count_tokens``) and, when it lands, the tokens counted;
    whether it landed."""
    if conn.dialect.name == postgresql.dialect.name:
        return (await conn.execute(_postgres_statement(), params)).first() is not None
    async with savepoint(conn, "finish_reply"):
        row = (await conn.execute(_FINISH_RETURNING_USER, params)).first()
        if row is not None:
            await conn.execute(_SQLITE_COUNT, {**params, "count_user_id": row.user_id})
    return row is not None
