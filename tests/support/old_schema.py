"""Rows as the schema before migration 0004 held them, for migration tests
that store data under an old revision (the repositories write every column
of the current one)."""

from __future__ import annotations

from typing import Any

from adapters.sqlalchemy.tables import chatrooms, messages
from gemini_core.model import Chatroom, Message

_COLUMNS_OF_0004 = {
    "system_instruction",
    "named_by_user",
    "reply_to",
    "superseded_at",
    "edited_at",
    "thinking_tokens",
    "total_tokens",
    "model",
}


def _before_0004(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in _COLUMNS_OF_0004}


def room_row_of_0003(room: Chatroom) -> dict[str, Any]:
    """The room's row for ``chatrooms.insert()`` on a 0003 schema."""
    values = {c.name: getattr(room, c.name, None) for c in chatrooms.columns}
    values["activity_at"] = room.activity_at
    return _before_0004(values)


def message_row_of_0003(message: Message) -> dict[str, Any]:
    """The message's row for ``messages.insert()`` on a 0003 schema."""
    values = {c.name: getattr(message, c.name) for c in messages.columns}
    values["role"], values["status"] = message.role.value, message.status.value
    return _before_0004(values)
