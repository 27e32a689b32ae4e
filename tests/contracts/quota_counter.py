"""Contract of ``QuotaCounter``: atomic daily counts against a limit.

A subclass provides the adapter as ``counter`` and, as ``clock``, the time it
runs on: an object with ``now()`` and ``async advance(seconds)``.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Protocol

from gemini_core.ports import QuotaCounter, QuotaTake

DAY = "2030-01-01"


class MovableClock(Protocol):
    def now(self) -> datetime: ...

    async def advance(self, seconds: float) -> None: ...


class QuotaCounterContract:
    async def take(
        self,
        counter: QuotaCounter,
        clock: MovableClock,
        user_id: uuid.UUID,
        limit: int | None,
        day: str = DAY,
    ) -> QuotaTake:
        return await counter.take(user_id, day, limit, clock.now() + timedelta(hours=1))

    async def test_nothing_used_is_zero(self, counter: QuotaCounter) -> None:
        assert await counter.used(uuid.uuid4(), DAY) == 0

    async def test_takes_count_up_to_the_limit(
        self, counter: QuotaCounter, clock: MovableClock
    ) -> None:
        user = uuid.uuid4()

        takes = [await self.take(counter, clock, user, 3) for _ in range(3)]

        assert takes == [QuotaTake(True, 1), QuotaTake(True, 2), QuotaTake(True, 3)]
        assert await counter.used(user, DAY) == 3

    async def test_take_past_the_limit_is_refused_and_not_counted(
        self, counter: QuotaCounter, clock: MovableClock
    ) -> None:
        user = uuid.uuid4()
        for _ in range(3):
            await self.take(counter, clock, user, 3)

        assert await self.take(counter, clock, user, 3) == QuotaTake(False, 3)
        assert await self.take(counter, clock, user, 3) == QuotaTake(False, 3)
        assert await counter.used(user, DAY) == 3

    async def test_concurrent_takes_allow_exactly_the_limit(
        self, counter: QuotaCounter, clock: MovableClock
    ) -> None:
        user = uuid.uuid4()

        takes = await asyncio.gather(*(self.take(counter, clock, user, 5) for _ in range(20)))

        assert sum(t.allowed for t in takes) == 5
        assert sorted(t.used for t in takes if t.allowed) == [1, 2, 3, 4, 5]
        assert all(t.used == 5 for t in takes if not t.allowed)
        assert await counter.used(user, DAY) == 5

    async def test_give_back_returns_one_unit(
        self, counter: QuotaCounter, clock: MovableClock
    ) -> None:
        user = uuid.uuid4()
        for _ in range(5):
            await self.take(counter, clock, user, 5)

        await counter.give_back(user, DAY)

        assert await counter.used(user, DAY) == 4
        assert await self.take(counter, clock, user, 5) == QuotaTake(True, 5)
        assert not (await self.take(counter, clock, user, 5)).allowed

    async def test_give_back_never_goes_below_zero(
        self, counter: QuotaCounter, clock: MovableClock
    ) -> None:
        user = uuid.uuid4()
        await counter.give_back(user, DAY)
        assert await counter.used(user, DAY) == 0

        await self.take(counter, clock, user, 5)
        await counter.give_back(user, DAY)
        await counter.give_back(user, DAY)

        assert await counter.used(user, DAY) == 0
        assert await self.take(counter, clock, user, 5) == QuotaTake(True, 1)

    async def test_no_limit_always_allows(self, counter: QuotaCounter, clock: MovableClock) -> None:
        user = uuid.uuid4()

        takes = [await self.take(counter, clock, user, None) for _ in range(30)]

        assert all(t.allowed for t in takes)
        assert takes[-1].used == 30
        assert await counter.used(user, DAY) == 30

    async def test_users_and_days_are_independent(
        self, counter: QuotaCounter, clock: MovableClock
    ) -> None:
        user, other = uuid.uuid4(), uuid.uuid4()
        await self.take(counter, clock, user, 1)

        assert not (await self.take(counter, clock, user, 1)).allowed
        assert await self.take(counter, clock, other, 1) == QuotaTake(True, 1)
        assert await self.take(counter, clock, user, 1, day="2030-01-02") == QuotaTake(True, 1)
        await counter.give_back(other, DAY)
        assert await counter.used(user, DAY) == 1

    async def test_count_is_gone_after_it_expires(
        self, counter: QuotaCounter, clock: MovableClock
    ) -> None:
        user = uuid.uuid4()
        expires_at = clock.now() + timedelta(seconds=0.5)
        await counter.take(user, DAY, 1, expires_at)
        assert not (await counter.take(user, DAY, 1, expires_at)).allowed

        await clock.advance(0.8)

        assert await counter.used(user, DAY) == 0
        later = clock.now() + timedelta(hours=1)
        assert await counter.take(user, DAY, 1, later) == QuotaTake(True, 1)
