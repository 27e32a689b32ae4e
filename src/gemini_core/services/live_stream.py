"""One open event stream as its client sees it: resumable ids, the messages
it missed first, then live events, for as long as its token is good."""

from __future__ import annotations

import math
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta

import msgspec

from gemini_core.ports import Clock, EventStream, MessageEvent
from gemini_core.services.stream_limits import StreamPlace

# Final states this stream has delivered, remembered so that a stale delta or
# a repeated state of a finished message is not sent after it.
_REMEMBERED_FINAL = 1024
_FINAL_TYPES = ("message.completed", "message.failed", "message.cancelled")


def event_time(event: MessageEvent, fallback: datetime) -> datetime:
    """When the change an event reports happened, by the clock of the
    process that made it: what a resumed stream compares stored times with."""
    if event.at is not None:
        return event.at
    if event.room is not None:
        return event.room.updated_at
    message = event.message
    if message is None:
        return fallback
    if event.type in _FINAL_TYPES and message.completed_at is not None:
        return message.completed_at
    return message.created_at


def micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch: the number an event id is."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    """The moment an event id stands for."""
    return _EPOCH + timedelta(microseconds=value)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_MICROS = micros(datetime(9999, 12, 31, tzinfo=UTC))


class StreamEvent(msgspec.Struct, frozen=True):
    """An event as delivered: ``id`` is the stream's resumable event id
    (microseconds since the epoch of the change it reports, made strictly
    increasing along the stream)."""

    id: str
    event: MessageEvent


class LiveStream:
    """A client's stream. ``next`` gives the backlog (the final or current
    state of what a resumed client missed) first, then live events. Before
    each event, and every ``check_seconds`` (and at the token's expiry)
    while idle, ``authorize`` re-checks the token: it raises ``Unauthorized``
    once the token is revoked or expired, and that ends the stream."""

    def __init__(
        self,
        *,
        events: EventStream,
        place: StreamPlace,
        authorize: Callable[[], Awaitable[object]],
        clock: Clock,
        backlog: Iterable[MessageEvent] = (),
        after_id: int = 0,
        expires_at: datetime | None = None,
        check_seconds: float,
    ) -> None:
        self._events = events
        self._place = place
        self._authorize = authorize
        self._clock = clock
        self._backlog = deque(backlog)
        self._last_id = after_id
        self._check_seconds = check_seconds
        self._check_at = time.monotonic() + check_seconds
        # The token's expiry on this process's monotonic clock: a wake-up
        # for a check, the verdict stays ``authorize``'s.
        self._expiry_at = math.inf
        if expires_at is not None:
            left = (expires_at - clock.now()).total_seconds()
            self._expiry_at = time.monotonic() + max(0.0, left)
        self._final: OrderedDict[uuid.UUID, None] = OrderedDict()
        self._closed = False

    async def next(self, wait_seconds: float) -> StreamEvent | None:
        """The next event, or None when ``wait_seconds`` pass without one.
        Raises ``Unauthorized`` when the token no longer holds and
        ``EventStreamLost`` when live events could not be kept whole (the
        client resumes with its last id)."""
        deadline = time.monotonic() + max(0.0, wait_seconds)
        while True:
            await self._keep_up()
            event = self._backlog.popleft() if self._backlog else await self._live(deadline)
            if event is None:
                if time.monotonic() >= deadline:
                    return None
                continue
            if event.message_id in self._final:
                continue  # a stale delta, or a state already sent
            await self._check()
            return self._stamped(event)

    async def _live(self, deadline: float) -> MessageEvent | None:
        wake = min(deadline, self._check_at, self._expiry_at)
        return await self._events.next(max(0.0, wake - time.monotonic()))

    async def _keep_up(self) -> None:
        now = time.monotonic()
        if now >= self._expiry_at:
            self._expiry_at = math.inf
            await self._check()
        elif now >= self._check_at:
            await self._check()
        await self._place.keep()

    async def _check(self) -> None:
        await self._authorize()
        self._check_at = time.monotonic() + self._check_seconds

    def _stamped(self, event: MessageEvent) -> StreamEvent:
        if event.type in _FINAL_TYPES and event.message_id is not None:
            self._final[event.message_id] = None
            if len(self._final) > _REMEMBERED_FINAL:
                self._final.popitem(last=False)
        self._last_id = max(micros(event_time(event, self._clock.now())), self._last_id + 1)
        return StreamEvent(id=str(self._last_id), event=event)

    async def close(self) -> None:
        """End the subscription and give the place back; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._events.close()
        finally:
            await self._place.give_back()
