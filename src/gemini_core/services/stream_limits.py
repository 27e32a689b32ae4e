"""Places for live event streams: per user across every API process (the
``StreamSlots`` port), and per process (counted here)."""

from __future__ import annotations

import logging
import time
import uuid

from gemini_core.errors import ServiceUnavailable, StreamCapacityReached, TooManyStreams
from gemini_core.ids import new_id
from gemini_core.ports import StreamSlots

logger = logging.getLogger(__name__)

# A place lives this long unless renewed: the most a crashed process's
# places can keep their users from opening streams elsewhere.
SLOT_TTL_SECONDS = 60.0


class StreamPlace:
    """One open stream's place: renewed while the stream lives (``keep``),
    given back once (``give_back``)."""

    def __init__(self, places: StreamPlaces, user_id: uuid.UUID, slot: uuid.UUID) -> None:
        self._places = places
        self._user_id = user_id
        self._slot = slot
        self._renew_at = time.monotonic() + places.ttl_seconds / 3
        self._held = True

    async def keep(self) -> None:
        """Renew the place when a third of its life has passed. A place that
        expired meanwhile (Redis lost it) is taken again; ``TooManyStreams``
        when the user's other streams have filled the limit since. Redis
        being down is no reason to end a stream: the renewal waits for it."""
        if not self._held or time.monotonic() < self._renew_at:
            return
        places = self._places
        self._renew_at = time.monotonic() + places.ttl_seconds / 3
        try:
            if await places.slots.renew(self._user_id, self._slot, places.ttl_seconds):
                return
            if await places.slots.take(
                self._user_id, self._slot, places.per_user, places.ttl_seconds
            ):
                return
        except ServiceUnavailable:
            logger.info("could not renew an event stream's place; trying again later")
            return
        raise TooManyStreams(places.per_user)

    async def give_back(self) -> None:
        """Free the place (once; a Redis outage leaves it to expire)."""
        if not self._held:
            return
        self._held = False
        self._places.process_open -= 1
        try:
            await self._places.slots.give_back(self._user_id, self._slot)
        except ServiceUnavailable:
            logger.info("an event stream's place was not given back; it expires by itself")


class StreamPlaces:
    """At most ``per_user`` open streams a user across every process (each
    holds a place in ``slots``, exact under concurrency) and ``per_process``
    open streams in this process, whoever holds them."""

    def __init__(
        self,
        slots: StreamSlots,
        *,
        per_user: int,
        per_process: int,
        ttl_seconds: float = SLOT_TTL_SECONDS,
    ) -> None:
        if per_user < 1 or per_process < 1:
            raise ValueError("stream limits must be at least 1")
        self.slots = slots
        self.per_user = per_user
        self.per_process = per_process
        self.ttl_seconds = ttl_seconds
        self.process_open = 0

    async def take(self, user_id: uuid.UUID) -> StreamPlace:
        """A place for one more stream of ``user_id``; ``StreamCapacityReached``
        when this process is full, ``TooManyStreams`` when the user is."""
        # Counted before the first await, so concurrent opens cannot pass it.
        if self.process_open >= self.per_process:
            raise StreamCapacityReached()
        self.process_open += 1
        slot = new_id()
        try:
            taken = await self.slots.take(user_id, slot, self.per_user, self.ttl_seconds)
        except BaseException:
            self.process_open -= 1
            raise
        if not taken:
            self.process_open -= 1
            raise TooManyStreams(self.per_user)
        return StreamPlace(self, user_id, slot)
