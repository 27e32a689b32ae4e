"""Migration 0002 on a database with accounts: they count as verified, so
passwords set before the upgrade keep working."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine, upgrade_schema
from gemini_core.ids import new_id

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


async def test_accounts_made_before_0002_count_as_verified(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        await upgrade_schema(engine, "0001")
        user_id = new_id()
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO users (id, mobile_number, password_hash, token_version,"
                    " created_at) VALUES (:id, '+919876543210', 'h', 0, :at)"
                ),
                {"id": user_id.hex, "at": T0.replace(tzinfo=None)},
            )

        await upgrade_schema(engine)

        async with SqlUnitOfWorkFactory(engine)() as uow:
            user = await uow.users.get(user_id)
        assert user is not None
        assert (user.password_hash, user.pending_password_hash) == ("h", None)
        assert user.mobile_verified_at == T0
    finally:
        await engine.dispose()
