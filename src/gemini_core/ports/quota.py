"""The port of the daily prompt quota's count."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Protocol


class DailyUsageRepository(Protocol):
    """The prompts each user sent per UTC day, inside a unit of work: the
    quota's one count. Each call is one conditional statement on the user's
    row of the day, so concurrent prompts of one user wait for each other's
    transaction and the count is exact; what a transaction counts is kept
    only if it commits."""

    async def take(self, user_id: uuid.UUID, day: date, limit: int | None) -> int | None:
        """Count one prompt of ``day`` unless ``limit`` (None: no limit) is
        reached already; the day's count after it, or None (nothing written)
        when refused."""
        ...

    async def give_back(self, user_id: uuid.UUID, day: date) -> bool:
        """Uncount one prompt of ``day`` (its reply failed), never below
        zero; False when there was none to uncount."""
        ...

    async def used(self, user_id: uuid.UUID, day: date) -> int:
        """The prompts counted for the user on ``day``; 0 when none."""
        ...
