"""The search objects of migration 0005 that ``tables.py`` cannot say: an
FTS5 virtual table (and the shadow tables FTS5 makes for it) on SQLite, a
GIN expression index on PostgreSQL. The agreement of the migrations with
the tables leaves exactly these out (``include_name``)."""

from __future__ import annotations

from typing import Any

FTS_TABLES = ("messages_fts", "chatrooms_fts")
# FTS5's own tables behind each virtual table (external content: no _content).
_SHADOWS = ("_data", "_idx", "_docsize", "_config")
SEARCH_TABLES = frozenset(
    {*FTS_TABLES, *(f"{table}{shadow}" for table in FTS_TABLES for shadow in _SHADOWS)}
)
SEARCH_INDEXES = frozenset({"ix_messages_content_search", "ix_chatrooms_name_search"})


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's ``include_name`` hook: False for the search objects only."""
    if type_ == "table":
        return name not in SEARCH_TABLES
    if type_ == "index":
        return name not in SEARCH_INDEXES
    return True
