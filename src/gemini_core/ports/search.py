"""Port of the search over a user's own rooms and messages."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import msgspec

from gemini_core.model import Message


class SearchKind(enum.StrEnum):
    """What a search hit is: a room (by its name) or a message (by its text)."""

    CHATROOM = "chatroom"
    MESSAGE = "message"


class SearchCursor(msgspec.Struct, frozen=True):
    """Position in the newest-first list of hits: the last hit of a page."""

    at: datetime
    id: uuid.UUID


class SearchMatch(msgspec.Struct, frozen=True, kw_only=True):
    """One stored text that matched: a room's name (``message`` None) or a
    message's content. ``at`` orders the hits: a message's ``created_at``,
    a room's ``updated_at`` (when its name was set); ``id`` is the room's or
    the message's, and breaks ties."""

    kind: SearchKind
    id: uuid.UUID
    at: datetime
    chatroom_id: uuid.UUID
    chatroom_name: str
    text: str
    message: Message | None = None


class SearchRepository(Protocol):
    """The full-text index of rooms' names and messages' content, inside a
    unit of work; every read is scoped to one user."""

    async def find(
        self,
        user_id: uuid.UUID,
        terms: Sequence[str],
        limit: int,
        after: SearchCursor | None,
    ) -> list[SearchMatch]:
        """Up to ``limit`` of the user's rooms and messages whose text has,
        for every one of ``terms``, a word that starts with it (case does
        not matter), newest first by ``(at, id)``, strictly after ``after``.
        ``terms`` are plain words (``gemini_core.search_text.query_terms``);
        whatever they hold, they are never read as query syntax. Messages
        superseded by a newer version are left out."""
        ...
