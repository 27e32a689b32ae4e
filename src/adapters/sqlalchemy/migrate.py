"""Run the Alembic migrations that ship inside this package, and tell
whether a database's schema is the one this code was written for."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def upgrade_schema(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` in one transaction."""

    def _upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


class SchemaMismatch(RuntimeError):
    """The database's schema is not the one this code needs; the message
    (one line) says which revision was found, which is needed, and what to do."""


class DatabaseUnreachable(RuntimeError):
    """The database could not be asked; the message (one line) says where
    and why, without credentials."""


def _where(engine: AsyncEngine) -> str:
    url = engine.url
    if engine.dialect.name == "sqlite":
        return url.database or ":memory:"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _first_line(error: BaseException) -> str:
    said = str(getattr(error, "orig", None) or error).strip().splitlines()
    return said[0] if said else type(error).__name__


class DatabaseSchema:
    """The schema of one database: its revision checked against the code's
    newest, and brought up to date on request.

    ``is_embedded`` for SQLite: the embedded default migrates its own file at
    start-up (and makes its folder, private to the user); production runs
    ``gemini-clone migrate`` as a deliberate step, and ``serve`` and
    ``worker`` refuse a database whose revision is not the code's.
    """

    def __init__(self, engine: AsyncEngine, *, data_dir: Path | None = None) -> None:
        self._engine = engine
        self._data_dir = data_dir

    @functools.cached_property
    def _script(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(alembic_config())

    @property
    def is_embedded(self) -> bool:
        return self._engine.dialect.name == "sqlite"

    @property
    def expected(self) -> str:
        """The code's newest revision: what a current database is at."""
        head = self._script.get_current_head()
        assert head is not None, "the package ships no migrations"
        return head

    async def found(self) -> tuple[str, ...]:
        """The revision(s) the database is at; empty when it was never
        migrated. ``DatabaseUnreachable`` when it cannot be asked."""
        try:
            async with self._engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: tuple(MigrationContext.configure(sync).get_current_heads())
                )
        except (OperationalError, InterfaceError, PoolTimeoutError, OSError) as exc:
            raise DatabaseUnreachable(
                f"cannot reach the database at {_where(self._engine)}: {_first_line(exc)}"
            ) from exc

    async def require_current(self) -> None:
        """Return when the database is at the code's newest revision; else
        ``SchemaMismatch`` (never migrated, behind, or at a revision this
        code does not know) or ``DatabaseUnreachable``."""
        found, expected = await self.found(), self.expected
        self._refuse_unknown(found)
        if found == (expected,):
            return
        if not found:
            state = "the database has no schema yet (it was never migrated)"
        else:
            state = f"the database schema is at revision {', '.join(found)}"
        raise SchemaMismatch(
            f"{state}; this release needs revision {expected}: run `gemini-clone migrate`"
        )

    def _refuse_unknown(self, found: tuple[str, ...]) -> None:
        known = {script.revision for script in self._script.walk_revisions()}
        unknown = [revision for revision in found if revision not in known]
        if unknown:
            raise SchemaMismatch(
                f"the database schema is at revision {', '.join(unknown)}, which this release "
                f"does not know (its newest is {self.expected}): a newer release migrated it; "
                "run that release, or downgrade the database with it"
            )

    async def upgrade(self) -> None:
        """Bring the schema up to the code's newest revision.
        ``SchemaMismatch`` when the database is at a revision this code does
        not know, ``DatabaseUnreachable`` when it cannot be reached (a
        failure once connected is raised as it is)."""
        if self.is_embedded and self._data_dir is not None:
            self._data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._refuse_unknown(await self.found())
        await upgrade_schema(self._engine)
