"""Hot statements of the messages table shared by its repository modules,
built once: building a statement and its cache key costs ~100-150 us of
Python per call, more than running it takes here."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.sqlalchemy.tables import messages
from gemini_core.model import MessageStatus

# A page of a room, newest first, superseded reply versions left out.
PAGE = (
    messages.select()
    .where(
        messages.c.chatroom_id == sa.bindparam("chatroom_id"),
        messages.c.superseded_at.is_(None),
    )
    .order_by(messages.c.id.desc())
    .limit(sa.bindparam("limit"))
)
PAGE_BEFORE = PAGE.where(messages.c.id < sa.bindparam("before"))
# A reply by id, only while pending; the claim counts one more delivery.
PENDING = sa.and_(
    messages.c.id == sa.bindparam("message_id"),
    messages.c.status == MessageStatus.PENDING.value,
)
START_DELIVERY = (
    messages.update()
    .where(PENDING)
    .values(deliveries=messages.c.deliveries + 1)
    .returning(*messages.c)
)
