"""PostgreSQL faults for one database of the caller's own, from an admin
connection: what a restart does to the clients of that database, without
stopping the shared server.

- ``terminate``: every backend of the database ends (as at a restart, or
  ``idle_session_timeout``); the server is at once available again.
- ``outage``: for the duration of the block the database refuses every new
  connection (``ALLOW_CONNECTIONS false``, which binds superusers too) and
  its backends are terminated: a server that is down, then back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql


class PostgresFaults:
    def __init__(self, admin_url: str, database: str) -> None:
        self.admin_url = admin_url
        self.database = database

    def terminate(self, *, wait: bool = False) -> int:
        """Terminate every backend of the database (but this one); with
        ``wait``, until each has exited. The number terminated."""
        timeout = 5000 if wait else 0
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as admin:
            # A timeout of 0 (the default) does not wait.
            row = admin.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, %s)) "
                "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (timeout, self.database),
            ).fetchone()
        return int(row[0]) if row else 0

    def allow_connections(self, allowed: bool) -> None:
        statement = sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
            sql.Identifier(self.database), sql.SQL("true" if allowed else "false")
        )
        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(statement)

    @contextmanager
    def outage(self) -> Iterator[None]:
        """The database down for the block, every client connection gone."""
        self.allow_connections(False)
        try:
            self.terminate(wait=True)
            yield
        finally:
            self.allow_connections(True)
