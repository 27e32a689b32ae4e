"""Daily prompt counters in a dict."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from adapters.memory.expiry import ExpirySweep
from gemini_core.ports import Clock, QuotaTake


@dataclass(slots=True)
class _Counter:
    count: int
    expires_at: datetime


class InMemoryQuotaCounter:
    """``QuotaCounter`` keyed by (user, day); a counter is forgotten once the
    ``expires_at`` given with its first ``take`` has passed on ``clock``.

    Counters are never evicted early: forgetting one would hand its user a
    fresh quota. Memory is bounded by the users active in one day.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._counters: dict[tuple[uuid.UUID, str], _Counter] = {}
        self._sweep = ExpirySweep[tuple[uuid.UUID, str], _Counter](lambda c: c.expires_at)

    async def take(
        self, user_id: uuid.UUID, day: str, limit: int | None, expires_at: datetime
    ) -> QuotaTake:
        now = self._clock.now()
        counter = self._current((user_id, day), now)
        if counter is None:
            self._sweep(self._counters, now)
            counter = _Counter(count=0, expires_at=expires_at)
            self._counters[(user_id, day)] = counter
        if limit is not None and counter.count + 1 > limit:
            return QuotaTake(allowed=False, used=limit)
        counter.count += 1
        return QuotaTake(allowed=True, used=counter.count)

    async def give_back(self, user_id: uuid.UUID, day: str) -> None:
        counter = self._current((user_id, day), self._clock.now())
        if counter is not None and counter.count > 0:
            counter.count -= 1

    async def used(self, user_id: uuid.UUID, day: str) -> int:
        counter = self._current((user_id, day), self._clock.now())
        return 0 if counter is None else counter.count

    def _current(self, key: tuple[uuid.UUID, str], now: datetime) -> _Counter | None:
        counter = self._counters.get(key)
        if counter is not None and now >= counter.expires_at:
            del self._counters[key]
            return None
        return counter
