"""Chatrooms and the messages in them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import msgspec

NAME_MAX = 100
CONTENT_MAX = 8000
SYSTEM_INSTRUCTION_MAX = 2000
PLACEHOLDER_NAME = "New chat"
"""The name of a room created without one, until the model titles it."""


class Role(enum.StrEnum):
    """Who wrote a message: the user (a prompt) or the model (a reply)."""

    USER = "user"
    MODEL = "model"


class MessageStatus(enum.StrEnum):
    """pending -> completed | failed | cancelled, and nothing else: the only
    write that changes a status is ``MessageRepository.finish``, conditional
    on pending."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Chatroom(msgspec.Struct, frozen=True, kw_only=True):
    """A named conversation that belongs to one user; ``updated_at`` moves
    on a rename, ``last_message_at`` on a new prompt."""

    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None = None
    system_instruction: str | None = None
    """The room's own instruction to the model, used instead of the service's."""
    named_by_user: bool = True
    """False while ``name`` is a title the model may replace."""

    @property
    def activity_at(self) -> datetime:
        """When the room last changed for its owner; the list is sorted by it."""
        return self.last_message_at or self.created_at


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """A prompt (role user) or a model reply (role model).

    A reply is created ``pending`` and ends ``completed`` (with content) or
    ``failed`` (with ``error``). ``deliveries`` counts how often a worker
    picked it up, so a poisoned reply is failed instead of retried for ever.
    """

    id: uuid.UUID
    chatroom_id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    content: str
    status: MessageStatus
    created_at: datetime
    error: str | None = None
    completed_at: datetime | None = None
    prompt_tokens: int | None = None
    output_tokens: int | None = None
    deliveries: int = 0
    reply_to: uuid.UUID | None = None
    """For a reply: the prompt it answers (its versions share it)."""
    superseded_at: datetime | None = None
    """For a reply: when a newer version replaced it in the conversation."""
    edited_at: datetime | None = None
    """For a prompt: when its text was last replaced."""
    thinking_tokens: int | None = None
    total_tokens: int | None = None
    model: str | None = None
    """The model that wrote the reply."""


class ReplyOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What one run of a queued reply did: ``outcome`` is ``completed``,
    ``failed``, ``cancelled`` (stopped by its user) or ``skipped`` (already
    final, gone, or finished by another run); ``deliveries`` counts this one
    (None when it was not claimed)."""

    reply_id: uuid.UUID
    outcome: str
    deliveries: int | None = None
    reason: str | None = None
