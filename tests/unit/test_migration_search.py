"""Migration 0005: the search index covers the rooms and messages stored
before it, and going back down removes it and leaves the data writable.
The same steps run on PostgreSQL (tests/integration/test_search_postgres.py)."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine, upgrade_schema
from adapters.sqlalchemy.migrate import alembic_config
from gemini_core.ports import SearchKind
from tests.contracts.repositories import a_message, a_room, stored_user


async def check_existing_rows_are_indexed(url: str) -> None:
    engine = create_engine(url, pool_size=1) if "postgresql" in url else create_engine(url)
    try:
        await upgrade_schema(engine, "0004")
        uow_factory = SqlUnitOfWorkFactory(engine)
        user = await stored_user(uow_factory)
        room = a_room(user, name="Monsoon plans")
        said = a_message(room, content="the ferry to Divar island")
        async with uow_factory() as uow:
            await uow.chatrooms.add(room)
            await uow.messages.add(said)
            await uow.commit()

        await upgrade_schema(engine)

        async with uow_factory(autocommit=True) as uow:
            rooms = await uow.search.find(user.id, ["monsoon"], 10, None)
            messages = await uow.search.find(user.id, ["divar", "ferry"], 10, None)
        assert [(m.kind, m.id) for m in rooms] == [(SearchKind.CHATROOM, room.id)]
        assert [(m.kind, m.id) for m in messages] == [(SearchKind.MESSAGE, said.id)]

        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0004"))
        async with uow_factory() as uow:  # no trigger left behind to fail a write
            await uow.messages.add(a_message(room, content="after the downgrade"))
            await uow.chatrooms.rename(user.id, room.id, "renamed", room.created_at)
            await uow.chatrooms.delete(user.id, room.id)
            await uow.commit()
        await upgrade_schema(engine)  # and up again, from what is there now
        async with uow_factory(autocommit=True) as uow:
            assert await uow.search.find(user.id, ["renamed"], 10, None) == []
    finally:
        await engine.dispose()


async def test_existing_rows_are_indexed_on_sqlite(tmp_path: Path) -> None:
    await check_existing_rows_are_indexed(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")
