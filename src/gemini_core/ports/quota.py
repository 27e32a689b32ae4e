"""The port of the daily prompt quota's and token budget's counts."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Protocol

from gemini_core.model import DailyCounts


class DailyUsageRepository(Protocol):
    """The prompts each user sent per UTC day and the tokens their replies
    used, inside a unit of work: the quota's and the token budget's one
    count. Each call is one conditional statement on the user's row of the
    day, so concurrent prompts of one user wait for each other's transaction
    and the count is exact; what a transaction counts is kept only if it
    commits. Tokens are added by ``MessageRepository.finish`` (the reply's
    final write), so only a write that lands counts them."""

    async def take(
        self, user_id: uuid.UUID, day: date, limit: int | None, token_budget: int | None = None
    ) -> int | None:
        """Count one prompt of ``day`` unless ``limit`` (None: no limit) is
        reached already, or the day's tokens have reached ``token_budget``
        (None: no budget); the day's count after it, or None (nothing
        written) when refused."""
        ...

    async def give_back(self, user_id: uuid.UUID, day: date) -> bool:
        """Uncount one prompt of ``day`` (its reply failed), never below
        zero; False when there was none to uncount."""
        ...

    async def used(self, user_id: uuid.UUID, day: date) -> int:
        """The prompts counted for the user on ``day``; 0 when none."""
        ...

    async def counts(self, user_id: uuid.UUID, day: date) -> DailyCounts:
        """The prompts and tokens counted for the user on ``day`` (zeros
        when none), in one read."""
        ...
