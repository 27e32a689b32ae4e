"""QuotaService: the daily prompt allowance of each tier."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from gemini_core.errors import QuotaExceeded
from gemini_core.model import Quota, Tier
from gemini_core.model.quota import next_utc_midnight, seconds_until, utc_day
from gemini_core.ports import Clock, QuotaCounter
from gemini_core.services.billing_tier import TierReader

logger = logging.getLogger(__name__)


class QuotaService:
    def __init__(
        self,
        *,
        counter: QuotaCounter,
        tiers: TierReader,
        clock: Clock,
        basic_limit: int,
        pro_limit: int | None,
    ) -> None:
        self._counter = counter
        self._tiers = tiers
        self._clock = clock
        self._limits = {Tier.BASIC: basic_limit, Tier.PRO: pro_limit}

    async def limit_for(self, user_id: uuid.UUID) -> int | None:
        return self._limits[await self._tiers.tier(user_id)]

    async def take(self, user_id: uuid.UUID) -> Quota:
        """Count one prompt for today, atomically; ``QuotaExceeded`` (with
        ``details {limit, used, resets_at}``) when the limit is reached."""
        now = self._clock.now()
        limit = await self.limit_for(user_id)
        resets_at = next_utc_midnight(now)
        taken = await self._counter.take(user_id, utc_day(now), limit, resets_at)
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
        await self._counter.give_back(user_id, utc_day(taken_at))

    async def usage(self, user_id: uuid.UUID) -> Quota:
        now = self._clock.now()
        used = await self._counter.used(user_id, utc_day(now))
        return Quota(
            limit=await self.limit_for(user_id), used=used, resets_at=next_utc_midnight(now)
        )
