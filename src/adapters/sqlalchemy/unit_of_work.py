"""The unit of work: one connection, one transaction, the repositories on it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import TracebackType
from typing import Self, cast

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sqlalchemy.repositories import (
    SqlChatroomRepository,
    SqlDailyUsageRepository,
    SqlMessageRepository,
    SqlProcessedEventRepository,
    SqlSearchRepository,
    SqlSubscriptionRepository,
    SqlUserRepository,
)
from adapters.sqlalchemy.restarts import FirstStatementRetried, begin_transaction
from gemini_core.errors import ServiceUnavailable


class StorageError(RuntimeError):
    """A database error, told without the values involved.

    SQLAlchemy's message is built with ``hide_parameters``, but PostgreSQL's
    own DETAIL line repeats the values (``Key (name)=(Asha) already
    exists``), and logs must not: this keeps the error's class, its first
    line and the statement (placeholders only), and the traceback.
    """

    @classmethod
    def of(cls, error: DBAPIError) -> StorageError:
        said = str(error.orig).strip().splitlines()
        return cls(
            f"{type(error.orig).__name__}: {said[0] if said else ''} [SQL: {error.statement}]"
        )


def _is_unavailable(exc: BaseException) -> bool:
    """Whether a database error means "cannot reach the database" (503)
    rather than a bug (500)."""
    if isinstance(exc, PoolTimeoutError | OSError):
        return True
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    return False


@contextlib.contextmanager
def _unavailable_on_outage() -> Iterator[None]:
    """Raise a "cannot reach the database" error of the block as the core's
    ``ServiceUnavailable``; any other error unchanged."""
    try:
        yield
    except Exception as exc:
        if _is_unavailable(exc):
            raise ServiceUnavailable("the database is unavailable") from exc
        raise


class SqlUnitOfWork:
    users: SqlUserRepository
    chatrooms: SqlChatroomRepository
    messages: SqlMessageRepository
    subscriptions: SqlSubscriptionRepository
    processed_events: SqlProcessedEventRepository
    daily_usage: SqlDailyUsageRepository
    search: SqlSearchRepository

    def __init__(self, engine: AsyncEngine, *, autocommit: bool = False) -> None:
        self._engine = engine
        self._autocommit = autocommit
        self._conn: AsyncConnection | None = None
        self._retrying: FirstStatementRetried | None = None

    async def __aenter__(self) -> Self:
        with _unavailable_on_outage():
            conn = await begin_transaction(self._engine)
        self._conn = conn
        if self._autocommit:
            # No BEGIN went first to find a connection the server closed:
            # the first statement does (restarts.py). Repositories only
            # execute statements and read the dialect, which it passes on.
            self._retrying = FirstStatementRetried(self._engine, conn)
            conn = cast(AsyncConnection, self._retrying)
        self.users = SqlUserRepository(conn)
        self.chatrooms = SqlChatroomRepository(conn)
        self.messages = SqlMessageRepository(conn)
        self.subscriptions = SqlSubscriptionRepository(conn)
        self.processed_events = SqlProcessedEventRepository(conn)
        self.daily_usage = SqlDailyUsageRepository(conn)
        self.search = SqlSearchRepository(conn)
        return self

    async def commit(self) -> None:
        assert self._conn is not None, "commit outside the unit of work"
        if not self._autocommit:  # else each statement was kept as it ran
            await self._conn.commit()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._retrying is not None:
            conn, self._retrying = self._retrying.conn, None  # the one it ended on
        try:
            with _unavailable_on_outage():
                # Rolls back whatever was not committed; a no-op after commit().
                await conn.close()
        except Exception:
            # The block's own error, if any, says more than the rollback's.
            if exc is None:
                raise
        if exc is not None and _is_unavailable(exc):
            # Whatever the repositories or commit() raised inside the block.
            raise ServiceUnavailable("the database is unavailable") from exc
        if isinstance(exc, DBAPIError):
            raise StorageError.of(exc).with_traceback(tb) from None


class SqlUnitOfWorkFactory:
    """``UnitOfWorkFactory``: a new unit of work per call. An autocommit one
    runs on the same pool in the driver's autocommit mode: it sends no BEGIN,
    and handing the connection back needs no ROLLBACK (switching the mode is
    a flag in psycopg and in sqlite3, not a round trip)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._autocommitting = engine.execution_options(isolation_level="AUTOCOMMIT")

    def __call__(self, *, autocommit: bool = False) -> SqlUnitOfWork:
        if autocommit:
            return SqlUnitOfWork(self._autocommitting, autocommit=True)
        return SqlUnitOfWork(self.engine)
