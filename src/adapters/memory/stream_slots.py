"""Places of open event streams in a dict: enough when one process serves all."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from gemini_core.ports import Clock


class InMemoryStreamSlots:
    """``StreamSlots`` for a single process: places expire on ``clock``, and a
    user without places takes no memory."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._held: dict[uuid.UUID, dict[uuid.UUID, datetime]] = {}

    def _live(self, user_id: uuid.UUID) -> dict[uuid.UUID, datetime]:
        now = self._clock.now()
        places = self._held.get(user_id, {})
        for slot in [slot for slot, until in places.items() if until <= now]:
            del places[slot]
        return places

    def _hold(self, user_id: uuid.UUID, slot: uuid.UUID, ttl_seconds: float) -> None:
        until = self._clock.now() + timedelta(seconds=ttl_seconds)
        self._held.setdefault(user_id, {})[slot] = until

    async def take(
        self, user_id: uuid.UUID, slot: uuid.UUID, limit: int, ttl_seconds: float
    ) -> bool:
        places = self._live(user_id)
        if slot not in places and len(places) >= limit:
            return False
        self._hold(user_id, slot, ttl_seconds)
        return True

    async def renew(self, user_id: uuid.UUID, slot: uuid.UUID, ttl_seconds: float) -> bool:
        if slot not in self._live(user_id):
            self._forget_if_empty(user_id)
            return False
        self._hold(user_id, slot, ttl_seconds)
        return True

    async def give_back(self, user_id: uuid.UUID, slot: uuid.UUID) -> None:
        self._live(user_id).pop(slot, None)
        self._forget_if_empty(user_id)

    def _forget_if_empty(self, user_id: uuid.UUID) -> None:
        places = self._held.get(user_id)
        if places is not None and not places:
            del self._held[user_id]
