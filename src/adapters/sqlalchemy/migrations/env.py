"""Alembic environment: always given a live connection by ``migrate.py``."""

from __future__ import annotations

from alembic import context

from adapters.sqlalchemy.search_schema import include_name
from adapters.sqlalchemy.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `gemini-clone migrate`, which passes a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
