"""Asking again and fixing a prompt: new versions of the room's last reply.

A reply's versions share its prompt (``Message.reply_to``); making a new one
marks the current one ``superseded_at``, so the room's messages and the
history the model reads show the newest version only, while every version
stays readable by its id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime

import msgspec

from gemini_core.errors import (
    NotAPrompt,
    NotAReply,
    NotFound,
    NotLatest,
    ReplyPending,
)
from gemini_core.model import Message, Quota, Role, Tier
from gemini_core.model.chat import CONTENT_MAX
from gemini_core.ports import (
    ChatroomListCache,
    Clock,
    EventPublisher,
    MessageEvent,
    ReplyQueue,
    UnitOfWork,
    UnitOfWorkFactory,
)
from gemini_core.services.chat_values import PromptAccepted, pending_reply, room_message
from gemini_core.services.quota import QuotaService
from gemini_core.services.reply_failer import ReplyFailer
from gemini_core.text import clean_text
from gemini_core.utc import seconds_until

logger = logging.getLogger(__name__)

# The step that finds (and may edit) the prompt to answer again, in the
# transaction that stores the new version.
_PromptOf = Callable[[UnitOfWork, datetime], Awaitable[Message]]


class ReplyVersions:
    """Regenerate the room's last reply, edit its last prompt, and read any
    message (any version) of a room. Each new version counts against the
    daily quota exactly like a prompt (taken in the transaction that stores
    it), and only the room's last prompt, with a final reply, can get one."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        cache: ChatroomListCache,
        quota: QuotaService,
        queue: ReplyQueue,
        events: EventPublisher,
        failer: ReplyFailer,
        clock: Clock,
        reply_models: Mapping[Tier, str] | None = None,
    ) -> None:
        self._uow = uow
        self._cache = cache
        self._quota = quota
        self._queue = queue
        self._events = events
        self._failer = failer
        self._clock = clock
        # The model of each tier, as ChatService sets it on a prompt's reply.
        self._reply_models = dict(reply_models or {})

    async def get_message(
        self, user_id: uuid.UUID, room_id: uuid.UUID, message_id: uuid.UUID
    ) -> Message:
        """One message of the user's room, any version; ``NotFound`` otherwise."""
        async with self._uow(autocommit=True) as uow:
            if await uow.chatrooms.get(user_id, room_id) is None:
                raise NotFound("chatroom not found")
            return await room_message(uow, room_id, message_id)

    async def versions_of(self, messages: Iterable[Message]) -> dict[uuid.UUID, list[uuid.UUID]]:
        """The version ids (oldest first) of the replies among ``messages``,
        by the prompt they answer."""
        prompts = {m.reply_to for m in messages if m.role is Role.MODEL and m.reply_to}
        if not prompts:
            return {}
        async with self._uow(autocommit=True) as uow:
            return await uow.messages.version_ids(prompts)

    async def regenerate(
        self, user_id: uuid.UUID, room_id: uuid.UUID, reply_id: uuid.UUID
    ) -> PromptAccepted:
        """A new pending version of a final reply to the room's last prompt
        (any of its versions' ids names it). ``NotAReply`` for a prompt's id,
        ``NotLatest`` for an earlier prompt's reply, ``ReplyPending`` while
        the current version is being written, ``QuotaExceeded`` as a prompt."""

        async def prompt_of(uow: UnitOfWork, now: datetime) -> Message:
            reply = await room_message(uow, room_id, reply_id)
            if reply.role is not Role.MODEL or reply.reply_to is None:
                raise NotAReply()
            return await _latest(uow, room_id, reply.reply_to)

        return await self._new_version(user_id, room_id, prompt_of)

    async def edit_prompt(
        self, user_id: uuid.UUID, room_id: uuid.UUID, message_id: uuid.UUID, content: str
    ) -> PromptAccepted:
        """Replace the text of the room's last prompt (``edited_at`` set) and
        queue a new version of its reply. ``NotAPrompt`` for a reply's id,
        ``NotLatest`` for an earlier prompt, ``ReplyPending`` while its reply
        is being written, ``QuotaExceeded`` as a prompt."""
        content = clean_text(content, "content", CONTENT_MAX, strip=False)

        async def prompt_of(uow: UnitOfWork, now: datetime) -> Message:
            prompt = await room_message(uow, room_id, message_id)
            if prompt.role is not Role.USER:
                raise NotAPrompt()
            latest = await _latest(uow, room_id, prompt.id)
            await uow.messages.edit_prompt(prompt.id, content, now)
            return msgspec.structs.replace(latest, content=content, edited_at=now)

        return await self._new_version(user_id, room_id, prompt_of, edited=True)

    async def _new_version(
        self, user_id: uuid.UUID, room_id: uuid.UUID, prompt_of: _PromptOf, edited: bool = False
    ) -> PromptAccepted:
        now = self._clock.now()
        prompt, reply, quota = await self._store(user_id, room_id, prompt_of, now)
        try:
            await self._cache.invalidate(user_id)
        except Exception:
            logger.error("chatroom list cache invalidation failed for %s", user_id, exc_info=True)
        await self._events.publish_all(
            [
                MessageEvent(
                    type="message.created", chatroom_id=room_id, message_id=m.id, message=m
                )
                for m in ((prompt, reply) if edited else (reply,))
            ]
        )
        reply = await self._failer.enqueue_or_fail(self._queue, reply)
        resets_in = seconds_until(quota.resets_at, self._clock.now())
        return PromptAccepted(message=prompt, reply=reply, quota=quota, quota_resets_in=resets_in)

    async def _store(
        self, user_id: uuid.UUID, room_id: uuid.UUID, prompt_of: _PromptOf, now: datetime
    ) -> tuple[Message, Message, Quota]:
        async with self._uow() as uow:
            # As for a prompt: counted in the transaction that stores the new
            # version, and taken first (429 whatever ids are named).
            quota = await self._quota.take_within(uow, user_id, now)
            # Checks the room is the user's and locks it: a concurrent prompt
            # or version waits, so "the last prompt" holds until commit.
            if not await uow.chatrooms.touch(user_id, room_id, now):
                raise NotFound("chatroom not found")
            prompt = await prompt_of(uow, now)
            if await uow.messages.supersede_current(prompt.id, now) is None:
                raise ReplyPending()
            model = self._reply_models.get(quota.tier) if quota.tier is not None else None
            reply = pending_reply(prompt, now, model)
            await uow.messages.add(reply)
            await uow.commit()
        return prompt, reply, quota


async def _latest(uow: UnitOfWork, room_id: uuid.UUID, prompt_id: uuid.UUID) -> Message:
    """The room's last prompt, if it is ``prompt_id``; ``NotLatest`` otherwise."""
    last = await uow.messages.last_prompt(room_id)
    if last is None or last.id != prompt_id:
        raise NotLatest()
    return last
