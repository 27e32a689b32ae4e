"""Contract of ``RateLimiter``: fixed windows, refusals not counted, a hit
reserved atomically (so concurrent callers never outrun the limit) and one
counted hit given back by ``release``.

A subclass provides the adapter as ``limiter`` and, as ``clock``, the time it
runs on: an object with ``now()`` and ``async advance(seconds)``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Protocol

from gemini_core.ports import RateLimiter


class MovableClock(Protocol):
    def now(self) -> datetime: ...

    async def advance(self, seconds: float) -> None: ...


class RateLimiterContract:
    async def test_hits_under_the_limit_are_allowed(self, limiter: RateLimiter) -> None:
        results = [await limiter.hit("k", 3, 60) for _ in range(3)]

        assert results == [None, None, None]

    async def test_hit_at_the_limit_says_how_long_to_wait(self, limiter: RateLimiter) -> None:
        for _ in range(3):
            await limiter.hit("k", 3, 60)

        wait = await limiter.hit("k", 3, 60)

        assert wait is not None
        assert 1 <= wait <= 60

    async def test_refused_hits_are_not_counted(self, limiter: RateLimiter) -> None:
        for _ in range(3):
            await limiter.hit("k", 3, 60)
        for _ in range(5):
            assert await limiter.hit("k", 3, 60) is not None

        # Had the refusals counted, the count would be 8 and this refused too.
        assert await limiter.hit("k", 5, 60) is None
        assert await limiter.blocked("k", 5) is None
        assert await limiter.blocked("k", 4) is not None

    async def test_blocked_counts_nothing(self, limiter: RateLimiter) -> None:
        for _ in range(5):
            assert await limiter.blocked("k", 1) is None

        assert await limiter.hit("k", 1, 60) is None
        wait = await limiter.blocked("k", 1)
        assert wait is not None
        assert 1 <= wait <= 60

    async def test_blocked_below_the_limit_is_none(self, limiter: RateLimiter) -> None:
        await limiter.hit("k", 3, 60)

        assert await limiter.blocked("k", 3) is None

    async def test_keys_are_independent(self, limiter: RateLimiter) -> None:
        await limiter.hit("a", 1, 60)

        assert await limiter.hit("a", 1, 60) is not None
        assert await limiter.hit("b", 1, 60) is None

    async def test_window_ends_and_counting_starts_afresh(
        self, limiter: RateLimiter, clock: MovableClock
    ) -> None:
        await limiter.hit("k", 2, 1)
        await limiter.hit("k", 2, 1)
        assert await limiter.hit("k", 2, 1) == 1

        await clock.advance(1.1)

        assert await limiter.blocked("k", 2) is None
        assert await limiter.hit("k", 2, 1) is None
        assert await limiter.hit("k", 2, 1) is None
        assert await limiter.hit("k", 2, 1) is not None

    async def test_concurrent_hits_never_pass_the_limit(self, limiter: RateLimiter) -> None:
        results = await asyncio.gather(*[limiter.hit("k", 10, 60) for _ in range(50)])

        assert results.count(None) == 10
        assert all(wait is not None and 1 <= wait <= 60 for wait in results if wait is not None)

    async def test_release_gives_one_counted_hit_back(self, limiter: RateLimiter) -> None:
        for _ in range(3):
            await limiter.hit("k", 3, 60)
        assert await limiter.hit("k", 3, 60) is not None

        await limiter.release("k")

        assert await limiter.hit("k", 3, 60) is None
        assert await limiter.hit("k", 3, 60) is not None

    async def test_release_never_counts_below_zero(self, limiter: RateLimiter) -> None:
        await limiter.release("k")
        await limiter.hit("k", 1, 60)
        await limiter.release("k")
        await limiter.release("k")

        assert await limiter.hit("k", 1, 60) is None
        assert await limiter.hit("k", 1, 60) is not None

    async def test_release_after_the_window_ended_gives_nothing_to_the_next(
        self, limiter: RateLimiter, clock: MovableClock
    ) -> None:
        await limiter.hit("k", 1, 1)
        await clock.advance(1.1)

        await limiter.release("k")

        assert await limiter.hit("k", 1, 1) is None
        assert await limiter.hit("k", 1, 1) is not None
