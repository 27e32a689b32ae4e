"""ConversationExport: a whole room's messages, read a page at a time."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import msgspec

from gemini_core.errors import NotFound
from gemini_core.model import Chatroom, Message
from gemini_core.ports import Clock, UnitOfWorkFactory

EXPORT_PAGE = 500
"""Messages read per statement while exporting."""


class ExportStart(msgspec.Struct, frozen=True):
    """The room being exported and when the export began."""

    room: Chatroom
    started_at: datetime


class ConversationExport:
    """Reads every message of a user's room, oldest first, in keyset pages
    of ``page_size``, each in a short statement of its own: a room of any
    size is exported without holding it in memory or a transaction open."""

    def __init__(
        self, *, uow: UnitOfWorkFactory, clock: Clock, page_size: int = EXPORT_PAGE
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._page_size = page_size

    async def start(self, user_id: uuid.UUID, room_id: uuid.UUID) -> ExportStart:
        """The room to export, checked before anything is sent;
        ``NotFound`` unless the user owns it."""
        async with self._uow(autocommit=True) as uow:
            room = await uow.chatrooms.get(user_id, room_id)
        if room is None:
            raise NotFound("chatroom not found")
        return ExportStart(room=room, started_at=self._clock.now())

    async def pages(self, room: Chatroom) -> AsyncIterator[list[Message]]:
        """The room's messages, oldest first, a page at a time. Messages
        stored while the pages are read appear if they come after the page
        being read; a room deleted meanwhile ends the pages early."""
        after: uuid.UUID | None = None
        while True:
            # Shielded: a client that leaves mid-export cancels the reader,
            # and a read cut inside its unit of work could not hand its
            # connection back; the page is read to its end, then dropped.
            page = await asyncio.shield(self._read(room.id, after))
            if page:
                yield page
            if len(page) < self._page_size:
                return
            after = page[-1].id

    async def _read(self, room_id: uuid.UUID, after: uuid.UUID | None) -> list[Message]:
        async with self._uow(autocommit=True) as uow:
            return await uow.messages.list_after(room_id, self._page_size, after)
