"""What differs between SQLite and PostgreSQL in the repositories' SQL."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def dialect_insert(conn: AsyncConnection, table: sa.Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return dialect_insert_for(conn.dialect.name, table)


def dialect_insert_for(dialect: str, table: sa.Table) -> Any:
    """``dialect_insert`` by the dialect's name (for statements built once)."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
