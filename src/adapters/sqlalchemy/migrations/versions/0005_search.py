"""Full-text search over room names and message content (issue 15).

- PostgreSQL: GIN indexes on ``to_tsvector('simple', ...)`` of
  ``messages.content`` and ``chatrooms.name``. An expression index needs no
  column and no trigger: PostgreSQL keeps it in step with every write, and
  building it indexes the rows that already exist. ``simple`` folds case
  and neither stems nor drops stop words, as SQLite's index below does, so
  both backends find the same words.
- SQLite: FTS5 tables over the same columns as external content (the text
  is not stored twice; the FTS rowid is the row's rowid), kept in step by
  triggers on insert, delete and update of the indexed column, and filled
  from the rows that exist with FTS5's ``rebuild``. (A ``VACUUM`` may
  renumber the rowids of these tables, whose keys are not integers: run
  ``INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')`` and the same
  for ``chatrooms_fts`` after one. Nothing in this service vacuums.)

Neither kind of object can be said in ``tables.py`` for both dialects, so
the model/migration agreement tests leave exactly these out
(``adapters.sqlalchemy.search_schema``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, indexed column, FTS5 table / PostgreSQL index)
_INDEXED = (
    ("messages", "content", "messages_fts", "ix_messages_content_search"),
    ("chatrooms", "name", "chatrooms_fts", "ix_chatrooms_name_search"),
)


def _sqlite_upgrade(table: str, column: str, fts: str) -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 0')"
    )
    forget = (
        f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.rowid, old.{column});"
    )
    learn = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.rowid, new.{column});"
    op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {learn} END")
    op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {forget} END")
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table} "
        f"BEGIN {forget} {learn} END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, column, fts, index in _INDEXED:
        if dialect == "postgresql":
            op.execute(
                f"CREATE INDEX {index} ON {table} "
                f"USING gin (to_tsvector('simple'::regconfig, {column}))"
            )
        else:
            _sqlite_upgrade(table, column, fts)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for _table, _column, fts, index in _INDEXED:
        if dialect == "postgresql":
            op.execute(f"DROP INDEX {index}")
        else:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {fts}_{event}")
            op.execute(f"DROP TABLE {fts}")
