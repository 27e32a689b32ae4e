"""The parts of the reply pipeline a process runs beside its main job.

- ``consuming_replies``: start the reply queue with the runner the
  composition root built (``ReplyService``), and stop it at the end. The
  embedded API consumes its own in-process queue; ``gemini-clone worker``
  consumes the Redis stream; an API on Redis only enqueues, but starts the
  queue too, which creates the stream's consumer group before the first
  enqueue (a group made later would never see earlier messages).
- ``sweeping``: every interval, re-enqueue replies left pending and fail
  the hopeless ones (``ReplySweeper``, one process per round).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from adapters.taskiq import ReplyRunner, TaskiqReplyQueue
from entrypoints.container import Container
from gemini_core.errors import ServiceUnavailable
from gemini_core.services import ReplyService, ReplySweeper

logger = logging.getLogger("gemini_clone.replies")


@contextlib.asynccontextmanager
async def consuming_replies(
    container: Container,
    *,
    worker: bool,
    capacity: int | None = None,
    runner: ReplyRunner | None = None,
) -> AsyncIterator[None]:
    """Start the Taskiq queue, if the deployment uses one (a test may
    override the queue with something that needs no starting); a worker
    runs at most ``capacity`` replies at once, through ``runner`` (the
    worker's counts them), else ``ReplyService``."""
    queue = container.resolve_optional(TaskiqReplyQueue)
    if queue is None:
        yield
        return
    await queue.start(runner or container.resolve(ReplyService), worker=worker, capacity=capacity)
    try:
        yield
    finally:
        await queue.stop()


@contextlib.asynccontextmanager
async def sweeping(container: Container, interval_seconds: float) -> AsyncIterator[None]:
    task = asyncio.create_task(sweep_forever(container.resolve(ReplySweeper), interval_seconds))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def sweep_forever(sweeper: ReplySweeper, interval_seconds: float) -> None:
    failing = False
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            await sweeper.run_round(interval_seconds)
            failing = False
        except ServiceUnavailable as exc:
            # An outage: said once, not every round while it lasts.
            if not failing:
                logger.warning("reply sweep skipped (%s); will try again", exc)
            failing = True
        except Exception:
            logger.exception("reply sweep failed; will try again")
