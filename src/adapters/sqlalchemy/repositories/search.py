"""Full-text search of a user's room names and message content: FTS5 on
SQLite, ``tsvector`` with GIN indexes on PostgreSQL (migration 0005)."""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.rows import chatroom_of_row, message_of_row
from adapters.sqlalchemy.tables import chatrooms, messages
from gemini_core.ports import SearchCursor, SearchKind, SearchMatch

# The configuration of the expression indexes; the query must say it the
# same way for PostgreSQL to use them.
_SIMPLE: sa.ColumnClause[Any] = sa.literal_column("'simple'::regconfig")


def fts5_query(terms: Sequence[str]) -> str:
    """An FTS5 MATCH string that finds rows with a word starting with each
    term: each one a quoted phrase (its quotes doubled) with a prefix star,
    so no term is read as an operator (AND, NEAR, ``column:``...)."""
    return " ".join('"' + term.replace('"', '""') + '"*' for term in terms)


def tsquery(terms: Sequence[str]) -> str:
    """A ``to_tsquery`` string of the same meaning: each term a quoted
    lexeme (quotes and backslashes escaped) with a prefix match, ANDed."""
    quoted = ("'" + t.replace("\\", "\\\\").replace("'", "''") + "':*" for t in terms)
    return " & ".join(quoted)


def _before(at: Any, id_: Any, after: SearchCursor | None) -> Any:
    if after is None:
        return sa.true()
    return sa.tuple_(at, id_) < sa.tuple_(
        sa.literal(after.at, at.type), sa.literal(after.id, id_.type)
    )


class SqlSearchRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    def _matches(self, table: sa.Table, column: sa.Column[Any], terms: Sequence[str]) -> Any:
        if self._conn.dialect.name == "postgresql":
            return sa.func.to_tsvector(_SIMPLE, column).op("@@")(
                sa.func.to_tsquery(_SIMPLE, tsquery(terms))
            )
        fts = f"{table.name}_fts"
        # The index's rows are the table's rows by rowid (external content).
        match = sa.text(f"{fts} MATCH :fts_query").bindparams(fts_query=fts5_query(terms))
        rowids: sa.Select[Any] = (
            sa.select(sa.literal_column("rowid")).select_from(sa.table(fts)).where(match)
        )
        return sa.literal_column(f"{table.name}.rowid").in_(rowids)

    async def find(
        self,
        user_id: uuid.UUID,
        terms: Sequence[str],
        limit: int,
        after: SearchCursor | None,
    ) -> list[SearchMatch]:
        if not terms:
            return []
        found = [*await self._rooms(user_id, terms, limit, after)]
        found += await self._messages(user_id, terms, limit, after)
        # Each list is newest first and holds the newest ``limit`` of its
        # kind: the newest ``limit`` of both are among them.
        return heapq.nlargest(limit, found, key=lambda m: (m.at, m.id))

    async def _rooms(
        self, user_id: uuid.UUID, terms: Sequence[str], limit: int, after: SearchCursor | None
    ) -> list[SearchMatch]:
        stmt = (
            chatrooms.select()
            .where(
                chatrooms.c.user_id == user_id,
                self._matches(chatrooms, chatrooms.c.name, terms),
                _before(chatrooms.c.updated_at, chatrooms.c.id, after),
            )
            .order_by(chatrooms.c.updated_at.desc(), chatrooms.c.id.desc())
            .limit(limit)
        )
        rooms = [chatroom_of_row(row._mapping) for row in await self._conn.execute(stmt)]
        return [
            SearchMatch(
                kind=SearchKind.CHATROOM,
                id=room.id,
                at=room.updated_at,
                chatroom_id=room.id,
                chatroom_name=room.name,
                text=room.name,
            )
            for room in rooms
        ]

    async def _messages(
        self, user_id: uuid.UUID, terms: Sequence[str], limit: int, after: SearchCursor | None
    ) -> list[SearchMatch]:
        stmt = (
            sa.select(*messages.c, chatrooms.c.name.label("chatroom_name"))
            .select_from(messages.join(chatrooms, chatrooms.c.id == messages.c.chatroom_id))
            .where(
                messages.c.user_id == user_id,
                chatrooms.c.user_id == user_id,
                messages.c.superseded_at.is_(None),
                self._matches(messages, messages.c.content, terms),
                _before(messages.c.created_at, messages.c.id, after),
            )
            .order_by(messages.c.created_at.desc(), messages.c.id.desc())
            .limit(limit)
        )
        out = []
        for row in await self._conn.execute(stmt):
            message = message_of_row(row._mapping)
            out.append(
                SearchMatch(
                    kind=SearchKind.MESSAGE,
                    id=message.id,
                    at=message.created_at,
                    chatroom_id=message.chatroom_id,
                    chatroom_name=row._mapping["chatroom_name"],
                    text=message.content,
                    message=message,
                )
            )
        return out
