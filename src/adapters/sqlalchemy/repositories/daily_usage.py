"""The daily quota's and token budget's counts: one row per user and UTC day."""

from __future__ import annotations

import functools
import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.dialect import dialect_insert_for
from adapters.sqlalchemy.tables import daily_usage
from gemini_core.model import DailyCounts


def count_under(insert: Any, *, limited: bool, budgeted: bool) -> Any:
    """``insert`` (of a day's row counting one prompt) made the day's count:
    on a later prompt of the day it locks the row and counts one more only
    while under ``:limit`` and ``:budget``, returning the count. PostgreSQL
    evaluates that WHERE on the newest committed counts, after waiting for
    any transaction that holds the row; SQLite has one writer at a time."""
    conditions = []
    if limited:
        conditions.append(daily_usage.c.used < sa.bindparam("limit"))
    if budgeted:
        conditions.append(daily_usage.c.tokens < sa.bindparam("budget"))
    return insert.on_conflict_do_update(
        index_elements=[daily_usage.c.user_id, daily_usage.c.day],
        set_={"used": daily_usage.c.used + 1},
        where=sa.and_(*conditions) if conditions else None,
    ).returning(daily_usage.c.used)


@functools.cache
def take_statement(dialect: str, *, limited: bool, budgeted: bool) -> Any:
    """One statement, built once per dialect and kind (it runs on every
    new reply version): the day's first prompt inserts the row, later ones
    count under the limit and budget (``count_under``)."""
    insert = dialect_insert_for(dialect, daily_usage).values(
        # (Not named after the columns: an INSERT reserves those names.)
        user_id=sa.bindparam("for_user_id"),
        day=sa.bindparam("for_day"),
        used=1,
    )
    return count_under(insert, limited=limited, budgeted=budgeted)


class SqlDailyUsageRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def take(
        self, user_id: uuid.UUID, day: date, limit: int | None, token_budget: int | None = None
    ) -> int | None:
        if (limit is not None and limit < 1) or (token_budget is not None and token_budget < 1):
            return None  # the insert below would count a first prompt
        stmt = take_statement(
            self._conn.dialect.name, limited=limit is not None, budgeted=token_budget is not None
        )
        params = {"for_user_id": user_id, "for_day": day, "limit": limit, "budget": token_budget}
        used = (await self._conn.execute(stmt, params)).scalar_one_or_none()
        return None if used is None else int(used)

    async def give_back(self, user_id: uuid.UUID, day: date) -> bool:
        stmt = (
            daily_usage.update()
            .where(
                daily_usage.c.user_id == user_id,
                daily_usage.c.day == day,
                daily_usage.c.used > 0,
            )
            .values(used=daily_usage.c.used - 1)
            .returning(daily_usage.c.used)
        )
        return (await self._conn.execute(stmt)).first() is not None

    async def used(self, user_id: uuid.UUID, day: date) -> int:
        stmt = sa.select(daily_usage.c.used).where(
            daily_usage.c.user_id == user_id, daily_usage.c.day == day
        )
        used = (await self._conn.execute(stmt)).scalar_one_or_none()
        return 0 if used is None else int(used)

    async def counts(self, user_id: uuid.UUID, day: date) -> DailyCounts:
        stmt = sa.select(daily_usage.c.used, daily_usage.c.tokens).where(
            daily_usage.c.user_id == user_id, daily_usage.c.day == day
        )
        row = (await self._conn.execute(stmt)).first()
        if row is None:
            return DailyCounts()
        return DailyCounts(prompts=int(row.used), tokens=int(row.tokens))
