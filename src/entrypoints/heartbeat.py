"""A worker process's heartbeat, and the question ``worker --check`` asks.

Each worker beats every ``WORKER_HEARTBEAT_INTERVAL`` seconds; a beat lives
three intervals, so a worker that dies (or whose Redis stays away) drops
out of the list within that time, and one that stops gracefully leaves it
at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable

from gemini_core.errors import ServiceUnavailable
from gemini_core.ports import Clock, WorkerInfo, WorkerRegistry

logger = logging.getLogger("gemini_clone.worker")

BEATS_PER_TTL = 3


def describe(worker: WorkerInfo) -> str:
    return (
        f"worker {worker.id} pid {worker.pid} on {worker.host}, "
        f"up since {worker.started_at.isoformat(timespec='seconds')}, "
        f"{worker.in_flight} replies in flight"
    )


@contextlib.asynccontextmanager
async def heartbeating(
    registry: WorkerRegistry,
    clock: Clock,
    in_flight: Callable[[], int],
    interval_seconds: float,
) -> AsyncIterator[WorkerInfo]:
    """Beat for this process until the block ends, then leave the registry."""
    me = WorkerInfo(
        id=uuid.uuid4().hex[:12],
        pid=os.getpid(),
        host=socket.gethostname(),
        started_at=clock.now(),
    )
    task = asyncio.create_task(_beat_forever(registry, me, in_flight, interval_seconds))
    try:
        yield me
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        try:
            await asyncio.wait_for(registry.leave(me.id), timeout=5)
        except (ServiceUnavailable, TimeoutError):
            logger.info("could not leave the worker registry; this worker's beat expires by itself")


async def _beat_forever(
    registry: WorkerRegistry,
    me: WorkerInfo,
    in_flight: Callable[[], int],
    interval_seconds: float,
) -> None:
    failing = False
    while True:
        beat = WorkerInfo(
            id=me.id, pid=me.pid, host=me.host, started_at=me.started_at, in_flight=in_flight()
        )
        try:
            await registry.beat(beat, interval_seconds * BEATS_PER_TTL)
            if failing:
                logger.info("heartbeat sent again")
            failing = False
        except Exception as exc:
            if not failing:
                # Readiness and `worker --check` will not see this worker meanwhile.
                logger.warning("heartbeat not sent (%s); will keep trying", exc)
            failing = True
        await asyncio.sleep(interval_seconds)
