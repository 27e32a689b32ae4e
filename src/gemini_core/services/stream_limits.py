"""How many live event streams one user holds open in this process."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from gemini_core.errors import TooManyStreams
from gemini_core.ports import EventStream, MessageEvent


class _CountedStream:
    """An event stream that gives its slot back when closed (once)."""

    def __init__(self, stream: EventStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    async def next(self, wait_seconds: float) -> MessageEvent | None:
        return await self._stream.next(wait_seconds)

    async def close(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()
        await self._stream.close()


class StreamLimits:
    """At most ``limit`` open streams per user in this process.

    Each stream holds a connection (a Redis one in production) until it is
    closed, so without a limit one account could hold any number. The count
    is exact within a process: the slot is taken before the first ``await``.
    With several API processes a user may hold ``limit`` in each.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._open: dict[uuid.UUID, int] = {}

    def open_for(self, user_id: uuid.UUID) -> int:
        """How many streams the user holds open in this process now."""
        return self._open.get(user_id, 0)

    async def open(
        self, user_id: uuid.UUID, subscribe: Callable[[], Awaitable[EventStream]]
    ) -> EventStream:
        """A stream from ``subscribe``, counted against ``user_id``;
        ``TooManyStreams`` when they hold the limit already."""
        if self.open_for(user_id) >= self.limit:
            raise TooManyStreams(self.limit)
        self._open[user_id] = self.open_for(user_id) + 1

        def release() -> None:
            left = self.open_for(user_id) - 1
            if left > 0:
                self._open[user_id] = left
            else:
                self._open.pop(user_id, None)

        try:
            stream = await subscribe()
        except BaseException:
            release()
            raise
        return _CountedStream(stream, release)
