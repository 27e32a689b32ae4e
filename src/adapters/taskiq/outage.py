"""Redis not answering, as a worker's listen loop lives through it."""

from __future__ import annotations

import asyncio
import logging
import time

logger = logging.getLogger("adapters.taskiq.redis_stream")

MAX_BACKOFF_SECONDS = 5.0


class Outage:
    """Logged once when it starts (WARNING) and once when it ends (INFO),
    however long it lasts; retried with a backoff growing to
    ``MAX_BACKOFF_SECONDS`` in between."""

    def __init__(self) -> None:
        self._since: float | None = None
        self._failures = 0

    def started(self, error: Exception) -> None:
        if self._since is None:
            self._since = time.monotonic()
            logger.warning(
                "Redis is unreachable (%s: %s); the worker keeps trying, replies in flight go on",
                type(error).__name__,
                error,
            )

    async def wait_out(self, error: Exception) -> None:
        """Note the failure, then pause before the next try."""
        self.started(error)
        self._failures += 1
        await asyncio.sleep(min(MAX_BACKOFF_SECONDS, 0.25 * 2 ** min(self._failures - 1, 5)))

    def over(self) -> bool:
        """Whether an outage has just ended (and say so)."""
        if self._since is None:
            return False
        logger.info(
            "Redis is reachable again after %.1f s; the worker reads replies again",
            time.monotonic() - self._since,
        )
        self._since, self._failures = None, 0
        return True
