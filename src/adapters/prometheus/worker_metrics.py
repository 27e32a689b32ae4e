"""The worker's metrics, recorded by wrappers around the chat model and the
reply runner: the core's services run unchanged inside them."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram

from gemini_core.errors import ModelError
from gemini_core.model import Message, MessageStatus
from gemini_core.ports import ChatModel, DeltaSink, ModelReply, ModelRequest, UnitOfWorkFactory

logger = logging.getLogger(__name__)

# Model calls take from well under a second to the whole reply deadline.
MODEL_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0)


class WorkerMetrics:
    """One set per worker process; ``registry`` from ``own_registry()``."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.registry = registry
        self.replies = Counter(
            "gemini_clone_replies",
            "Reply runs by outcome: completed, failed, skipped (already final or gone), "
            "unfinished (left pending), error (the run raised)",
            ["outcome"],
            registry=registry,
        )
        self.redeliveries = Counter(
            "gemini_clone_reply_redeliveries",
            "Reply runs that were not a reply's first delivery (its deliveries > 1)",
            registry=registry,
        )
        self.model_latency = Histogram(
            "gemini_clone_model_latency_seconds",
            "Time of one chat model call (retries included), whatever its result",
            buckets=MODEL_BUCKETS,
            registry=registry,
        )
        self.model_errors = Counter(
            "gemini_clone_model_errors",
            "Chat model calls that ended in an error, by error code",
            ["code"],
            registry=registry,
        )


class InstrumentedChatModel:
    """A ``ChatModel`` that times each call and counts its errors."""

    def __init__(self, model: ChatModel, metrics: WorkerMetrics) -> None:
        self._model = model
        self._metrics = metrics

    async def generate(self, request: ModelRequest, on_delta: DeltaSink) -> ModelReply:
        started = time.perf_counter()
        try:
            return await self._model.generate(request, on_delta)
        except ModelError as exc:
            self._metrics.model_errors.labels(code=exc.code).inc()
            raise
        except Exception:
            self._metrics.model_errors.labels(code="unexpected").inc()
            raise
        finally:
            self._metrics.model_latency.observe(time.perf_counter() - started)

    async def aclose(self) -> None:
        closer = getattr(self._model, "aclose", None)
        if closer is not None:
            await closer()


class _Unreadable:
    """The reply could not be read (the database is down, say)."""


UNREADABLE = _Unreadable()


class ReplyRunner(Protocol):
    async def generate(self, reply_id: uuid.UUID) -> None: ...


class InstrumentedReplyRunner:
    """Runs replies through ``runner`` and counts each run's outcome from
    the reply as stored before and after it (two reads by primary key). A
    read that fails only leaves that run uncounted: metrics never stop a
    reply."""

    def __init__(self, runner: ReplyRunner, uow: UnitOfWorkFactory, metrics: WorkerMetrics) -> None:
        self._runner = runner
        self._uow = uow
        self._metrics = metrics

    async def generate(self, reply_id: uuid.UUID) -> None:
        before = await self._read(reply_id)
        try:
            await self._runner.generate(reply_id)
        except BaseException:
            self._metrics.replies.labels(outcome="error").inc()
            raise
        if isinstance(before, _Unreadable):
            return
        if before is None or before.status is not MessageStatus.PENDING:
            self._metrics.replies.labels(outcome="skipped").inc()
            return
        after = await self._read(reply_id)
        if isinstance(after, _Unreadable):
            return
        self._metrics.replies.labels(outcome=_outcome(after)).inc()
        if after is not None and after.deliveries > 1:
            self._metrics.redeliveries.inc()

    async def _read(self, reply_id: uuid.UUID) -> Message | _Unreadable | None:
        """The reply, or None when it is gone."""
        try:
            async with self._uow(read_only=True) as uow:
                return await uow.messages.get(reply_id)
        except Exception as exc:
            logger.debug("cannot read reply %s for metrics: %s", reply_id, exc)
            return UNREADABLE


def _outcome(after: Message | None) -> str:
    if after is None:
        return "skipped"
    return {
        MessageStatus.COMPLETED: "completed",
        MessageStatus.FAILED: "failed",
    }.get(after.status, "unfinished")
