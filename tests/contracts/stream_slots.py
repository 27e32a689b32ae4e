"""Contract of ``StreamSlots``: places of open event streams, per user, that
expire unless renewed.

A subclass provides the adapter as ``slots`` and, as ``clock``, the time it
runs on (``now()`` and ``async advance(seconds)``: a fake clock for the
in-process adapter, real sleeping for Redis, which keeps its own time).
Expiry is awaited by polling, never by a tight deadline.
"""

from __future__ import annotations

import asyncio
import uuid

from gemini_core.ports import StreamSlots
from tests.contracts.lease import PATIENCE, POLL, MovableClock

SHORT = 0.2  # seconds
LONG = 60.0


async def wait_until_free(slots: StreamSlots, clock: MovableClock, user: uuid.UUID) -> None:
    """Ask for a new place (limit 1) until one is granted."""
    for _ in range(PATIENCE):
        if await slots.take(user, uuid.uuid4(), 1, LONG):
            return
        await clock.advance(POLL)
    raise AssertionError("the user's place never expired")


class StreamSlotsContract:
    async def test_places_are_held_up_to_the_limit(self, slots: StreamSlots) -> None:
        user = uuid.uuid4()
        held = [await slots.take(user, uuid.uuid4(), 3, LONG) for _ in range(4)]

        assert held == [True, True, True, False]

    async def test_a_place_given_back_is_free_again(self, slots: StreamSlots) -> None:
        user, first = uuid.uuid4(), uuid.uuid4()
        assert await slots.take(user, first, 1, LONG)
        assert await slots.take(user, uuid.uuid4(), 1, LONG) is False

        await slots.give_back(user, first)
        await slots.give_back(user, first)  # twice frees one place, not two
        await slots.give_back(user, uuid.uuid4())  # never held: nothing happens

        assert await slots.take(user, uuid.uuid4(), 1, LONG) is True
        assert await slots.take(user, uuid.uuid4(), 1, LONG) is False

    async def test_taking_a_held_place_again_does_not_count_it_twice(
        self, slots: StreamSlots
    ) -> None:
        user, slot = uuid.uuid4(), uuid.uuid4()
        assert await slots.take(user, slot, 2, LONG)

        assert await slots.take(user, slot, 2, LONG) is True
        assert await slots.take(user, uuid.uuid4(), 2, LONG) is True
        assert await slots.take(user, uuid.uuid4(), 2, LONG) is False

    async def test_users_are_counted_apart(self, slots: StreamSlots) -> None:
        user, other = uuid.uuid4(), uuid.uuid4()
        assert await slots.take(user, uuid.uuid4(), 1, LONG)

        assert await slots.take(other, uuid.uuid4(), 1, LONG) is True

    async def test_a_place_not_renewed_expires(
        self, slots: StreamSlots, clock: MovableClock
    ) -> None:
        # What a process that died holding places leaves behind.
        user, slot = uuid.uuid4(), uuid.uuid4()
        assert await slots.take(user, slot, 1, SHORT)

        await wait_until_free(slots, clock, user)

        assert await slots.renew(user, slot, LONG) is False

    async def test_a_renewed_place_outlives_its_first_ttl(
        self, slots: StreamSlots, clock: MovableClock
    ) -> None:
        user, slot = uuid.uuid4(), uuid.uuid4()
        assert await slots.take(user, slot, 1, 2 * SHORT)
        await clock.advance(SHORT)

        assert await slots.renew(user, slot, LONG) is True
        await clock.advance(2 * SHORT)

        assert await slots.take(user, uuid.uuid4(), 1, LONG) is False
        assert await slots.renew(user, slot, LONG) is True

    async def test_renewing_a_place_given_back_does_not_take_it(self, slots: StreamSlots) -> None:
        user, slot = uuid.uuid4(), uuid.uuid4()
        assert await slots.take(user, slot, 1, LONG)
        await slots.give_back(user, slot)

        assert await slots.renew(user, slot, LONG) is False
        assert await slots.take(user, uuid.uuid4(), 1, LONG) is True

    async def test_concurrent_takes_never_pass_the_limit(self, slots: StreamSlots) -> None:
        user = uuid.uuid4()

        held = await asyncio.gather(*(slots.take(user, uuid.uuid4(), 3, LONG) for _ in range(20)))

        assert sorted(held) == [False] * 17 + [True] * 3
