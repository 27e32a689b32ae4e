"""Contract of ``ChatroomListCache``: pages under a generation, with a TTL.

A subclass provides the adapter as ``cache`` and, as ``clock``, the time it
runs on: an object with ``now()`` and ``async advance(seconds)``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Protocol

from gemini_core.model import Chatroom
from gemini_core.ports import ChatroomCursor, ChatroomListCache, ChatroomPage

TTL = 60.0


class MovableClock(Protocol):
    def now(self) -> datetime: ...

    async def advance(self, seconds: float) -> None: ...


def page_of(user_id: uuid.UUID, *names: str) -> ChatroomPage:
    at = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    rooms = [
        Chatroom(
            id=uuid.uuid4(),
            user_id=user_id,
            name=name,
            created_at=at - timedelta(minutes=i),
            updated_at=at,
            last_message_at=at if i == 0 else None,
        )
        for i, name in enumerate(names)
    ]
    last = rooms[-1]
    return ChatroomPage(items=rooms, next_cursor=ChatroomCursor(last.activity_at, last.id))


class ChatroomListCacheContract:
    async def test_unknown_page_is_a_miss(self, cache: ChatroomListCache) -> None:
        _, page = await cache.lookup(uuid.uuid4(), "first")

        assert page is None

    async def test_stored_page_is_returned_under_its_generation(
        self, cache: ChatroomListCache
    ) -> None:
        user = uuid.uuid4()
        page = page_of(user, "a", "b")
        generation, _ = await cache.lookup(user, "first")

        await cache.store(user, generation, "first", page, TTL)

        assert await cache.lookup(user, "first") == (generation, page)

    async def test_pages_are_kept_by_key(self, cache: ChatroomListCache) -> None:
        user = uuid.uuid4()
        first, second = page_of(user, "a"), page_of(user, "b")
        generation, _ = await cache.lookup(user, "first")
        await cache.store(user, generation, "first", first, TTL)
        await cache.store(user, generation, "after:x", second, TTL)

        assert (await cache.lookup(user, "first"))[1] == first
        assert (await cache.lookup(user, "after:x"))[1] == second
        assert (await cache.lookup(user, "after:y"))[1] is None

    async def test_invalidate_bumps_the_generation_and_hides_pages(
        self, cache: ChatroomListCache
    ) -> None:
        user = uuid.uuid4()
        before, _ = await cache.lookup(user, "first")
        await cache.store(user, before, "first", page_of(user, "a"), TTL)

        await cache.invalidate(user)

        after, page = await cache.lookup(user, "first")
        assert after > before
        assert page is None

    async def test_page_stored_under_an_old_generation_is_never_returned(
        self, cache: ChatroomListCache
    ) -> None:
        user = uuid.uuid4()
        stale_generation, _ = await cache.lookup(user, "first")
        await cache.invalidate(user)

        # A slow reader that looked up before the invalidation writes late.
        await cache.store(user, stale_generation, "first", page_of(user, "old"), TTL)

        generation, page = await cache.lookup(user, "first")
        assert generation != stale_generation
        assert page is None
        fresh = page_of(user, "new")
        await cache.store(user, generation, "first", fresh, TTL)
        assert await cache.lookup(user, "first") == (generation, fresh)

    async def test_page_expires_after_its_ttl(
        self, cache: ChatroomListCache, clock: MovableClock
    ) -> None:
        user = uuid.uuid4()
        generation, _ = await cache.lookup(user, "first")
        await cache.store(user, generation, "first", page_of(user, "a"), 0.3)
        assert (await cache.lookup(user, "first"))[1] is not None

        await clock.advance(0.5)

        assert await cache.lookup(user, "first") == (generation, None)

    async def test_users_are_independent(self, cache: ChatroomListCache) -> None:
        user, other = uuid.uuid4(), uuid.uuid4()
        mine, theirs = page_of(user, "a"), page_of(other, "b")
        generation, _ = await cache.lookup(user, "first")
        await cache.store(user, generation, "first", mine, TTL)
        other_generation, miss = await cache.lookup(other, "first")
        assert miss is None
        await cache.store(other, other_generation, "first", theirs, TTL)

        await cache.invalidate(other)

        assert await cache.lookup(user, "first") == (generation, mine)
        assert (await cache.lookup(other, "first"))[1] is None
