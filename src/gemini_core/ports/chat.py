"""Ports of chatrooms, prompts and replies."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date, datetime
from typing import Protocol

import msgspec

from gemini_core.model import Chatroom, Message, MessageStatus


class ChatroomCursor(msgspec.Struct, frozen=True):
    """Position in the activity-ordered list: the last room of a page."""

    activity_at: datetime
    id: uuid.UUID


class ChatroomPage(msgspec.Struct, frozen=True):
    """One page of a user's rooms; ``next_cursor`` is None on the last page."""

    items: list[Chatroom]
    next_cursor: ChatroomCursor | None = None


class RoomPage(msgspec.Struct, frozen=True):
    """A user's room with a page of its messages, newest first, and the
    version ids (oldest first) of the replies among them, by the prompt
    they answer."""

    room: Chatroom
    messages: list[Message]
    versions: dict[uuid.UUID, list[uuid.UUID]]


class CountedPrompt(msgspec.Struct, frozen=True):
    """What ``MessageRepository.add_counted`` did. ``used``: the day's
    prompts after this one, or None when nothing was written: the room is
    not the user's (``room_found`` false), or the day's limit or token
    budget is reached."""

    used: int | None
    room_found: bool


class Delivery(msgspec.Struct, frozen=True):
    """A pending reply claimed for one more delivery, with what its model
    request is made of: its room (None when gone) and the room's messages
    before it, newest first."""

    reply: Message
    room: Chatroom | None
    history: list[Message]


