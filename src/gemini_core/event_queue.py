"""The subscriber's end of live events, as every event adapter hands it out.

An ``EventStream`` never skips events silently: a client that resumes by
event id must be able to trust that everything before the id reached it.
So a stream whose bounded queue overflows is *lost*: what it held is
dropped, and ``next`` raises ``EventStreamLost`` until it is closed, which
tells its reader to catch up from the database. Both adapters (in-process
and Redis) fan events out into these queues; only how events arrive differs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from gemini_core.errors import EventStreamLost
from gemini_core.ports.events import MessageEvent


class QueuedEventStream:
    """An ``EventStream`` fed by ``offer`` (never blocks the feeder), holding
    at most ``size`` events; ``on_close`` runs once, on the first ``close``."""

    def __init__(self, size: int, on_close: Callable[[QueuedEventStream], Awaitable[None]]) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        # None is the marker that wakes a waiting reader when the stream is lost.
        self._queue: asyncio.Queue[MessageEvent | None] = asyncio.Queue(maxsize=size)
        self._on_close = on_close
        self._lost: str | None = None
        self.closed = False

    def offer(self, event: MessageEvent) -> None:
        """Queue ``event``; lose the stream when its queue is full."""
        if self.closed or self._lost is not None:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lose(f"the reader fell more than {self._queue.maxsize} events behind")

    def lose(self, reason: str) -> None:
        """Drop what is queued; ``next`` raises ``EventStreamLost(reason)`` from now on."""
        if self._lost is not None or self.closed:
            return
        self._lost = reason
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def next(self, wait_seconds: float) -> MessageEvent | None:
        """The next event, None after ``wait_seconds`` without one (or once
        closed); ``EventStreamLost`` once the stream is lost."""
        if self.closed:
            return None
        try:
            item = self._queue.get_nowait()
        except asyncio.QueueEmpty:
            item = await self._wait(wait_seconds)
            if item is None and self._lost is None:
                return None
        if item is None:
            self._queue.put_nowait(None)  # every later call raises too
            raise EventStreamLost(f"the event stream was lost: {self._lost}")
        return item

    async def _wait(self, wait_seconds: float) -> MessageEvent | None:
        if wait_seconds <= 0:
            return None
        try:
            return await asyncio.wait_for(self._queue.get(), wait_seconds)
        except TimeoutError:
            return None

    async def close(self) -> None:
        """Stop receiving and run ``on_close``; safe to call twice."""
        if not self.closed:
            self.closed = True
            await self._on_close(self)
