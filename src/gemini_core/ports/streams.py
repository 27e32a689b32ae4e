"""How many live event streams each user holds open, across every process."""

from __future__ import annotations

import uuid
from typing import Protocol


class StreamSlots(Protocol):
    """Places held by open event streams, counted per user across every API
    process. A place lives ``ttl_seconds`` unless renewed, so the places of
    a process that died without giving them back free themselves."""

    async def take(
        self, user_id: uuid.UUID, slot: uuid.UUID, limit: int, ttl_seconds: float
    ) -> bool:
        """Hold the place ``slot`` for the user unless they already hold
        ``limit`` live ones (then False, and nothing held). Atomic: callers
        in any number of processes never pass the limit together."""
        ...

    async def renew(self, user_id: uuid.UUID, slot: uuid.UUID, ttl_seconds: float) -> bool:
        """Keep a held place for another ``ttl_seconds``; False when it is no
        longer held (it expired or was given back), and then nothing is held."""
        ...

    async def give_back(self, user_id: uuid.UUID, slot: uuid.UUID) -> None:
        """Free the place; freeing one that is not held does nothing."""
        ...
