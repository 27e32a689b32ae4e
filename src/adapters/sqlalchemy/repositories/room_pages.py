"""A room with a page of its messages and their reply versions, in one read.

What ``GET /chatroom/{id}`` and its message pages show was three
statements in two units of work (the room, the page, the versions of its
replies); each round trip to PostgreSQL costs more CPU here (the loopback
send and the driver) than the statement's own work. On PostgreSQL it is one
statement: the owned room, LEFT JOIN LATERAL the page, each message with
the ids of its prompt's reply versions. SQLite has no LATERAL: the room and
the page (with the versions) are two statements there.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.chatrooms import GET_OWNED
from adapters.sqlalchemy.repositories.rows import chatroom_of_row, message_of_row
from adapters.sqlalchemy.tables import chatrooms, messages
from gemini_core.ports import RoomPage

_VERSIONS = "version_ids"
_ROOM = "room_"  # the prefix of the room's columns in the joined row

_version = messages.alias("version")
# The ids of every version of the reply to the row's prompt, as one string
# (string_agg on PostgreSQL, group_concat on SQLite); NULL for a prompt.
_VERSION_IDS = (
    sa.select(sa.func.aggregate_strings(sa.cast(_version.c.id, sa.String), ","))
    .where(_version.c.reply_to == messages.c.reply_to)
    .scalar_subquery()
    .label(_VERSIONS)
)


def _page(room_id: sa.ColumnElement[Any], before: bool) -> sa.Select[Any]:
    stmt = (
        sa.select(*messages.c, _VERSION_IDS)
        .where(messages.c.chatroom_id == room_id, messages.c.superseded_at.is_(None))
        .order_by(messages.c.id.desc())
        .limit(sa.bindparam("limit"))
    )
    return stmt.where(messages.c.id < sa.bindparam("before")) if before else stmt


def _joined(before: bool) -> sa.Select[Any]:
    page = _page(chatrooms.c.id, before).lateral("page")
    room_columns = [column.label(f"{_ROOM}{column.name}") for column in chatrooms.c]
    return (
        sa.select(*room_columns, *page.c)
        .select_from(chatrooms.outerjoin(page, sa.true()))
        .where(chatrooms.c.id == sa.bindparam("room_id"))
        .where(chatrooms.c.user_id == sa.bindparam("owner_id"))
        .order_by(page.c.id.desc())
    )


# The statements, built once (see messages.py), by dialect and cursor.
_JOINED = {False: _joined(False), True: _joined(True)}
_PAGES = {False: _page(sa.bindparam("room_id"), False), True: _page(sa.bindparam("room_id"), True)}


async def read_room_page(
    conn: AsyncConnection,
    owner_id: uuid.UUID,
    room_id: uuid.UUID,
    limit: int,
    before: uuid.UUID | None,
) -> RoomPage | None:
    params = {"owner_id": owner_id, "room_id": room_id, "limit": limit, "before": before}
    if conn.dialect.name == "postgresql":
        rows = [row._mapping for row in await conn.execute(_JOINED[before is not None], params)]
        if not rows:
            return None
        room = chatroom_of_row(
            {k[len(_ROOM) :]: v for k, v in rows[0].items() if k.startswith(_ROOM)}
        )
        page = [row for row in rows if row["id"] is not None]
    else:
        found = (
            await conn.execute(GET_OWNED, {"owned_room_id": room_id, "owner_id": owner_id})
        ).first()
        if found is None:
            return None
        room = chatroom_of_row(found._mapping)
        page = [row._mapping for row in await conn.execute(_PAGES[before is not None], params)]
    return RoomPage(
        room=room, messages=[message_of_row(row) for row in page], versions=_versions(page)
    )


def _versions(rows: list[RowMapping]) -> dict[uuid.UUID, list[uuid.UUID]]:
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in rows:
        if row["reply_to"] is not None and row[_VERSIONS]:
            # Sorted here: the aggregate keeps no order; ids sort by creation.
            found[row["reply_to"]] = sorted(uuid.UUID(text) for text in row[_VERSIONS].split(","))
    return found
