"""SQLAlchemy 2 (async, Core) storage: the same code serves SQLite and PostgreSQL."""

from adapters.sqlalchemy.engine import create_engine, normalize_database_url
from adapters.sqlalchemy.health import DatabaseHealth
from adapters.sqlalchemy.migrate import (
    DatabaseSchema,
    DatabaseUnreachable,
    SchemaMismatch,
    upgrade_schema,
)
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = [
    "DatabaseHealth",
    "DatabaseSchema",
    "DatabaseUnreachable",
    "SchemaMismatch",
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "create_engine",
    "normalize_database_url",
    "upgrade_schema",
]
