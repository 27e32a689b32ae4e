"""Rows of the chatrooms and messages tables as the core's values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gemini_core.model import Chatroom, Message, MessageStatus, Role


def chatroom_of_row(row: Mapping[Any, Any]) -> Chatroom:
    return Chatroom(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_message_at=row["last_message_at"],
        system_instruction=row["system_instruction"],
        named_by_user=row["named_by_user"],
    )


def message_of_row(row: Mapping[Any, Any]) -> Message:
    return Message(
        id=row["id"],
        chatroom_id=row["chatroom_id"],
        user_id=row["user_id"],
        role=Role(row["role"]),
        content=row["content"],
        status=MessageStatus(row["status"]),
        error=row["error"],
        created_at=row["created_at"],
        completed_at=row["completed_at"],
        prompt_tokens=row["prompt_tokens"],
        output_tokens=row["output_tokens"],
        deliveries=row["deliveries"],
        reply_to=row["reply_to"],
        superseded_at=row["superseded_at"],
        edited_at=row["edited_at"],
        thinking_tokens=row["thinking_tokens"],
        total_tokens=row["total_tokens"],
        model=row["model"],
    )
