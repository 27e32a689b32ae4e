"""ReplySweeper: no reply stays pending for ever.

A process can die between a prompt's commit and its enqueue, or a queue can
lose its entries (a Redis restart without persistence). Every round the
sweeper re-enqueues replies left pending a while that the queue no longer
holds, and fails the hopeless ones with their quota given back. Asking the
queue first is what lets ``requeue_after`` be shorter than a reply's
deadline: a reply being answered, however slowly, is never enqueued twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from gemini_core.model import Message
from gemini_core.ports import Clock, Lease, ReplyQueue, UnitOfWorkFactory
from gemini_core.services.reply_failer import ReplyFailer

logger = logging.getLogger(__name__)

DEFAULT_REQUEUE_AFTER_SECONDS = 30.0
DEFAULT_FAIL_AFTER_SECONDS = 900.0
LEASE_NAME = "reply-sweep"


class ReplySweeper:
    """One round at a time across every process: a round first takes a
    lease, so with several workers one of them sweeps each interval."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        queue: ReplyQueue,
        failer: ReplyFailer,
        lease: Lease,
        clock: Clock,
        requeue_after_seconds: float = DEFAULT_REQUEUE_AFTER_SECONDS,
        fail_after_seconds: float = DEFAULT_FAIL_AFTER_SECONDS,
        batch: int = 500,
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._failer = failer
        self._lease = lease
        self._clock = clock
        self._requeue_after = timedelta(seconds=requeue_after_seconds)
        self._fail_after = timedelta(seconds=fail_after_seconds)
        self._batch = batch

    async def run_round(self, interval_seconds: float) -> tuple[int, int] | None:
        """Sweep once unless another process holds this interval's lease;
        (re-enqueued, failed), or None when it was not this process's turn."""
        # 90 % of the interval: the next round's holder is never locked out
        # by this one's lease running a little late.
        if not await self._lease.acquire(LEASE_NAME, interval_seconds * 0.9):
            return None
        return await self.sweep()

    async def sweep(self) -> tuple[int, int]:
        """Re-enqueue replies pending longer than ``requeue_after`` that the
        queue no longer holds, and fail those pending longer than
        ``fail_after``. Returns (re-enqueued, failed)."""
        now = self._clock.now()
        async with self._uow(autocommit=True) as uow:
            stale = await uow.messages.stale_pending(now - self._requeue_after, self._batch)
        failed = 0
        lost: list[Message] = []
        for reply in stale:
            if now - reply.created_at < self._fail_after:
                lost.append(reply)
            elif await self._failer.fail(reply, "the model did not answer in time"):
                failed += 1
        requeued = await self._requeue(lost)
        if requeued or failed:
            logger.info("sweep: %d replies re-enqueued, %d failed", requeued, failed)
        return requeued, failed

    async def _requeue(self, replies: list[Message]) -> int:
        """Enqueue again those the queue does not hold. A reply still waiting
        in the queue, or being answered (however slowly), is left alone:
        enqueueing it again would have it answered twice."""
        if not replies:
            return 0
        try:
            held = await self._queue.holding([reply.id for reply in replies])
        except Exception:
            logger.warning("sweep could not ask the queue what it holds", exc_info=True)
            return 0
        requeued = 0
        for reply in replies:
            if reply.id in held:
                continue
            try:
                await self._queue.enqueue(reply.id)
                requeued += 1
            except Exception:
                logger.warning("sweep could not re-enqueue reply %s", reply.id, exc_info=True)
        return requeued
