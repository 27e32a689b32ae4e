"""Migration 0003 in the middle of a day: each user's row of today is filled
from the prompts they sent today whose reply did not fail, so an upgrade
hands nobody a second allowance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine, upgrade_schema
from adapters.sqlalchemy.tables import chatrooms, messages
from gemini_core.model import MessageStatus, Role
from gemini_core.utc import next_utc_midnight, utc_day
from tests.contracts.repositories import a_message, a_room, stored_user
from tests.support.old_schema import message_row_of_0003, room_row_of_0003


async def test_todays_prompts_still_counted_after_the_upgrade(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        await upgrade_schema(engine, "0002")
        uow_factory = SqlUnitOfWorkFactory(engine)
        user = await stored_user(uow_factory)
        other = await stored_user(uow_factory, "+14155550100")
        today = next_utc_midnight(datetime.now(UTC)) - timedelta(days=1)
        yesterday = today - timedelta(seconds=1)
        room, other_room = a_room(user), a_room(other)
        replies = [
            a_message(room, Role.MODEL, MessageStatus.COMPLETED, today),
            a_message(room, Role.MODEL, MessageStatus.PENDING, today),
            a_message(room, Role.MODEL, MessageStatus.FAILED, today),  # its unit came back
            a_message(room, Role.MODEL, MessageStatus.COMPLETED, yesterday),
            a_message(other_room, Role.MODEL, MessageStatus.COMPLETED, yesterday),
        ]
        # Written as 0002 stored them: the repositories write later columns.
        async with engine.begin() as conn:
            await conn.execute(
                chatrooms.insert(), [room_row_of_0003(r) for r in (room, other_room)]
            )
            prompt = a_message(room, Role.USER, at=today)
            await conn.execute(
                messages.insert(), [message_row_of_0003(m) for m in (prompt, *replies)]
            )

        await upgrade_schema(engine)

        async with uow_factory() as uow:
            assert await uow.daily_usage.used(user.id, utc_day(today)) == 2
            assert await uow.daily_usage.used(user.id, utc_day(yesterday)) == 0
            assert await uow.daily_usage.used(other.id, utc_day(today)) == 0
    finally:
        await engine.dispose()
