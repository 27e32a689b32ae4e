"""QuotaService: the daily prompt allowance and token budget of each tier."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec

from gemini_core.errors import QuotaExceeded, TokenBudgetExhausted
from gemini_core.model import DailyCounts, Quota, Tier
from gemini_core.ports import Clock, UnitOfWork, UnitOfWorkFactory
from gemini_core.services.tiers import TierService
from gemini_core.utc import next_utc_midnight, seconds_until, utc_day


class Allowance(msgspec.Struct, frozen=True, kw_only=True):
    """What a user's tier allows on one UTC day: prompts (``limit``) and
    tokens (``token_budget``), None for unlimited."""

    tier: Tier
    day: date
    limit: int | None
    token_budget: int | None
    resets_at: datetime

    def quota(self, used: int) -> Quota:
        """The quota once ``used`` prompts of the day are counted."""
        return Quota(
            limit=self.limit,
            used=used,
            resets_at=self.resets_at,
            token_budget=self.token_budget,
            tier=self.tier,
        )


class QuotaService:
    """Counts each user's prompts per UTC day against their tier's limit.

    The count is a row in the database, taken in the transaction that
    stores the prompt and given back in the one that fails its reply: it is
    exact under concurrency, and nothing outside the database (Redis, a
    process's memory) can lose it or let a burst past it.

    Each tier may also have a daily token budget (None: unlimited): a
    prompt is refused once the tokens the user's replies used today reach
    it, checked in the same statement that counts the prompt.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        tiers: TierService,
        clock: Clock,
        basic_limit: int,
        pro_limit: int | None,
        basic_token_budget: int | None = None,
        pro_token_budget: int | None = None,
    ) -> None:
        self._uow = uow
        self._tiers = tiers
        self._clock = clock
        self._limits = {Tier.BASIC: basic_limit, Tier.PRO: pro_limit}
        self._budgets = {Tier.BASIC: basic_token_budget, Tier.PRO: pro_token_budget}

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
        the limit is reached, ``TokenBudgetExhausted`` when today's tokens
        have reached the tier's budget. Concurrent takes of one user wait
        for each other's transaction, so no more than the limit ever commit.
        The answer names the tier (``Quota.tier``)."""
        allowance = await self.allowance_within(uow, user_id, now)
        used = await uow.daily_usage.take(
            user_id, allowance.day, allowance.limit, allowance.token_budget
        )
        if used is None:
            raise await self.refusal_within(uow, user_id, allowance, now)
        return allowance.quota(used)

    async def allowance_within(
        self, uow: UnitOfWork, user_id: uuid.UUID, now: datetime
    ) -> Allowance:
        """What the user's tier allows on ``now``'s day, for a count the
        caller makes (``MessageRepository.add_counted``)."""
        return self.allowance_for(await self._tiers.tier_within(uow, user_id), now)

    def allowance_for(self, tier: Tier, now: datetime) -> Allowance:
        """What ``tier`` allows on ``now``'s day."""
        return Allowance(
            tier=tier,
            day=utc_day(now),
            limit=self._limits[tier],
            token_budget=self._budgets[tier],
            resets_at=next_utc_midnight(now),
        )

    async def refusal_within(
        self, uow: UnitOfWork, user_id: uuid.UUID, allowance: Allowance, now: datetime
    ) -> QuotaExceeded | TokenBudgetExhausted:
        """Why a count under ``allowance`` was refused, with today's counts."""
        counts = await uow.daily_usage.counts(user_id, allowance.day)
        return self._refusal(
            allowance.limit, allowance.token_budget, counts, allowance.resets_at, now
        )

    async def exhausted_within(
        self, uow: UnitOfWork, user_id: uuid.UUID, allowance: Allowance, now: datetime
    ) -> QuotaExceeded | TokenBudgetExhausted | None:
        """The refusal a prompt would meet now (nothing counted), or None
        while today's counts are under ``allowance``."""
        counts = await uow.daily_usage.counts(user_id, allowance.day)
        limit, budget = allowance.limit, allowance.token_budget
        if (limit is None or counts.prompts < limit) and (budget is None or counts.tokens < budget):
            return None
        return self._refusal(limit, budget, counts, allowance.resets_at, now)

    @staticmethod
    def _refusal(
        limit: int | None,
        budget: int | None,
        counts: DailyCounts,
        resets_at: datetime,
        now: datetime,
    ) -> QuotaExceeded | TokenBudgetExhausted:
        """Why ``take`` refused: the prompt limit when it is reached (or
        when the budget is not, a refusal racing a give-back), else the
        token budget."""
        retry_after = seconds_until(resets_at, now)
        reset = resets_at.isoformat()
        if budget is None or (limit is not None and counts.prompts >= limit):
            assert limit is not None
            return QuotaExceeded(
                f"you have used all {limit} prompts of today; the quota resets at midnight UTC",
                retry_after=retry_after,
                details={
                    "limit": limit,
                    "used": counts.prompts,
                    "resets_at": resets_at.isoformat(),
                },
            )
        return TokenBudgetExhausted(
            f"your replies have used all {budget} tokens of today; the budget resets at "
            "midnight UTC",
            retry_after=retry_after,
            details={"budget": budget, "used": counts.tokens, "resets_at": reset},
        )

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
        """The user's prompts and tokens today against their tier's limit
        and budget, without taking any of it."""
        now = self._clock.now()
        async with self._uow(autocommit=True) as uow:
            tier = await self._tiers.tier_within(uow, user_id)
            counts = await uow.daily_usage.counts(user_id, utc_day(now))
        return Quota(
            limit=self._limits[tier],
            used=counts.prompts,
            resets_at=next_utc_midnight(now),
            tokens_used=counts.tokens,
            token_budget=self._budgets[tier],
            tier=tier,
        )
