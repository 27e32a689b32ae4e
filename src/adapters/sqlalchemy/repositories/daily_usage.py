"""The daily quota's count: one row per user and UTC day."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.dialect import dialect_insert
from adapters.sqlalchemy.tables import daily_usage


class SqlDailyUsageRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def take(self, user_id: uuid.UUID, day: date, limit: int | None) -> int | None:
        if limit is not None and limit < 1:
            return None  # the insert below would count a first prompt
        insert = dialect_insert(self._conn, daily_usage).values(user_id=user_id, day=day, used=1)
        # One statement: the day's first prompt inserts the row; later ones
        # lock it and count only while under the limit. PostgreSQL evaluates
        # the WHERE on the newest committed count, after waiting for any
        # transaction that holds the row; SQLite has one writer at a time.
        stmt = insert.on_conflict_do_update(
            index_elements=[daily_usage.c.user_id, daily_usage.c.day],
            set_={"used": daily_usage.c.used + 1},
            where=None if limit is None else daily_usage.c.used < limit,
        ).returning(daily_usage.c.used)
        used = (await self._conn.execute(stmt)).scalar_one_or_none()
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
