"""The PostgreSQL engine after the server closed its connections (a restart,
``pg_terminate_backend``): pooled connections the server closed are
replaced before any work (``adapters/sqlalchemy/restarts.py``), and
checking a connection out costs no round trip.

"Restart" here is what a restart does to clients: every backend of the
test's own database is terminated from an admin connection (the shared
server itself is never stopped)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine, restarts
from gemini_core.ids import new_id
from gemini_core.model import User
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

    # Every unit of work after the restart works, on new connections: in a
    # transaction and in autocommit (which sends no BEGIN that could fail).
    uow = SqlUnitOfWorkFactory(engine)
    for autocommit in (True, False, True):
        async with uow(autocommit=autocommit) as work:
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


async def test_autocommit_units_keep_their_writes_and_a_transaction_after_one_sends_one_begin(
    migrated_database: str,
) -> None:
    engine = create_engine(migrated_database, pool_size=1)  # the same connection throughout
    uow = SqlUnitOfWorkFactory(engine)
    user = User(id=new_id(), mobile_number="+919800000001", created_at=datetime.now(UTC))
    try:
        async with uow(autocommit=True) as work:  # no BEGIN: kept as it runs
            await work.users.add(user)
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            pgconn = raw.driver_connection.pgconn  # type: ignore[union-attr]
        with tempfile.TemporaryFile(prefix="gc-libpq-trace-") as trace:
            pgconn.trace(trace.fileno())
            try:
                async with uow() as work:
                    assert await work.users.get(user.id) == user
                    await work.commit()
            finally:
                pgconn.untrace()
            trace.seek(0)
            sent = [
                (*line.split("\t")[3:5], "")[:2]  # (message, its text, if any)
                for line in trace.read().decode().splitlines()
                if "\tF\t" in line
            ]
    finally:
        await engine.dispose()
    # The BEGIN of this transaction only (psycopg's own implicit one is off
    # again after the autocommit unit's reset), the SELECT, the COMMIT.
    assert [text for kind, text in sent if kind == "Query"] == [' "BEGIN"', ' "COMMIT"'], sent
    assert [kind for kind, _ in sent].count("Sync") == 1, sent


async def test_a_closed_connection_the_checkout_cannot_see_yet_is_replaced_before_any_work(
    engine: AsyncEngine,
    migrated_database: str,
    postgres_admin_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The window between a termination and the server's goodbye reaching
    the socket: a transaction's BEGIN, or an autocommit unit's first
    statement, finds the connection closed and is sent again on a new one."""
    uow = SqlUnitOfWorkFactory(engine)
    faults = PostgresFaults(postgres_admin_url, make_url(migrated_database).database or "")
    monkeypatch.setattr(restarts, "_readable", lambda _fd: False)  # the check sees nothing
    for autocommit in (True, False):
        before = await backend_pid(engine)
        assert faults.terminate(wait=True) == 1
        async with uow(autocommit=autocommit) as work:
            assert await work.users.get_by_mobile("+919800000000") is None
            assert await work.users.get_by_mobile("+919800000001") is None
        assert await backend_pid(engine) != before
