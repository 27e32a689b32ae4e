"""The SQL unit of work turns "cannot reach the database" into the core's
``ServiceUnavailable`` wherever it happens: connecting, beginning, inside the
block (repositories, commit) and closing; other errors pass unchanged.

On a fake engine, so each step can fail on cue; the real drivers' errors are
in tests/integration/test_outages.py (PostgreSQL unreachable, connections
killed by the server)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from adapters.sqlalchemy import SqlUnitOfWork
from adapters.sqlalchemy.unit_of_work import StorageError
from gemini_core.errors import ServiceUnavailable


def dropped() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


class FakeConnection:
    def __init__(self, *, begin: Exception | None = None, close: Exception | None = None) -> None:
        self.begin_error = begin
        self.close_error = close
        self.closed = False
        self.dialect = type("Dialect", (), {"name": "sqlite"})()

    async def begin(self) -> None:
        if self.begin_error is not None:
            raise self.begin_error

    async def commit(self) -> None:
        pass

    async def close(self) -> None:
        self.closed = True
        if self.close_error is not None:
            raise self.close_error


class FakeEngine:
    def __init__(self, conn: FakeConnection | None = None, *, connect: Exception | None = None):
        self.conn = conn or FakeConnection()
        self.connect_error = connect

    async def connect(self) -> FakeConnection:
        if self.connect_error is not None:
            raise self.connect_error
        return self.conn


def uow(engine: FakeEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [dropped(), PoolTimeoutError("QueuePool limit reached"), ConnectionRefusedError()],
    ids=["operational", "pool-timeout", "os-error"],
)
async def test_failing_to_connect_is_service_unavailable(error: Exception) -> None:
    with pytest.raises(ServiceUnavailable) as raised:
        async with uow(FakeEngine(connect=error)):
            pass

    assert raised.value.__cause__ is error


async def test_failing_to_begin_is_service_unavailable_and_the_connection_goes_back() -> None:
    engine = FakeEngine(FakeConnection(begin=dropped()))

    with pytest.raises(ServiceUnavailable):
        async with uow(engine):
            pass

    assert engine.conn.closed


async def test_a_bug_while_beginning_passes_unchanged_and_the_connection_goes_back() -> None:
    engine = FakeEngine(FakeConnection(begin=ProgrammingError("BEGIN", {}, Exception("syntax"))))

    with pytest.raises(ProgrammingError):
        async with uow(engine):
            pass

    assert engine.conn.closed


@pytest.mark.parametrize(
    "error",
    [
        dropped(),
        DBAPIError("SELECT 1", {}, Exception("gone"), connection_invalidated=True),
        PoolTimeoutError("QueuePool limit reached"),
    ],
    ids=["operational", "invalidated", "pool-timeout"],
)
async def test_an_outage_inside_the_block_is_service_unavailable(error: Exception) -> None:
    engine = FakeEngine()

    with pytest.raises(ServiceUnavailable) as raised:
        async with uow(engine):
            raise error  # as a repository call or commit() would

    assert raised.value.__cause__ is error
    assert engine.conn.closed


async def test_other_database_errors_are_told_without_their_values() -> None:
    error = IntegrityError("INSERT", {"name": "Asha"}, Exception("duplicate key\nDETAIL: (Asha)"))

    with pytest.raises(StorageError) as raised:
        async with uow(FakeEngine()):
            raise error

    assert str(raised.value) == "Exception: duplicate key [SQL: INSERT]"
    assert "Asha" not in str(raised.value)


async def test_errors_that_are_not_the_databases_pass_unchanged() -> None:
    error = KeyError("not a database error")

    with pytest.raises(KeyError) as raised:
        async with uow(FakeEngine()):
            raise error

    assert raised.value is error


async def test_an_outage_while_closing_is_service_unavailable() -> None:
    engine = FakeEngine(FakeConnection(close=dropped()))

    with pytest.raises(ServiceUnavailable):
        async with uow(engine) as work:
            await work.commit()


async def test_the_blocks_own_error_wins_over_a_failing_close() -> None:
    engine = FakeEngine(FakeConnection(close=dropped()))

    with pytest.raises(ValueError, match="the block's"):
        async with uow(engine):
            raise ValueError("the block's")
