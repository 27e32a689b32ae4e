"""Fixed-window counters in a dict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.memory.expiry import ExpirySweep
from gemini_core.ports import Clock
from gemini_core.utc import seconds_until


@dataclass(slots=True)
class _Window:
    count: int
    ends_at: datetime


class InMemoryRateLimiter:
    """``RateLimiter`` with one fixed window per key, started by its first hit.

    At most ``max_keys`` windows are kept: past that the oldest is forgotten,
    which lets that key start afresh. That trades some leniency under a flood
    of distinct keys for bounded memory.
    """

    def __init__(self, clock: Clock, max_keys: int = 100_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._clock = clock
        self._max_keys = max_keys
        self._windows: dict[str, _Window] = {}
        self._sweep = ExpirySweep[str, _Window](lambda window: window.ends_at)

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        now = self._clock.now()
        window = self._current(key, now)
        if window is None:
            self._make_room(now)
            window = _Window(count=0, ends_at=now + timedelta(seconds=window_seconds))
            self._windows[key] = window
        if window.count >= limit:
            return seconds_until(window.ends_at, now)
        window.count += 1
        return None

    async def blocked(self, key: str, limit: int) -> int | None:
        now = self._clock.now()
        window = self._current(key, now)
        if window is None or window.count < limit:
            return None
        return seconds_until(window.ends_at, now)

    async def release(self, key: str) -> None:
        window = self._current(key, self._clock.now())
        if window is not None and window.count > 0:
            window.count -= 1

    def _current(self, key: str, now: datetime) -> _Window | None:
        window = self._windows.get(key)
        if window is not None and now >= window.ends_at:
            del self._windows[key]
            return None
        return window

    def _make_room(self, now: datetime) -> None:
        self._sweep(self._windows, now)
        while len(self._windows) >= self._max_keys:
            del self._windows[next(iter(self._windows))]
