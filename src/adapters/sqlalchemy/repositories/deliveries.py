"""A reply claimed for a delivery, with its room and history, in one step
(``MessageRepository.claim_delivery``).

A worker read these in three statements over two units of work (the claim,
then the room and the messages before the reply), and the database was a
third of its CPU, mostly per round trip, not per row. On PostgreSQL it is
one statement: the conditional UPDATE as a data-modifying CTE, answering
the claimed row with the room and the history as JSON built by the server,
which msgspec decodes straight into ``Chatroom`` and ``Message`` values.
SQLite keeps the three plain statements: it is in-process.
"""

from __future__ import annotations

import uuid

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.chatrooms import GET_OWNED
from adapters.sqlalchemy.repositories.rows import chatroom_of_row, message_of_row
from adapters.sqlalchemy.repositories.statements import PAGE_BEFORE, START_DELIVERY
from gemini_core.model import Chatroom, Message, MessageStatus
from gemini_core.ports import Delivery

# The history is ``list_page`` before the reply: newest first, superseded
# versions left out. The room is its owner's, as ``ChatroomRepository.get``.
_PG_CLAIM = sa.text(f"""
WITH claimed AS (
    UPDATE messages SET deliveries = deliveries + 1
    WHERE id = :message_id AND status = '{MessageStatus.PENDING.value}'
    RETURNING *
)
SELECT claimed.*,
    (SELECT row_to_json(chatrooms)::text FROM chatrooms
        WHERE chatrooms.id = claimed.chatroom_id AND chatrooms.user_id = claimed.user_id
    ) AS room,
    (SELECT coalesce(json_agg(page ORDER BY page.id DESC), '[]')::text FROM (
        SELECT * FROM messages
        WHERE messages.chatroom_id = claimed.chatroom_id
            AND messages.superseded_at IS NULL AND messages.id < claimed.id
        ORDER BY messages.id DESC LIMIT :limit
    ) AS page) AS history
FROM claimed
""")
_room = msgspec.json.Decoder(Chatroom)
_history = msgspec.json.Decoder(list[Message])


async def claim_delivery(
    conn: AsyncConnection,
    message_id: uuid.UUID,
    history_limit: int,
) -> Delivery | None:
    """``MessageRepository.claim_delivery``."""
    params = {"message_id": message_id, "limit": history_limit}
    if conn.dialect.name == "postgresql":
        row = (await conn.execute(_PG_CLAIM, params)).first()
        if row is None:
            return None
        found = row._mapping
        return Delivery(
            reply=message_of_row(found),
            room=None if found["room"] is None else _room.decode(found["room"]),
            history=_history.decode(found["history"]),
        )
    claimed = (await conn.execute(START_DELIVERY, params)).first()
    if claimed is None:
        return None
    reply = message_of_row(claimed._mapping)
    owned = {"owned_room_id": reply.chatroom_id, "owner_id": reply.user_id}
    room = (await conn.execute(GET_OWNED, owned)).first()
    page = {"chatroom_id": reply.chatroom_id, "limit": history_limit, "before": reply.id}
    history = [message_of_row(row._mapping) for row in await conn.execute(PAGE_BEFORE, page)]
    return Delivery(
        reply=reply, room=None if room is None else chatroom_of_row(room._mapping), history=history
    )
