"""The worker's metrics, recorded by wrappers around the chat model and the
reply runner: the core's services run unchanged inside them."""

from __future__ import annotations

import time
import uuid
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram

from gemini_core.errors import ModelError
from gemini_core.model import ReplyOutcome
from gemini_core.ports import ChatModel, DeltaSink, ModelReply, ModelRequest

# Model calls take from well under a second to the whole reply deadline.
MODEL_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0)


class WorkerMetrics:
    """One set per worker process; ``registry`` from ``own_registry()``."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.registry = registry
        self.replies = Counter(
            "gemini_clone_replies",
            "Reply runs by outcome: completed, failed, skipped (already final or gone), "
            "error (the run raised: the reply stays pending for redelivery)",
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


class ReplyRunner(Protocol):
    async def generate(self, reply_id: uuid.UUID) -> ReplyOutcome: ...


class InstrumentedReplyRunner:
    """Runs replies through ``runner`` and counts each run's outcome, as the
    run reports it (no database read of its own: reading the reply before
    and after each run cost two round trips per reply)."""

    def __init__(self, runner: ReplyRunner, metrics: WorkerMetrics) -> None:
        self._runner = runner
        self._metrics = metrics

    async def generate(self, reply_id: uuid.UUID) -> ReplyOutcome:
        try:
            run = await self._runner.generate(reply_id)
        except BaseException:
            self._metrics.replies.labels(outcome="error").inc()
            raise
        self._metrics.replies.labels(outcome=run.outcome).inc()
        if run.outcome != "skipped" and (run.deliveries or 0) > 1:
            self._metrics.redeliveries.inc()
        return run
