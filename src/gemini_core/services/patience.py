"""Riding out a short database outage for a write that must not be lost.

A reply's final write comes after the model has answered: failing it at
the first "database unavailable" would throw the answer away for a blip
(a PostgreSQL restart, a failover) that is over in seconds. The write is
tried again, with a pause doubling from ``FIRST_PAUSE_SECONDS`` to
``MAX_PAUSE_SECONDS``, for a bounded time; then the error goes to the
caller (the worker leaves the reply to be delivered again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gemini_core.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

DEFAULT_WRITE_PATIENCE_SECONDS = 30.0
FIRST_PAUSE_SECONDS = 0.1
MAX_PAUSE_SECONDS = 2.0

T = TypeVar("T")


async def patiently(write: Callable[[], Awaitable[T]], *, patience_seconds: float, what: str) -> T:
    """``write()``'s result, calling it again while it raises
    ``ServiceUnavailable``, for up to ``patience_seconds`` (0: once).

    ``write`` must be safe to repeat: a whole unit of work, whose effect is
    conditional (a reply is finished only while it is pending). Logs one
    WARNING when the first try fails and one INFO when a later one
    succeeds; the last error is raised once patience runs out.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience_seconds
    pause = FIRST_PAUSE_SECONDS
    failures = 0
    while True:
        try:
            result = await write()
        except ServiceUnavailable as exc:
            failures += 1
            if failures == 1:
                logger.warning(
                    "%s failed (%s); trying again for up to %g s", what, exc, patience_seconds
                )
            if loop.time() + pause > deadline:
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE_SECONDS)
            continue
        if failures:
            logger.info("%s done after %d failed tries", what, failures)
        return result
