"""Rows of the chatrooms and messages tables as the core's values, and back."""

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


def row_of_message(message: Message) -> dict[str, Any]:
    """The messages table's values of ``message``, by column."""
    return {
        "id": message.id,
        "chatroom_id": message.chatroom_id,
        "user_id": message.user_id,
        "role": message.role.value,
        "content": message.content,
        "status": message.status.value,
        "error": message.error,
        "created_at": message.created_at,
        "completed_at": message.completed_at,
        "prompt_tokens": message.prompt_tokens,
        "output_tokens": message.output_tokens,
        "deliveries": message.deliveries,
        "reply_to": message.reply_to,
        "superseded_at": message.superseded_at,
        "edited_at": message.edited_at,
        "thinking_tokens": message.thinking_tokens,
        "total_tokens": message.total_tokens,
        "model": message.model,
    }
