"""Run the Alembic migrations that ship inside this package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
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


class DatabaseSchema:
    """The schema of one database, brought up to date on request.

    ``is_embedded`` for SQLite: the embedded default migrates its own file at
    start-up (and makes its folder, private to the user); production runs
    ``gemini-clone migrate`` as a deliberate step.
    """

    def __init__(self, engine: AsyncEngine, *, data_dir: Path | None = None) -> None:
        self._engine = engine
        self._data_dir = data_dir

    @property
    def is_embedded(self) -> bool:
        return self._engine.dialect.name == "sqlite"

    async def upgrade(self) -> None:
        if self.is_embedded and self._data_dir is not None:
            self._data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        await upgrade_schema(self._engine)
