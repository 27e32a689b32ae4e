"""Engines for SQLite (embedded default) and PostgreSQL (production).

Neither ever writes a statement's parameters (mobile numbers, names,
password hashes) into a log or an error message: ``hide_parameters`` on
both, and aiosqlite's own debug log, which prints every statement with its
values, held at INFO.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


def normalize_database_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` as well as the explicit
    ``postgresql+psycopg://`` and route them to psycopg 3 (async)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 10, echo: bool = False
) -> AsyncEngine:
    url = normalize_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo)
    psycopg = parsed.get_driver_name() == "psycopg"
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        # psycopg's connections are checked by ``begin_transaction``; another
        # driver (a URL that names one) keeps SQLAlchemy's ping.
        pool_pre_ping=not psycopg,
        pool_timeout=5,
        echo=echo,
        hide_parameters=True,
        # A server that stops answering must fail requests fast (503), not
        # hang them for the operating system's TCP timeout.
        connect_args={"connect_timeout": 5},
    )
    if psycopg:
        _explicit_begin(engine)
    return engine


def _explicit_begin(engine: AsyncEngine) -> None:
    """Send BEGIN when a transaction begins, not (as psycopg does by
    itself) just before its first statement: the same message, one round
    trip either way, but now a connection the server has closed fails
    at ``begin()``, before the caller has done anything, where
    ``begin_transaction`` can safely try again on a new connection."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transaction control to SQLAlchemy's "begin" (below); commit() and
        # rollback() still end a transaction that BEGIN opened.
        dbapi_connection.autocommit = True

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


async def begin_transaction(engine: AsyncEngine) -> AsyncConnection:
    """A connection from the pool with its transaction begun, surviving a
    PostgreSQL restart.

    A restart (or ``pg_terminate_backend``, an idle timeout) leaves every
    pooled connection closed by the server. The first to be used fails at
    its BEGIN; SQLAlchemy sees a disconnection and discards every pooled
    connection opened before it, so trying once more, on a new connection,
    succeeds when the server is back (and fails, 503, when it is not).
    Nothing of the caller's has run yet, so the retry is always safe.

    Why not ``pool_pre_ping``: it sends a query and waits for the answer at
    every checkout, one more round trip on every unit of work (BEGIN, the
    statements, COMMIT, and the ping before them), to catch what happens
    once per restart. Here a healthy connection costs nothing extra, and a
    dead one costs one failed BEGIN per process per restart.
    """
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


def _closed_by_server(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _sqlite_engine(url: str, *, echo: bool) -> AsyncEngine:
    _quiet_driver_log()
    engine = create_async_engine(url, echo=echo, hide_parameters=True, connect_args={"timeout": 30})
    database = make_url(url).database or ""
    file_backed = database not in ("", ":memory:") and not database.startswith("file:")

    @event.listens_for(engine.sync_engine, "do_connect")
    def _before_connect(*_args: Any) -> None:
        if file_backed:
            _private_database_file(database)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # SQLite allows one writer. A deferred transaction that reads and then
        # writes can fail at once with "database is locked" when another
        # writer got in between; IMMEDIATE takes the write lock up front and
        # waits its turn (busy_timeout) instead.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _private_database_file(path: str) -> None:
    """Create the SQLite file with mode 0600 before SQLite does (its journal
    files then take the same mode), or narrow this user's existing files."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    except FileNotFoundError:
        return  # no folder: SQLite reports it in its own words
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            info = os.stat(name)
            if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            continue


def _quiet_driver_log() -> None:
    # aiosqlite logs each call with its arguments at DEBUG; LOG_LEVEL=DEBUG
    # must not turn that into a log of every value stored.
    driver_log = logging.getLogger("aiosqlite")
    if driver_log.level < logging.INFO:
        driver_log.setLevel(logging.INFO)
