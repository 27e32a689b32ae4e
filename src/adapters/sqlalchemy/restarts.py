"""PostgreSQL restarts, survived without a round trip per unit of work.

A restart (or a failover, ``pg_terminate_backend``, an idle timeout) leaves
every pooled connection closed by the server. Three cheap steps replace
them before any of a caller's work is lost:

1. At checkout, a connection whose socket is readable while it sat idle in
   the pool is dropped (``_drop_if_closed_by_server``): an idle
   connection has nothing to say, so the server has said goodbye (a FATAL
   message, end of file). One ``poll`` system call; SQLAlchemy opens a new
   connection in its place.
2. A transaction sends its BEGIN when it begins (``_on_begin``), not, as
   psycopg does by itself, just before its first statement: the same
   message, but a connection still closing (the server's goodbye not yet
   on the socket) fails there, before any work, and ``begin_transaction``
   begins once more on a new connection.
3. An autocommit unit sends no BEGIN: its first statement is the one sent
   once more on a new connection when the pooled one was closed
   (``FirstStatementRetried``).

After a failure SQLAlchemy, seeing a disconnection, discards every pooled
connection opened before it. Why not ``pool_pre_ping``: it sends a query
and waits for the answer at every checkout, one more round trip on every
unit of work, to catch what happens once per restart. What none of this
can save, a statement in the middle of a transaction when the server goes
away, answers 503 (``ServiceUnavailable``), never 500.
"""

from __future__ import annotations

import contextlib
import select
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


def survive_restarts(engine: AsyncEngine) -> None:
    """Steps 1 and 2 of the module, on a psycopg engine."""

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # an autocommit unit of work: each statement on its own
        driver = conn.connection.dbapi_connection
        if not driver.autocommit:
            # Transaction control to this BEGIN (commit() and rollback()
            # still end it), not to psycopg's implicit one. A flag, no round
            # trip; set again after an autocommit unit's reset turned it off.
            driver.autocommit = True
        conn.exec_driver_sql("BEGIN")

    event.listen(engine.sync_engine, "checkout", _drop_if_closed_by_server)


def _drop_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    try:
        connection = dbapi_connection.driver_connection  # psycopg's
        closed = connection.closed or _readable(connection.pgconn.socket)
    except Exception as exc:  # psycopg raises when the connection is already lost
        raise DisconnectionError(f"pooled connection unusable: {exc}") from exc
    if closed:
        raise DisconnectionError("the server closed this pooled connection")


def _readable(fd: int) -> bool:
    waiting = select.poll()
    waiting.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(waiting.poll(0))


def _closed_by_server(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def begin_transaction(engine: AsyncEngine) -> AsyncConnection:
    """A connection from the pool with its transaction begun (on an
    autocommit engine: nothing is sent), once more on a new connection when
    the BEGIN finds the pooled one closed by the server."""
    for attempt in (1, 2):
        conn = await engine.connect()
        try:
            await conn.begin()
            return conn
        except BaseException as exc:
            # Hand the connection back (or drop it) rather than leak it.
            with contextlib.suppress(Exception):
                await conn.close()
            if attempt == 2 or not _closed_by_server(exc):
                raise
    raise AssertionError("unreachable")


class FirstStatementRetried:
    """The connection of an autocommit unit of work, as its repositories
    use it (``execute``, ``dialect``). When the unit's first statement
    finds the pooled connection closed by the server, that statement had
    not run (nothing runs on a closed connection, and a statement cut off
    by a termination is rolled back), so it is sent once more on a new
    connection; from the first success on, statements go straight through.
    """

    def __init__(self, engine: AsyncEngine, conn: AsyncConnection) -> None:
        self._engine = engine
        self.conn = conn
        self._proven = False

    @property
    def dialect(self) -> Any:
        return self.conn.dialect

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        if self._proven:
            return await self.conn.execute(*args, **kwargs)
        try:
            result = await self.conn.execute(*args, **kwargs)
        except DBAPIError as exc:
            if not _closed_by_server(exc):
                raise
            with contextlib.suppress(Exception):
                await self.conn.close()
            self.conn = await begin_transaction(self._engine)
            result = await self.conn.execute(*args, **kwargs)
        self._proven = True
        return result
