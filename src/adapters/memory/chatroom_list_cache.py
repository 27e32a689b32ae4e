"""Chatroom list pages in a dict, with a TTL and a bounded size."""

from __future__ import annotations

import itertools
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import msgspec

from gemini_core.ports import ChatroomPage, Clock


@dataclass(slots=True)
class _UserPages:
    generation: int
    pages: OrderedDict[str, tuple[datetime, ChatroomPage]] = field(default_factory=OrderedDict)


def _copy(page: ChatroomPage) -> ChatroomPage:
    # The page is frozen but its list is not: callers get a list of their own.
    return msgspec.structs.replace(page, items=list(page.items))


class InMemoryChatroomListCache:
    """``ChatroomListCache`` for one process.

    Keeps the pages of at most ``max_users`` users (least recently used
    dropped first) and ``max_pages_per_user`` pages per user. Generations come
    from one counter of the whole cache, so a user forgotten and seen again
    starts at a generation never handed out before: a late ``store`` with an
    old generation can never match, even across an eviction.
    """

    def __init__(
        self, clock: Clock, *, max_users: int = 10_000, max_pages_per_user: int = 16
    ) -> None:
        if max_users < 1 or max_pages_per_user < 1:
            raise ValueError("max_users and max_pages_per_user must be at least 1")
        self._clock = clock
        self._max_users = max_users
        self._max_pages = max_pages_per_user
        self._users: OrderedDict[uuid.UUID, _UserPages] = OrderedDict()
        self._generations = itertools.count(1)

    def page_count(self) -> int:
        """Pages held, of every user (expired ones included until looked up)."""
        return sum(len(entry.pages) for entry in self._users.values())

    async def lookup(self, user_id: uuid.UUID, page_key: str) -> tuple[int, ChatroomPage | None]:
        entry = self._users.get(user_id)
        if entry is None:
            while len(self._users) >= self._max_users:
                self._users.popitem(last=False)
            entry = _UserPages(generation=next(self._generations))
            self._users[user_id] = entry
        else:
            self._users.move_to_end(user_id)
        cached = entry.pages.get(page_key)
        if cached is None:
            return entry.generation, None
        expires_at, page = cached
        if self._clock.now() >= expires_at:
            del entry.pages[page_key]
            return entry.generation, None
        entry.pages.move_to_end(page_key)
        return entry.generation, _copy(page)

    async def store(
        self,
        user_id: uuid.UUID,
        generation: int,
        page_key: str,
        page: ChatroomPage,
        ttl_seconds: float,
    ) -> None:
        entry = self._users.get(user_id)
        # A page read before an invalidation (or an eviction) is stale: drop it.
        if entry is None or entry.generation != generation or ttl_seconds <= 0:
            return
        expires_at = self._clock.now() + timedelta(seconds=ttl_seconds)
        entry.pages[page_key] = (expires_at, _copy(page))
        entry.pages.move_to_end(page_key)
        while len(entry.pages) > self._max_pages:
            entry.pages.popitem(last=False)

    async def invalidate(self, user_id: uuid.UUID) -> None:
        entry = self._users.get(user_id)
        # A user with no entry needs nothing: the next lookup starts them at a
        # generation that no earlier reader can hold.
        if entry is not None:
            entry.generation = next(self._generations)
            entry.pages.clear()
