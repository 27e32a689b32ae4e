"""The daily prompt quota."""

from __future__ import annotations

from datetime import datetime

import msgspec


class Quota(msgspec.Struct, frozen=True, kw_only=True):
    """Prompts used today against a limit; ``limit`` None means unlimited."""

    limit: int | None
    used: int
    resets_at: datetime

    @property
    def remaining(self) -> int | None:
        """Prompts left today, never negative; None when unlimited."""
        return None if self.limit is None else max(0, self.limit - self.used)
