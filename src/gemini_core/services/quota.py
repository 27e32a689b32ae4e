"""QuotaService: the daily prompt allowance of each tier."""

from __future__ import annotations

import uuid
from datetime import datetime

from gemini_core.errors import QuotaExceeded
from gemini_core.model import Quota, Tier
from gemini_core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from gemini_core.services.tiers import TierService
from gemini_core.utc import next_utc_midnight, seconds_until, utc_day


class QuotaService:
    """Counts each user's prompts per UTC day against their tier's limit.

    The count is a row in the database, taken in the transaction that
    stores the prompt and given back in the one that fails its reply: it is
    exact under concurrency, and nothing outside the database (Redis, a
    process's memory) can lose it or let a burst past it.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        tiers: TierService,
        clock: Clock,
        basic_limit: int,
        pro_limit: int | None,
    ) -> None:
        self._uow = uow
        self._tiers = tiers
        self._clock = clock
        self._limits = {Tier.BASIC: basic_limit, Tier.PRO: pro_limit}

    async def limit_for(self, user_id: uuid.UUID) -> int | None:
        """Today's prompt limit of the user's current tier; None for unlimited."""
        return self._limits[await self._tiers.tier(user_id)]

    async def take(self, user_id: uuid.UUID) -> Quota:
        """Count one prompt for today in a transaction of its own;
        ``QuotaExceeded`` (with ``details {limit, used, resets_at}``) when
        the limit is reached."""
        async with self._uow() as uow:
            quota = await self.take_within(uow, user_id, self._clock.now())
            await uow.commit()
        return quota

    async def take_within(self, uow: UnitOfWork, user_id: uuid.UUID, now: datetime) -> Quota:
        """Count one prompt of ``now``'s day in the caller's transaction,
        kept only if it commits; ``QuotaExceeded`` (nothing counted) when
        the limit is reached. Concurrent takes of one user wait for each
        other's transaction, so no more than the limit ever commit."""
        limit = self._limits[await self._tiers.tier_within(uow, user_id)]
        day = utc_day(now)
        resets_at = next_utc_midnight(now)
        used = await uow.daily_usage.take(user_id, day, limit)
        if used is None:
            assert limit is not None
            raise QuotaExceeded(
                f"you have used all {limit} prompts of today; the quota resets at midnight UTC",
                retry_after=seconds_until(resets_at, now),
                details={
                    "limit": limit,
                    "used": await uow.daily_usage.used(user_id, day),
                    "resets_at": resets_at.isoformat(),
                },
            )
        return Quota(limit=limit, used=used, resets_at=resets_at)

    async def give_back(self, user_id: uuid.UUID, taken_at: datetime) -> None:
        """Return the unit taken at ``taken_at`` to its day, in a
        transaction of its own; never below zero."""
        async with self._uow() as uow:
            await self.give_back_within(uow, user_id, taken_at)
            await uow.commit()

    async def give_back_within(
        self, uow: UnitOfWork, user_id: uuid.UUID, taken_at: datetime
    ) -> None:
        """Return the unit taken at ``taken_at`` to its day in the caller's
        transaction (the one that fails the reply, so that only the failure
        that lands gives it back)."""
        await uow.daily_usage.give_back(user_id, utc_day(taken_at))

    async def usage(self, user_id: uuid.UUID) -> Quota:
        """The user's quota today, without taking any of it."""
        now = self._clock.now()
        async with self._uow(autocommit=True) as uow:
            limit = self._limits[await self._tiers.tier_within(uow, user_id)]
            used = await uow.daily_usage.used(user_id, utc_day(now))
        return Quota(limit=limit, used=used, resets_at=next_utc_midnight(now))
