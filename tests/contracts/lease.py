"""Contract of ``Lease``: one holder at a time per name, until its time runs out.

A subclass provides the adapter as ``lease`` and, as ``clock``, the time it
runs on: an object with ``now()`` and ``async advance(seconds)`` (a fake
clock for the in-process adapter, real sleeping for Redis, which keeps its
own time). Expiry is awaited by polling, never by a tight deadline.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Protocol

from gemini_core.ports import Lease

SHORT = 0.2  # seconds
POLL = 0.05
PATIENCE = 100  # polls before an expiry counts as never coming (~5 s on Redis)


class MovableClock(Protocol):
    def now(self) -> datetime: ...

    async def advance(self, seconds: float) -> None: ...


async def wait_until_free(lease: Lease, clock: MovableClock, name: str, seconds: float) -> None:
    """Ask for ``name`` for ``seconds`` until it is granted."""
    for _ in range(PATIENCE):
        if await lease.acquire(name, seconds):
            return
        await clock.advance(POLL)
    raise AssertionError(f"lease {name!r} was never free again")


class LeaseContract:
    async def test_a_free_lease_is_taken(self, lease: Lease) -> None:
        assert await lease.acquire("sweep", 60) is True

    async def test_a_held_lease_is_refused(self, lease: Lease) -> None:
        await lease.acquire("sweep", 60)

        assert await lease.acquire("sweep", 60) is False
        assert await lease.acquire("sweep", 1) is False

    async def test_a_lease_is_free_again_after_its_seconds(
        self, lease: Lease, clock: MovableClock
    ) -> None:
        assert await lease.acquire("sweep", SHORT)

        await wait_until_free(lease, clock, "sweep", 60)

        assert await lease.acquire("sweep", 60) is False  # held again, by the new taker

    async def test_refused_acquires_do_not_extend_the_lease(
        self, lease: Lease, clock: MovableClock
    ) -> None:
        # A holder that dies blocks the others for at most its own seconds,
        # however long and often they ask meanwhile.
        assert await lease.acquire("sweep", SHORT)

        await wait_until_free(lease, clock, "sweep", 3600)

    async def test_names_are_independent(self, lease: Lease) -> None:
        assert await lease.acquire("a", 60)

        assert await lease.acquire("b", 60) is True
        assert await lease.acquire("a", 60) is False
        assert await lease.acquire("b", 60) is False

    async def test_of_ten_concurrent_acquires_exactly_one_is_granted(self, lease: Lease) -> None:
        granted = await asyncio.gather(*(lease.acquire("sweep", 60) for _ in range(10)))

        assert sorted(granted) == [False] * 9 + [True]
