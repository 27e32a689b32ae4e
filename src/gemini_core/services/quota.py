"""QuotaService: the daily prompt allowance of each tier."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from gemini_core.errors import QuotaExceeded, ServiceUnavailable
from gemini_core.model import Quota, Tier
from gemini_core.ports import Clock, QuotaCounter, QuotaTake, UnitOfWorkFactory
from gemini_core.services.tiers import TierService
from gemini_core.utc import next_utc_midnight, seconds_until, utc_day

logger = logging.getLogger(__name__)


class QuotaService:
    """Counts each user's prompts per UTC day against their tier's limit,
    falling back to counting in the database while the counter is down."""

    def __init__(
        self,
        *,
        counter: QuotaCounter,
        uow: UnitOfWorkFactory,
        tiers: TierService,
        clock: Clock,
        basic_limit: int,
        pro_limit: int | None,
    ) -> None:
        self._counter = counter
        self._uow = uow
        self._tiers = tiers
        self._clock = clock
        self._limits = {Tier.BASIC: basic_limit, Tier.PRO: pro_limit}

    async def limit_for(self, user_id: uuid.UUID) -> int | None:
        """Today's prompt limit of the user's current tier; None for unlimited."""
        return self._limits[await self._tiers.tier(user_id)]

    async def take(self, user_id: uuid.UUID) -> Quota:
        """Count one prompt for today, atomically; ``QuotaExceeded`` (with
        ``details {limit, used, resets_at}``) when the limit is reached."""
        now = self._clock.now()
        limit = await self.limit_for(user_id)
        resets_at = next_utc_midnight(now)
        try:
            taken = await self._counter.take(user_id, utc_day(now), limit, resets_at)
        except ServiceUnavailable:
            taken = await self._take_from_database(user_id, limit, now)
        if not taken.allowed:
            assert limit is not None
            raise QuotaExceeded(
                f"you have used all {limit} prompts of today; the quota resets at midnight UTC",
                retry_after=seconds_until(resets_at, now),
                details={"limit": limit, "used": taken.used, "resets_at": resets_at.isoformat()},
            )
        return Quota(limit=limit, used=taken.used, resets_at=resets_at)

    async def give_back(self, user_id: uuid.UUID, taken_at: datetime) -> None:
        """Return the unit taken at ``taken_at`` (its day's counter)."""
        try:
            await self._counter.give_back(user_id, utc_day(taken_at))
        except ServiceUnavailable:
            # The database count already leaves failed replies out.
            logger.warning("quota counter unavailable; unit for %s not returned there", user_id)

    async def usage(self, user_id: uuid.UUID) -> Quota:
        """The user's quota today, without taking any of it."""
        now = self._clock.now()
        try:
            used = await self._counter.used(user_id, utc_day(now))
        except ServiceUnavailable:
            used = await self._count_in_database(user_id, now)
        return Quota(
            limit=await self.limit_for(user_id), used=used, resets_at=next_utc_midnight(now)
        )

    async def _count_in_database(self, user_id: uuid.UUID, now: datetime) -> int:
        day_start = next_utc_midnight(now) - timedelta(days=1)
        async with self._uow() as uow:
            return await uow.messages.count_prompts_since(user_id, day_start)

    async def _take_from_database(
        self, user_id: uuid.UUID, limit: int | None, now: datetime
    ) -> QuotaTake:
        """The degraded path while the counter is down: count today's prompts
        in the database. Not atomic across concurrent requests, so a burst may
        pass the limit by a few; preferred to refusing every prompt."""
        logger.warning("quota counter unavailable; counting today's prompts in the database")
        used = await self._count_in_database(user_id, now)
        if limit is not None and used >= limit:
            return QuotaTake(allowed=False, used=used)
        return QuotaTake(allowed=True, used=used + 1)
