"""Engines for SQLite (embedded default) and PostgreSQL (production).

Neither ever writes a statement's parameters (mobile numbers, names,
password hashes) into a log or an error message: ``hide_parameters`` on
both, and aiosqlite's own debug log, which prints every statement with its
values, held at INFO.
"""

from __future__ import annotations

import logging
import os
import stat
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.sqlalchemy.restarts import survive_restarts


def normalize_database_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` as well as the explicit
    ``postgresql+psycopg://`` and route them to psycopg 3 (async)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 0, echo: bool = False
) -> AsyncEngine:
    """An engine for ``url``. PostgreSQL gets a fixed pool of ``pool_size``
    connections: no overflow by default, because an overflow connection is
    closed as soon as it is handed back while the pool is full, so a load just
    above ``pool_size`` opened and closed a connection per transaction (6 % of
    a prompt's CPU in the profile, and a backend start on the server each
    time). Past the pool, a transaction waits up to 5 s for a connection."""
    url = normalize_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo)
    psycopg = parsed.get_driver_name() == "psycopg"
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        # psycopg's connections are checked without a round trip
        # (restarts.py); another driver (a URL that names one) keeps
        # SQLAlchemy's ping.
        pool_pre_ping=not psycopg,
        pool_timeout=5,
        echo=echo,
        hide_parameters=True,
        # A server that stops answering must fail requests fast (503), not
        # hang them for the operating system's TCP timeout.
        # Times come back in UTC (tables.UTCDateTime relies on it).
        connect_args={"connect_timeout": 5, "options": "-c TimeZone=UTC"},
    )
    if psycopg:
        survive_restarts(engine)
    return engine


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
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # an autocommit unit of work: each statement on its own
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
