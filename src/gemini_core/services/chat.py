"""ChatService: chatrooms, prompts and message history."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime

import msgspec

from gemini_core.errors import NotFound, RoomLimitReached, ValidationFailed
from gemini_core.ids import new_id
from gemini_core.model import Chatroom, Message, Quota, Tier
from gemini_core.model.chat import (
    CONTENT_MAX,
    NAME_MAX,
    PLACEHOLDER_NAME,
)
from gemini_core.ports import (
    ChatroomCursor,
    ChatroomListCache,
    ChatroomPage,
    Clock,
    EventPublisher,
    MessageEvent,
    ReplyQueue,
    RoomPage,
    UnitOfWorkFactory,
)
from gemini_core.services.chat_values import (
    PromptAccepted,
    RoomList,
    prompt_and_reply,
    room_instruction,
)
from gemini_core.services.quota import QuotaService
from gemini_core.services.reply_failer import ReplyFailer
from gemini_core.text import clean_text
from gemini_core.utc import seconds_until

__all__ = ["ChatService", "PromptAccepted", "RoomList"]

logger = logging.getLogger(__name__)

LIST_CACHE_TTL_SECONDS = 300.0
LIST_CACHE_JITTER = 0.10
MAX_ROOMS_PER_USER = 500


class ChatService:
    """Chatrooms (``max_rooms`` a user at most), their history, and prompts
    sent to the model (their live events: ``EventStreams``). ``reply_models``
    names the model that answers each tier's prompts (a tier without one:
    the model's default); a pending reply records it."""

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
        cache_ttl_seconds: float = LIST_CACHE_TTL_SECONDS,
        jitter: Callable[[], float] = random.random,
        max_rooms: int = MAX_ROOMS_PER_USER,
        reply_models: Mapping[Tier, str] | None = None,
    ) -> None:
        self._uow = uow
        self._cache = cache
        self._quota = quota
        self._queue = queue
        self._events = events
        self._failer = failer
        self._clock = clock
        self._cache_ttl = cache_ttl_seconds
        self._jitter = jitter
        self._max_rooms = max_rooms
        self._reply_models = dict(reply_models or {})

    # -- rooms ------------------------------------------------------------

    async def create_room(
        self, user_id: uuid.UUID, name: str | None = None, *, system_instruction: str | None = None
    ) -> Chatroom:
        """A new, empty room named ``name`` (stripped, one line), or, with
        None, named ``PLACEHOLDER_NAME`` until the model titles it after its
        first reply; with its own ``system_instruction`` if given (blank is
        none). ``RoomLimitReached`` when the user already keeps
        ``max_rooms``, even under concurrent creates."""
        now = self._clock.now()
        room = Chatroom(
            id=new_id(),
            user_id=user_id,
            name=PLACEHOLDER_NAME
            if name is None
            else clean_text(name, "name", NAME_MAX, strip=True),
            created_at=now,
            updated_at=now,
            system_instruction=room_instruction(system_instruction),
            named_by_user=name is not None,
        )
        async with self._uow() as uow:
            if not await uow.chatrooms.add_within_limit(room, self._max_rooms):
                raise RoomLimitReached(self._max_rooms)
            await uow.commit()
        await self._invalidate(user_id)
        return room

    async def list_rooms(
        self, user_id: uuid.UUID, limit: int, cursor: ChatroomCursor | None
    ) -> RoomList:
        """A page of rooms, newest activity first. First pages come from the
        cache when they can; later pages always from the database, so what a
        client sends cannot grow the cache past one page per page size."""
        if cursor is not None:
            return RoomList(page=await self._read_page(user_id, limit, cursor), cache_hit=False)
        page_key = f"{limit}:"
        generation: int | None = None
        try:
            generation, cached = await self._cache.lookup(user_id, page_key)
            if cached is not None:
                return RoomList(page=cached, cache_hit=True)
        except Exception:
            logger.warning("chatroom list cache lookup failed; reading the database", exc_info=True)
        page = await self._read_page(user_id, limit, None)
        if generation is not None:
            # Jitter spreads expiries so a burst of lists does not expire at once.
            ttl = self._cache_ttl * (1 + LIST_CACHE_JITTER * (2 * self._jitter() - 1))
            try:
                await self._cache.store(user_id, generation, page_key, page, ttl)
            except Exception:
                logger.warning("chatroom list cache store failed", exc_info=True)
        return RoomList(page=page, cache_hit=False)

    async def _read_page(
        self, user_id: uuid.UUID, limit: int, cursor: ChatroomCursor | None
    ) -> ChatroomPage:
        async with self._uow(autocommit=True) as uow:
            rooms = await uow.chatrooms.list_page(user_id, limit + 1, cursor)
        next_cursor = None
        if len(rooms) > limit:
            rooms = rooms[:limit]
            last = rooms[-1]
            next_cursor = ChatroomCursor(activity_at=last.activity_at, id=last.id)
        return ChatroomPage(items=rooms, next_cursor=next_cursor)

    async def get_room(
        self, user_id: uuid.UUID, room_id: uuid.UUID, message_limit: int = 50
    ) -> tuple[Chatroom, list[Message]]:
        """The room with its latest messages, oldest first."""
        page, _ = await self.room_page(user_id, room_id, message_limit, None)
        return page.room, page.messages

    async def rename_room(
        self,
        user_id: uuid.UUID,
        room_id: uuid.UUID,
        name: str | None = None,
        *,
        system_instruction: str | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> Chatroom:
        """The room under its new name, which the model never replaces (None:
        the name unchanged), and with ``system_instruction`` unless UNSET
        (None or blank clears it); its place in the list unchanged.
        ``NotFound`` unless the user owns it; ``ValidationFailed`` when
        nothing is to change."""
        if name is None and system_instruction is msgspec.UNSET:
            raise ValidationFailed.for_field("name", "or system_instruction must be given")
        clean = None if name is None else clean_text(name, "name", NAME_MAX, strip=True)
        instruction = (
            system_instruction
            if isinstance(system_instruction, msgspec.UnsetType)
            else room_instruction(system_instruction)
        )
        async with self._uow() as uow:
            room = await uow.chatrooms.rename(
                user_id, room_id, clean, self._clock.now(), system_instruction=instruction
            )
            if room is None:
                raise NotFound("chatroom not found")
            await uow.commit()
        await self._invalidate(user_id)
        return room

    async def delete_room(self, user_id: uuid.UUID, room_id: uuid.UUID) -> None:
        """Delete the room and every message in it; ``NotFound`` unless the
        user owns it."""
        async with self._uow() as uow:
            if not await uow.chatrooms.delete(user_id, room_id):
                raise NotFound("chatroom not found")
            await uow.commit()
        await self._invalidate(user_id)

    # -- messages ---------------------------------------------------------

    async def list_messages(
        self, user_id: uuid.UUID, room_id: uuid.UUID, limit: int, before: uuid.UUID | None
    ) -> tuple[list[Message], uuid.UUID | None]:
        """A page of messages older than ``before``, oldest first within the
        page, and the cursor of the next (older) page if there is one."""
        page, older = await self.room_page(user_id, room_id, limit, before)
        return page.messages, older

    async def room_page(
        self, user_id: uuid.UUID, room_id: uuid.UUID, limit: int, before: uuid.UUID | None
    ) -> tuple[RoomPage, uuid.UUID | None]:
        """The room with its messages older than ``before`` (the latest when
        None), oldest first, the versions of the replies among them, and
        the cursor of the next (older) page if there is one: what a client
        shows of a room, in one read. ``NotFound`` unless the user owns it."""
        async with self._uow(autocommit=True) as uow:
            page = await uow.messages.room_page(user_id, room_id, limit + 1, before)
        if page is None:
            raise NotFound("chatroom not found")
        messages, older = page.messages, None
        if len(messages) > limit:
            messages = messages[:limit]
            older = messages[-1].id
        messages.reverse()
        return msgspec.structs.replace(page, messages=messages), older

    async def require_room(self, user_id: uuid.UUID, room_id: uuid.UUID) -> Chatroom:
        """The user's room; ``NotFound`` when it is not theirs or does not exist."""
        async with self._uow(autocommit=True) as uow:
            room = await uow.chatrooms.get(user_id, room_id)
        if room is None:
            raise NotFound("chatroom not found")
        return room

    async def send_prompt(
        self, user_id: uuid.UUID, room_id: uuid.UUID, content: str, *, tier: Tier | None = None
    ) -> PromptAccepted:
        """Take the quota and store the prompt and a pending reply in one
        transaction, then enqueue the reply. Nothing is stored or counted
        when the quota refuses or the room is not the user's; a reply that
        cannot be enqueued ends failed, quota returned. ``tier``: the
        user's, when the caller knows it (``User.tier`` of the cached
        user); None reads it from the stored subscription."""
        text = clean_text(content, "content", CONTENT_MAX, strip=False)
        now = self._clock.now()
        prompt, reply = prompt_and_reply(user_id, room_id, text, now)
        quota, reply = await self._store_prompt(prompt, reply, now, tier)
        await self._invalidate(user_id)
        await self._events.publish_all(
            [
                MessageEvent(
                    type="message.created",
                    chatroom_id=room_id,
                    message_id=message.id,
                    message=message,
                )
                for message in (prompt, reply)
            ]
        )
        reply = await self._failer.enqueue_or_fail(self._queue, reply)
        resets_in = seconds_until(quota.resets_at, self._clock.now())
        return PromptAccepted(message=prompt, reply=reply, quota=quota, quota_resets_in=resets_in)

    async def _store_prompt(
        self, prompt: Message, reply: Message, now: datetime, tier: Tier | None
    ) -> tuple[Quota, Message]:
        """The quota after counting the prompt, and the pending reply as
        stored (with the model of the user's tier)."""
        user_id = prompt.user_id
        # One statement, no transaction: the count, the room and the
        # messages in one atomic write (``add_counted``), after the tier's
        # read when the caller did not bring it. A webhook changing the tier
        # meanwhile is one that came a moment later.
        async with self._uow(autocommit=True) as uow:
            allowance = (
                await self._quota.allowance_within(uow, user_id, now)
                if tier is None
                else self._quota.allowance_for(tier, now)
            )
            if (model := self._reply_models.get(allowance.tier)) is not None:
                reply = msgspec.structs.replace(reply, model=model)  # the worker asks it
            counted = await uow.messages.add_counted(
                prompt,
                reply,
                day=allowance.day,
                limit=allowance.limit,
                token_budget=allowance.token_budget,
            )
            if counted.used is not None:
                return allowance.quota(counted.used), reply
            if counted.room_found:
                raise await self._quota.refusal_within(uow, user_id, allowance, now)
            # The quota comes first: a user with no prompts left gets 429
            # whichever room they name.
            refusal = await self._quota.exhausted_within(uow, user_id, allowance, now)
        raise refusal or NotFound("chatroom not found")

    async def _invalidate(self, user_id: uuid.UUID) -> None:
        try:
            await self._cache.invalidate(user_id)
        except Exception:
            # The generation could not be bumped; the list may be stale until
            # its TTL runs out. Logged loudly because it breaks a promise.
            logger.error("chatroom list cache invalidation failed for %s", user_id, exc_info=True)
