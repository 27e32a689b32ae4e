"""The loop that keeps a worker's claims on the reply stream fresh.

Another worker reclaims (XAUTOCLAIM) an entry left idle for
``redeliver_after`` seconds; resetting the idle time of every entry still
held, several times per such silence, is what tells a slow worker from a
dead one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection

from redis.asyncio import Redis

logger = logging.getLogger(__name__)

CLAIM_BATCH = 500


class RenewalLoop:
    """Runs ``renew`` every ``interval`` seconds (or sooner, on ``soon``)
    until stopped; a failed renewal is retried at the next turn, and the
    errors in ``tolerated`` are logged at DEBUG only (the listen loop is
    what reports outages)."""

    def __init__(
        self,
        renew: Callable[[], Awaitable[None]],
        interval: float,
        tolerated: tuple[type[BaseException], ...],
    ) -> None:
        self._renew = renew
        self.interval = interval
        self._tolerated = tolerated
        self._now = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the loop; a second call while it runs does nothing."""
        if self._task is None:
            self._task = asyncio.create_task(self._forever())

    async def stop(self) -> None:
        """Stop the loop and wait for it; safe to call when not started."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def soon(self) -> None:
        """Renew now rather than at the next turn (after reading new entries)."""
        self._now.set()

    async def _forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._now.wait(), self.interval)
            self._now.clear()
            try:
                await self._renew()
            except self._tolerated as exc:
                logger.debug("renewing claims failed (%s); the listen loop reports outages", exc)


async def reset_idle_times(
    conn: Redis, stream: str, group: str, consumer: str, entry_ids: Collection[str]
) -> None:
    """XCLAIM ... JUSTID each of ``entry_ids`` for ``consumer``: their idle
    time starts again, so no other worker reclaims them yet."""
    held: list[int | bytes | str | memoryview[int]] = list(entry_ids)
    for first in range(0, len(held), CLAIM_BATCH):
        await conn.xclaim(
            stream,
            group,
            consumer,
            min_idle_time=0,
            message_ids=held[first : first + CLAIM_BATCH],
            justid=True,
        )
