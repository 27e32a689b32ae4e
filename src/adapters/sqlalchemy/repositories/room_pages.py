"""A room with a page of its messages and their reply versions, in one read.

What ``GET /chatroom/{id}`` and its message pages show was three
statements in two units of work (the room, the page, the versions of its
replies); each round trip costs more CPU here (the loopback send and the
driver) than the statement's own work, and so does turning 50 rows of 18
columns into Python values one by one. On PostgreSQL it is one statement
that answers the owned room's row with two JSON values built by the server:
the page, which msgspec decodes straight into ``Message`` values (in C), and
the version ids of its replies. SQLite keeps two plain statements (the room,
and the page with each reply's versions): it is the embedded default.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.chatrooms import GET_OWNED
from adapters.sqlalchemy.repositories.rows import chatroom_of_row, message_of_row
from adapters.sqlalchemy.tables import messages
from gemini_core.model import Message
from gemini_core.ports import RoomPage

# PostgreSQL. The sessions run in UTC (unit_of_work.py), so the JSON's
# timestamps carry +00:00; its keys are the columns, which are the fields
# of ``Message``. ``page`` is referenced twice, so it is computed once.
_PG_PAGE = """
WITH page AS (
    SELECT * FROM messages
    WHERE chatroom_id = :room_id AND superseded_at IS NULL {before}
    ORDER BY id DESC LIMIT :limit
)
SELECT chatrooms.*,
    (SELECT coalesce(json_agg(page ORDER BY page.id DESC), '[]')::text FROM page) AS page,
    (SELECT coalesce(json_object_agg(reply_to, ids), '{{}}')::text FROM (
        SELECT reply_to, json_agg(id ORDER BY id) AS ids FROM messages
        WHERE reply_to IN (SELECT reply_to FROM page WHERE reply_to IS NOT NULL)
        GROUP BY reply_to
    ) AS versions) AS versions
FROM chatrooms
WHERE chatrooms.id = :room_id AND chatrooms.user_id = :owner_id
"""
_PG = {
    False: sa.text(_PG_PAGE.format(before="")),
    True: sa.text(_PG_PAGE.format(before="AND id < :before")),
}
_messages = msgspec.json.Decoder(list[Message])
_versions = msgspec.json.Decoder(dict[uuid.UUID, list[uuid.UUID]])

# SQLite: the page, each message with the ids of its prompt's reply
# versions as one string (group_concat).
_version = messages.alias("version")
_VERSIONS = "version_ids"
_VERSION_IDS = (
    sa.select(sa.func.aggregate_strings(sa.cast(_version.c.id, sa.String), ","))
    .where(_version.c.reply_to == messages.c.reply_to)
    .scalar_subquery()
    .label(_VERSIONS)
)


def _page(before: bool) -> sa.Select[Any]:
    stmt = (
        sa.select(*messages.c, _VERSION_IDS)
        .where(messages.c.chatroom_id == sa.bindparam("room_id"))
        .where(messages.c.superseded_at.is_(None))
        .order_by(messages.c.id.desc())
        .limit(sa.bindparam("limit"))
    )
    return stmt.where(messages.c.id < sa.bindparam("before")) if before else stmt


_SQLITE = {False: _page(False), True: _page(True)}


async def read_room_page(
    conn: AsyncConnection,
    owner_id: uuid.UUID,
    room_id: uuid.UUID,
    limit: int,
    before: uuid.UUID | None,
) -> RoomPage | None:
    params = {"owner_id": owner_id, "room_id": room_id, "limit": limit, "before": before}
    if conn.dialect.name == "postgresql":
        row = (await conn.execute(_PG[before is not None], params)).first()
        if row is None:
            return None
        found = row._mapping
        return RoomPage(
            room=chatroom_of_row(found),
            messages=_messages.decode(found["page"]),
            versions=_versions.decode(found["versions"]),
        )
    owned = {"owned_room_id": room_id, "owner_id": owner_id}
    room = (await conn.execute(GET_OWNED, owned)).first()
    if room is None:
        return None
    page = [row._mapping for row in await conn.execute(_SQLITE[before is not None], params)]
    return RoomPage(
        room=chatroom_of_row(room._mapping),
        messages=[message_of_row(row) for row in page],
        versions=_sqlite_versions(page),
    )


def _sqlite_versions(rows: list[RowMapping]) -> dict[uuid.UUID, list[uuid.UUID]]:
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in rows:
        if row["reply_to"] is not None and row[_VERSIONS]:
            # Sorted here: group_concat keeps no order; ids sort by creation.
            found[row["reply_to"]] = sorted(uuid.UUID(text) for text in row[_VERSIONS].split(","))
    return found
