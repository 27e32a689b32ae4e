"""The PostgreSQL engine after the server closed its connections (a restart,
``pg_terminate_backend``): pooled connections the server closed are
replaced at checkout, and checking a connection out costs no round trip.

"Restart" here is what a restart does to clients: every backend of the
test's own database is terminated from an admin connection (the shared
server itself is never stopped)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine
from tests.support.postgres_faults import PostgresFaults

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(migrated_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(migrated_database, pool_size=3)
    try:
        yield engine
    finally:
        await engine.dispose()


async def backend_pid(engine: AsyncEngine, hold: float = 0.0) -> int:
    async with engine.connect() as conn:
        pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await asyncio.sleep(hold)  # keep it checked out, so the others open their own
    return int(pid)


async def test_pooled_connections_the_server_closed_are_replaced_at_checkout(
    engine: AsyncEngine, migrated_database: str, postgres_admin_url: str
) -> None:
    before = set(await asyncio.gather(*[backend_pid(engine, hold=0.2) for _ in range(3)]))
    assert len(before) == 3  # three pooled connections, idle now

    faults = PostgresFaults(postgres_admin_url, make_url(migrated_database).database or "")
    assert faults.terminate(wait=True) == 3

    # Every unit of work after the restart works, on new connections.
    uow = SqlUnitOfWorkFactory(engine)
    for _ in range(3):
        async with uow() as work:
            assert await work.users.get_by_mobile("+919800000000") is None
    after = set(await asyncio.gather(*[backend_pid(engine, hold=0.2) for _ in range(3)]))
    assert not after & before


async def test_checking_a_pooled_connection_out_and_in_says_nothing_to_the_server(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        raw = await conn.get_raw_connection()
        pgconn = raw.driver_connection.pgconn  # type: ignore[union-attr]
    with tempfile.TemporaryFile(prefix="gc-libpq-trace-") as trace:
        pgconn.trace(trace.fileno())  # libpq writes every protocol message here
        try:
            for _ in range(5):
                async with engine.connect():
                    pass
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 2"))
        finally:
            pgconn.untrace()
        trace.seek(0)
        sent = [line for line in trace.read().decode().splitlines() if "\tF\t" in line]
    # Only the one statement (and the BEGIN and ROLLBACK around it): no ping
    # at any of the six checkouts.
    assert len(sent) == 3, sent
    assert [line.split("\t")[3] for line in sent] == ["Query"] * 3, sent
