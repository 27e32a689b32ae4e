"""Readiness of the database."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.restarts import begin_transaction
from gemini_core.errors import ServiceUnavailable


class DatabaseHealth:
    """``HealthCheck``: the database answers ``SELECT 1``."""

    name = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> None:
        try:
            # Through begin_transaction, so readiness, too, takes a restart
            # of the server in its stride (a closed pooled connection is
            # replaced, not reported).
            conn = await begin_transaction(self._engine)
            try:
                await conn.execute(text("SELECT 1"))
            finally:
                await conn.close()
        except Exception as exc:
            raise ServiceUnavailable("the database is unavailable") from exc
