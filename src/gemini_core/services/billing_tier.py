"""Which tier a user is on, read per request from the stored subscription."""

from __future__ import annotations

import uuid

from gemini_core.model import Subscription, Tier
from gemini_core.ports import Clock, UnitOfWorkFactory


class TierReader:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def subscription(self, user_id: uuid.UUID) -> Subscription:
        async with self._uow() as uow:
            found = await uow.subscriptions.get(user_id)
        return found or Subscription(user_id=user_id)

    async def tier(self, user_id: uuid.UUID) -> Tier:
        return (await self.subscription(user_id)).tier(self._clock.now())
