"""Migration 0005 on PostgreSQL: the GIN indexes cover the rows stored
before it, the search uses them, and the downgrade removes them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from adapters.sqlalchemy import create_engine, upgrade_schema
from adapters.sqlalchemy.repositories import SqlSearchRepository
from adapters.sqlalchemy.tables import chatrooms, messages
from tests.unit.test_migration_search import check_existing_rows_are_indexed

pytestmark = pytest.mark.integration


async def test_existing_rows_are_indexed_on_postgres(postgres_database: str) -> None:
    await check_existing_rows_are_indexed(postgres_database)


async def test_the_search_uses_the_gin_indexes(postgres_database: str) -> None:
    # The repository's own condition, compiled as it runs: PostgreSQL uses an
    # expression index only for the very same expression.
    engine = create_engine(postgres_database, pool_size=1)
    try:
        await upgrade_schema(engine)
        async with engine.connect() as conn:
            await conn.execute(text("SET enable_seqscan = off"))
            repository = SqlSearchRepository(conn)
            for table, column, index in (
                (messages, messages.c.content, "ix_messages_content_search"),
                (chatrooms, chatrooms.c.name, "ix_chatrooms_name_search"),
            ):
                stmt = sa.select(table.c.id).where(repository._matches(table, column, ["goa"]))
                compiled = stmt.compile(
                    conn.sync_connection, compile_kwargs={"literal_binds": True}
                )
                explained = await conn.exec_driver_sql(f"EXPLAIN {compiled}")
                plan = "\n".join(row[0] for row in explained)
                assert index in plan, plan
    finally:
        await engine.dispose()
