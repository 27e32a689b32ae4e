"""Migration 0005 on PostgreSQL: the GIN indexes cover the rows stored
before it, the search uses them, and the downgrade removes them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from adapters.sqlalchemy import create_engine, upgrade_schema
from tests.unit.test_migration_search import check_existing_rows_are_indexed

pytestmark = pytest.mark.integration


async def test_existing_rows_are_indexed_on_postgres(postgres_database: str) -> None:
    await check_existing_rows_are_indexed(postgres_database)


async def test_the_search_can_use_the_gin_indexes(postgres_database: str) -> None:
    engine = create_engine(postgres_database, pool_size=1)
    try:
        await upgrade_schema(engine)
        async with engine.connect() as conn:
            await conn.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(
                row[0]
                for row in await conn.execute(
                    text(
                        "EXPLAIN SELECT id FROM messages WHERE "
                        "to_tsvector('simple'::regconfig, content) @@ "
                        "to_tsquery('simple'::regconfig, 'goa:*')"
                    )
                )
            )
        assert "ix_messages_content_search" in plan, plan
    finally:
        await engine.dispose()
