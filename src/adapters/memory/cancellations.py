"""Stop requests of replies, for the embedded default's one process."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta

from adapters.memory.expiry import ExpirySweep
from gemini_core.ports import Clock

REQUEST_TTL = timedelta(minutes=15)


class InMemoryReplyCancellations:
    """``ReplyCancellations`` in a dict of expiry times, swept as it grows."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until: dict[uuid.UUID, datetime] = {}
        self._sweep = ExpirySweep[uuid.UUID, datetime](lambda until: until)

    async def request(self, reply_id: uuid.UUID) -> None:
        now = self._clock.now()
        self._sweep(self._until, now)
        self._until[reply_id] = now + REQUEST_TTL

    async def is_requested(self, reply_id: uuid.UUID) -> bool:
        until = self._until.get(reply_id)
        if until is None:
            return False
        if self._clock.now() >= until:
            del self._until[reply_id]
            return False
        return True

    async def requested_among(self, reply_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        return {reply_id for reply_id in reply_ids if await self.is_requested(reply_id)}
