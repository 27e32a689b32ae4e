"""The values ChatService answers with, the two messages a prompt makes,
and a room's own instruction as it is stored."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from gemini_core.errors import NotFound
from gemini_core.ids import new_id
from gemini_core.model import Message, MessageStatus, Quota, Role
from gemini_core.model.chat import SYSTEM_INSTRUCTION_MAX
from gemini_core.ports import ChatroomPage, UnitOfWork
from gemini_core.text import check_text


class PromptAccepted(msgspec.Struct, frozen=True):
    """A stored prompt, its pending reply, and the quota after counting it."""

    message: Message
    reply: Message
    quota: Quota
    quota_resets_in: int
    """Whole seconds until the quota day ends."""


class RoomList(msgspec.Struct, frozen=True):
    """A page of rooms, and whether it was served from the list cache
    rather than the database."""

    page: ChatroomPage
    cache_hit: bool


def prompt_and_reply(
    user_id: uuid.UUID, room_id: uuid.UUID, text: str, now: datetime
) -> tuple[Message, Message]:
    """A prompt as sent, and the pending reply that will answer it."""
    prompt = Message(
        id=new_id(),
        chatroom_id=room_id,
        user_id=user_id,
        role=Role.USER,
        content=text,
        status=MessageStatus.COMPLETED,
        created_at=now,
        completed_at=now,
    )
    return prompt, pending_reply(prompt, now)


def pending_reply(prompt: Message, now: datetime, model: str | None = None) -> Message:
    """A new pending reply to ``prompt`` (of its room and user), to be
    written by ``model`` (None: the default one)."""
    return Message(
        id=new_id(),
        chatroom_id=prompt.chatroom_id,
        user_id=prompt.user_id,
        role=Role.MODEL,
        content="",
        status=MessageStatus.PENDING,
        created_at=now,
        reply_to=prompt.id,
        model=model,
    )


def room_instruction(text: str | None) -> str | None:
    """A room's own system instruction as stored: None for none or blank,
    else trimmed, at most ``SYSTEM_INSTRUCTION_MAX`` characters, no control
    characters but tabs and line breaks; or ``ValidationFailed``."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    check_text(value, "system_instruction", maximum=SYSTEM_INSTRUCTION_MAX, multiline=True)
    return value


async def room_message(uow: UnitOfWork, room_id: uuid.UUID, message_id: uuid.UUID) -> Message:
    """The message ``message_id`` of room ``room_id``; ``NotFound`` when it
    is not in that room (the caller has checked the room is the user's)."""
    message = await uow.messages.get(message_id)
    if message is None or message.chatroom_id != room_id:
        raise NotFound("message not found")
    return message
