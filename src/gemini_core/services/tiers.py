"""Which tier a user is on, read from the stored subscription."""

from __future__ import annotations

import uuid

from gemini_core.model import Subscription, Tier, User
from gemini_core.ports import Clock, UnitOfWork, UnitOfWorkFactory


class TierService:
    """The tier and subscription of a user, from the stored subscription."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def subscription(self, user_id: uuid.UUID) -> Subscription:
        """The stored subscription, or a ``none`` one for a user who never
        subscribed: never None."""
        async with self._uow(autocommit=True) as uow:
            return await self.subscription_within(uow, user_id)

    async def subscription_within(self, uow: UnitOfWork, user_id: uuid.UUID) -> Subscription:
        """Like ``subscription``, read in the caller's transaction."""
        found = await uow.subscriptions.get(user_id)
        return found or Subscription(user_id=user_id)

    async def tier(self, user_id: uuid.UUID) -> Tier:
        """The tier the user is on right now."""
        return self.tier_of(await self.subscription(user_id))

    async def tier_within(self, uow: UnitOfWork, user_id: uuid.UUID) -> Tier:
        """Like ``tier``, read in the caller's transaction."""
        return self.tier_of(await self.subscription_within(uow, user_id))

    def tier_of(self, subscription: Subscription) -> Tier:
        """The tier ``subscription`` grants now (a past-due one keeps Pro for a grace period)."""
        return subscription.tier(self._clock.now())

    def tier_of_user(self, user: User) -> Tier:
        """The tier ``user`` is on now, from the subscription read with them
        (the cached user carries it): no read here."""
        return user.tier(self._clock.now())
