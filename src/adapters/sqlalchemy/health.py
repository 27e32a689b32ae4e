"""Readiness of the database."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gemini_core.errors import ServiceUnavailable


class DatabaseHealth:
    """``HealthCheck``: the database answers ``SELECT 1``."""

    name = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> None:
        try:
            async with self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            raise ServiceUnavailable("the database is unavailable") from exc