class ChatroomRepository(Protocol):
    """The stored chatrooms, inside a unit of work; every read and write is
    scoped to the owner, so another user's room looks absent."""

    async def add(self, room: Chatroom) -> None:
        """Store a new room as given, with no limit on its owner's rooms."""
        ...

    async def add_within_limit(self, room: Chatroom, limit: int) -> bool:
        """Store the room unless its owner already has ``limit`` rooms; False
        then, and nothing written. Exact when the same user's rooms are
        created concurrently: the count and the insert are one step."""
        ...

    async def get(self, user_id: uuid.UUID, room_id: uuid.UUID) -> Chatroom | None:
        """The room if it exists and belongs to ``user_id``."""
        ...

    async def list_page(
        self, user_id: uuid.UUID, limit: int, after: ChatroomCursor | None
    ) -> list[Chatroom]:
        """Up to ``limit`` rooms, newest activity first, strictly after ``after``."""
        ...

    async def rename(
        self,
        user_id: uuid.UUID,
        room_id: uuid.UUID,
        name: str | None,
        now: datetime,
        *,
        system_instruction: str | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> Chatroom | None:
        """Set the name (and ``named_by_user``: the model titles it no more;
        None leaves the name alone), the system instruction unless UNSET
        (None clears it) and ``updated_at`` (its activity is unchanged), and
        return the room as stored; None, nothing written, when the user has
        no such room."""
        ...

    async def set_title(
        self, user_id: uuid.UUID, room_id: uuid.UUID, title: str, now: datetime
    ) -> Chatroom | None:
        """Name the room ``title`` only while ``named_by_user`` is false, in
        one conditional write, and return it as stored; None (nothing
        written) when the user named it meanwhile or has no such room."""
        ...

    async def delete(self, user_id: uuid.UUID, room_id: uuid.UUID) -> bool:
        """Delete the room and its messages; False when there was none."""
        ...

    async def touch(self, user_id: uuid.UUID, room_id: uuid.UUID, at: datetime) -> bool:
        """Record a new message in the user's room at ``at``; False (and
        nothing written) when the user has no such room."""
        ...


class MessageRepository(Protocol):
    """The stored prompts and replies, inside a unit of work. Reads go by
    message or room id, not by user: callers check the room's owner first."""

    async def add(self, *messages: Message) -> None:
        """Store new messages (in one statement when there are several)."""
        ...

    async def add_counted(
        self,
        prompt: Message,
        reply: Message,
        *,
        day: date,
        limit: int | None,
        token_budget: int | None,
    ) -> CountedPrompt:
        """Store a prompt and its pending reply in the prompt's room, record
        the new message in the room (``ChatroomRepository.touch`` at the
        prompt's time) and count one prompt of ``day`` for the prompt's user
        as ``DailyUsageRepository.take`` does: all of it or nothing. Atomic
        by itself, in an autocommit unit of work too (one statement on
        PostgreSQL), and exact under concurrency as ``take`` is. A room that
        is not the user's, or is deleted meanwhile, is not found."""
        ...

    async def get(self, message_id: uuid.UUID) -> Message | None:
        """The message with this id, of whichever room; None when there is none."""
        ...

    async def list_page(
        self, chatroom_id: uuid.UUID, limit: int, before: uuid.UUID | None
    ) -> list[Message]:
        """Up to ``limit`` messages older than ``before``, newest first,
        leaving out reply versions a newer one superseded."""
        ...

    async def room_page(
        self, owner_id: uuid.UUID, room_id: uuid.UUID, limit: int, before: uuid.UUID | None
    ) -> RoomPage | None:
        """The room if ``owner_id`` owns it (else None), with what
        ``list_page`` answers and the version ids ``version_ids`` answers
        for the replies of that page: what a read of a room shows, in as
        few statements as the database allows (one on PostgreSQL)."""
        ...

    async def list_after(
        self, chatroom_id: uuid.UUID, limit: int, after: uuid.UUID | None
    ) -> list[Message]:
        """Up to ``limit`` messages newer than ``after`` (from the first when
        None), oldest first: the pages of a whole conversation, read one
        short statement at a time (the export)."""
        ...

    async def claim_delivery(self, message_id: uuid.UUID, history_limit: int) -> Delivery | None:
        """Count one delivery of a pending reply and return it (its
        ``deliveries`` counted), with the reply's room (``ChatroomRepository.get``
        for the reply's user) and up to ``history_limit`` messages before it
        (``list_page`` before the reply), read in as few statements as the
        database allows (one on PostgreSQL); None when the reply is gone or
        already final."""
        ...

    async def finish(
        self,
        message_id: uuid.UUID,
        *,
        status: MessageStatus,
        content: str,
        error: str | None,
        completed_at: datetime,
        prompt_tokens: int | None = None,
        output_tokens: int | None = None,
        thinking_tokens: int | None = None,
        total_tokens: int | None = None,
        model: str | None = None,
        count_tokens_on: date | None = None,
    ) -> bool:
        """Make a pending reply final; False (and nothing written) when it was
        not pending any more. This conditional write is what makes two
        concurrent runs of one reply produce one result.

        With ``count_tokens_on`` and ``total_tokens``, the reply's total is
        added to its user's tokens of that day (``DailyUsageRepository``)
        together with the write, atomically even in an autocommit unit of
        work: counted exactly when the write lands, never for a write that
        found the reply final already."""
        ...

    async def stale_pending(self, created_before: datetime, limit: int) -> list[Message]:
        """Pending replies created before ``created_before``, oldest first."""
        ...

    # -- versions of a reply (regenerate, edited prompts) ---------------------

    async def last_prompt(self, chatroom_id: uuid.UUID) -> Message | None:
        """The room's newest prompt; None in a room without one."""
        ...

    async def supersede_current(self, prompt_id: uuid.UUID, now: datetime) -> Message | None:
        """Mark the prompt's current reply version superseded at ``now`` if
        it is final, and return it as now stored; None (nothing written) when it
        has none or it is still pending. Of concurrent calls only one
        supersedes a given version: the others wait for it and find none."""
        ...

    async def edit_prompt(self, prompt_id: uuid.UUID, content: str, now: datetime) -> bool:
        """Replace a prompt's text and set its ``edited_at``; False when
        there is no such prompt."""
        ...

    async def version_ids(
        self, prompt_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """The ids of every reply version of each of ``prompt_ids``, oldest
        first (prompts without replies are left out)."""
        ...


class ChatroomListCache(Protocol):
    """Per-user cache of chatroom list pages, invalidated by a generation.

    Readers look up under the current generation and store under the one
    they looked up with; ``invalidate`` bumps it, so a slow reader's late
    write lands under a generation nobody reads again.
    """

    async def lookup(self, user_id: uuid.UUID, page_key: str) -> tuple[int, ChatroomPage | None]:
        """The current generation and the cached page under it, if any."""
        ...

    async def store(
        self,
        user_id: uuid.UUID,
        generation: int,
        page_key: str,
        page: ChatroomPage,
        ttl_seconds: float,
    ) -> None:
        """Keep ``page`` for ``ttl_seconds`` only if ``generation`` is still
        the user's current one; otherwise (it was invalidated since the
        lookup) drop it silently."""
        ...

    async def invalidate(self, user_id: uuid.UUID) -> None:
        """Make every page of the user cached so far unreachable, and any
        store with an older generation a no-op; called after each change to
        the user's rooms."""
        ...


class ReplyQueue(Protocol):
    """The hand-off of pending replies to the workers; a reply may be
    delivered more than once, which ``ReplyService`` tolerates."""

    async def enqueue(self, reply_id: uuid.UUID) -> None:
        """Hand a pending reply to the workers; raises when it cannot."""
        ...

    async def holding(self, reply_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of ``reply_ids`` the queue still holds: waiting for a
        worker or being worked on. The sweep re-enqueues only the others
        (lost with a Redis restart, or never enqueued); raises when the
        queue cannot tell."""
        ...
