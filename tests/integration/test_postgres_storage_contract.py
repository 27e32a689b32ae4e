"""The storage contract suites on PostgreSQL (production), the agreement of
the migrations with the table definitions there, and the URL forms accepted."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, String, Table, text

from adapters.sqlalchemy import (
    SqlUnitOfWorkFactory,
    create_engine,
    normalize_database_url,
    upgrade_schema,
)
from adapters.sqlalchemy.search_schema import include_name
from adapters.sqlalchemy.tables import metadata
from entrypoints.settings import load_settings
from tests.contracts.counted_prompts import CountedPromptContract
from tests.contracts.daily_usage import DailyUsageContract
from tests.contracts.deliveries import ClaimDeliveryContract
from tests.contracts.message_versions import MessageVersionsContract
from tests.contracts.repositories import (
    ChatroomRepositoryContract,
    MessageRepositoryContract,
    SubscriptionRepositoryContract,
    UnitOfWorkContract,
    UserRepositoryContract,
    stored_user,
)
from tests.contracts.search import MessagePagesContract, SearchRepositoryContract
from tests.contracts.user_signups import UserSignupContract

pytestmark = pytest.mark.integration


@pytest.fixture
async def uow_factory(postgres_database: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    engine = create_engine(postgres_database, pool_size=5)
    await upgrade_schema(engine)
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


class TestPostgresUnitOfWork(UnitOfWorkContract):
    pass


class TestPostgresUsers(UserRepositoryContract):
    pass


class TestPostgresUserSignups(UserSignupContract):
    pass


class TestPostgresChatrooms(ChatroomRepositoryContract):
    pass


class TestPostgresMessages(
    MessageRepositoryContract, MessageVersionsContract, CountedPromptContract, ClaimDeliveryContract
):
    pass


class TestPostgresSubscriptions(SubscriptionRepositoryContract):
    pass


class TestPostgresSearch(SearchRepositoryContract):
    pass


class TestPostgresMessagePages(MessagePagesContract):
    pass


class TestPostgresDailyUsage(DailyUsageContract):
    pass


async def _schema_diff(factory: SqlUnitOfWorkFactory, target: MetaData) -> list[Any]:
    async with factory.engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: compare_metadata(
                # The search indexes (GIN on an expression, migration 0005) are
                # left out: tables.py says no dialect-only index; include_name
                # skips exactly those.
                MigrationContext.configure(
                    sync, opts={"compare_type": True, "include_name": include_name}
                ),
                target,
            )
        )


def _operations(diff: list[Any]) -> list[str]:
    """The names of the differences ("add_table", "modify_type", ...);
    column changes come as a list of tuples, the rest as one tuple."""
    names = []
    for entry in diff:
        for change in entry if isinstance(entry, list) else [entry]:
            names.append(change[0])
    return names


async def test_migrations_match_the_tables(uow_factory: SqlUnitOfWorkFactory) -> None:
    assert await _schema_diff(uow_factory, metadata) == []


def _extra_table(drifted: MetaData) -> None:
    Table("not_migrated", drifted, Column("id", Integer, primary_key=True))


def _extra_column(drifted: MetaData) -> None:
    drifted.tables["users"].append_column(Column("nickname", String(40)))


def _wider_column(drifted: MetaData) -> None:
    drifted.tables["users"].c.mobile_number.type = String(32)


def _nullable_column(drifted: MetaData) -> None:
    drifted.tables["users"].c.mobile_number.nullable = True


@pytest.mark.parametrize(
    ("drift", "operation"),
    [
        (_extra_table, "add_table"),
        (_extra_column, "add_column"),
        (_wider_column, "modify_type"),
        (_nullable_column, "modify_nullable"),
    ],
)
async def test_the_comparison_sees_models_the_migrations_lack(
    uow_factory: SqlUnitOfWorkFactory, drift: Callable[[MetaData], None], operation: str
) -> None:
    # Guards the test above: a model that drifts from the migrated schema
    # must show up as a difference, or the agreement test could never fail.
    drifted = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    drift(drifted)
    assert _operations(await _schema_diff(uow_factory, drifted)) == [operation]


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
async def test_the_url_forms_reach_postgresql_through_psycopg(
    scheme: str, postgres_database: str, tmp_path: Path
) -> None:
    url = postgres_database.replace("postgresql+psycopg://", f"{scheme}://", 1)
    settings = load_settings({"APP_ENV": "test", "DATA_DIR": str(tmp_path), "DATABASE_URL": url})
    assert settings.database_url == url
    assert normalize_database_url(settings.database_url) == postgres_database
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
        await upgrade_schema(engine)
        user = await stored_user(SqlUnitOfWorkFactory(engine))
        async with engine.connect() as conn:
            count = await conn.scalar(
                text("SELECT count(*) FROM users WHERE id = :id"), {"id": user.id}
            )
        assert count == 1
    finally:
        await engine.dispose()


async def test_times_come_back_in_utc_whatever_the_servers_time_zone(
    postgres_database: str,
) -> None:
    # UTCDateTime leaves PostgreSQL's values as psycopg returns them, which is
    # only right because the engine sets the session's TimeZone to UTC.
    name = postgres_database.rsplit("/", 1)[1]
    admin = postgres_database.rsplit("/", 1)[0].replace("+psycopg", "") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE \"{name}\" SET TimeZone = 'Asia/Kolkata'")
    engine = create_engine(postgres_database, pool_size=1)
    try:
        await upgrade_schema(engine)
        user = await stored_user(SqlUnitOfWorkFactory(engine))
        async with SqlUnitOfWorkFactory(engine)(autocommit=True) as uow:
            stored = await uow.users.get(user.id)
        assert stored is not None
        assert stored.created_at == user.created_at
        assert stored.created_at.utcoffset() == timedelta(0)
    finally:
        await engine.dispose()
