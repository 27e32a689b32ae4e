"""RoomTitler: a short title for a room created without a name, asked of
the model by the worker once the room's first reply is stored."""

from __future__ import annotations

import logging
import re

from gemini_core.model import Chatroom, Role
from gemini_core.model.chat import NAME_MAX
from gemini_core.ports import (
    ChatModel,
    ChatroomListCache,
    Clock,
    EventPublisher,
    MessageEvent,
    ModelRequest,
    ModelTurn,
    UnitOfWorkFactory,
)

logger = logging.getLogger(__name__)

TITLE_MAX = 60
"""The longest title the model's answer is cut to (a room name allows NAME_MAX)."""
# What the model sees of the exchange: a title needs its gist, not all of it.
EXCERPT_CHARS = 2000
TITLE_INSTRUCTION = (
    "You name conversations. Answer with a title of at most six words for the "
    "conversation so far: one line, no quotes, no final punctuation, nothing else."
)
TITLE_ASK = "Give this conversation a short title."

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Decoration a model likes to put around a title: markdown marks, quotes,
# a "Title:" label, final punctuation.
_LABEL = re.compile(r"^(?:title|chat title)\s*:\s*", re.IGNORECASE)
_EDGES = "\"'`*_#>~- \u2013\u2014\u201c\u201d\u2018\u2019\u00ab\u00bb"
_TRAILING = ".,;:!\u3002"


def clean_title(text: str, maximum: int = TITLE_MAX) -> str:
    """The model's answer as a room name: its first non-blank line without
    decoration or control characters, spaces collapsed, cut at a word to
    ``maximum`` characters (``NAME_MAX`` at most); empty when nothing is left."""
    line = next((part for part in text.splitlines() if part.strip()), "")
    line = " ".join(_CONTROL.sub(" ", line).split())
    line = _LABEL.sub("", line.strip(_EDGES)).strip(_EDGES).rstrip(_TRAILING).strip(_EDGES)
    limit = min(maximum, NAME_MAX)
    if len(line) > limit:
        cut = line[: limit - 1]
        space = cut.rfind(" ")
        line = (cut[:space] if space > limit // 2 else cut).rstrip(_TRAILING + " ") + "…"
    return line


def title_request(prompt: str, answer: str) -> ModelRequest:
    """What the model is asked for a title: the first exchange, then the ask."""
    return ModelRequest(
        turns=[
            ModelTurn(role=Role.USER, text=prompt[:EXCERPT_CHARS]),
            ModelTurn(role=Role.MODEL, text=answer[:EXCERPT_CHARS]),
            ModelTurn(role=Role.USER, text=TITLE_ASK),
        ],
        system_instruction=TITLE_INSTRUCTION,
        task="title",
    )


async def _ignore(_: str) -> None:
    """Titles are not streamed to anyone."""


class RoomTitler:
    """Titles a room the user has not named. Best effort: any failure is
    logged and the placeholder stays; the reply it follows is never touched."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        model: ChatModel,
        events: EventPublisher,
        cache: ChatroomListCache,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._model = model
        self._events = events
        self._cache = cache
        self._clock = clock

    async def title(self, room: Chatroom, prompt: str, answer: str) -> Chatroom | None:
        """Ask for a title of ``prompt`` and the stored ``answer`` and store
        it unless the user named the room meanwhile; then tell the room's
        event stream (``room.renamed``) and drop the user's cached lists.
        The room as titled, or None when nothing was written."""
        try:
            return await self._title(room, prompt, answer)
        except Exception:
            logger.warning("could not title room %s; it keeps its name", room.id, exc_info=True)
            return None

    async def _title(self, room: Chatroom, prompt: str, answer: str) -> Chatroom | None:
        made = await self._model.generate(title_request(prompt, answer), _ignore)
        title = clean_title(made.text)
        if not title:
            logger.info("the model gave room %s no usable title", room.id)
            return None
        async with self._uow(autocommit=True) as uow:  # one conditional UPDATE
            titled = await uow.chatrooms.set_title(room.user_id, room.id, title, self._clock.now())
        if titled is None:
            return None  # named by the user meanwhile, or deleted
        try:
            await self._cache.invalidate(room.user_id)
        except Exception:
            logger.error(
                "chatroom list cache invalidation failed for %s", room.user_id, exc_info=True
            )
        await self._events.publish(
            MessageEvent(type="room.renamed", chatroom_id=room.id, room=titled)
        )
        return titled
