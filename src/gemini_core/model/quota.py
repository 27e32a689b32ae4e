"""The daily prompt quota and the daily token budget."""

from __future__ import annotations

from datetime import datetime

import msgspec

from gemini_core.model.billing import Tier


class Quota(msgspec.Struct, frozen=True, kw_only=True):
    """Prompts used today against a limit; ``limit`` None means unlimited.
    Beside it, the tokens today's replies used against the tier's daily
    budget (``token_budget`` None: unlimited), and the tier both are of.
    ``tokens_used`` is read by ``QuotaService.usage`` only (0 otherwise):
    counting a prompt does not read it."""

    limit: int | None
    used: int
    resets_at: datetime
    tokens_used: int = 0
    token_budget: int | None = None
    tier: Tier | None = None

    @property
    def remaining(self) -> int | None:
        """Prompts left today, never negative; None when unlimited."""
        return None if self.limit is None else max(0, self.limit - self.used)


class DailyCounts(msgspec.Struct, frozen=True, kw_only=True):
    """What one user used on one UTC day: prompts counted and the tokens
    their replies used."""

    prompts: int = 0
    tokens: int = 0
