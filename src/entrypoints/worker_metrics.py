"""The worker's metrics: recorded in each worker process, answered on
``gemini-clone worker --metrics-port``.

With one process, that process answers scrapes itself. With
``--processes N`` the parent does: the children write their values to the
shared directory (``entrypoints.metrics_dir``) and the parent sums them, so
one port shows the whole worker. Either way the queue's backlog is read
from Redis at each scrape.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from adapters.prometheus import (
    InstrumentedChatModel,
    InstrumentedReplyRunner,
    QueueBacklogCollector,
    WorkerMetrics,
    own_registry,
    scrape_registry,
    serve_metrics,
)
from adapters.taskiq import StreamBacklogReader
from entrypoints.adapter_choice import chat_model, reply_stream
from entrypoints.container import Container
from entrypoints.settings import Settings
from gemini_core.services import ReplyService

logger = logging.getLogger("gemini_clone.worker")


@dataclass(frozen=True)
class MetricsAddress:
    host: str
    port: int


class WorkerInstruments:
    """One worker process's metrics and the wrappers that record them: the
    chat model (latency, errors) and the reply runner (outcomes)."""

    def __init__(self, settings: Settings) -> None:
        self.metrics = WorkerMetrics(own_registry())
        self.model = InstrumentedChatModel(chat_model(settings), self.metrics)

    def runner(self, container: Container) -> InstrumentedReplyRunner:
        return InstrumentedReplyRunner(container.resolve(ReplyService), self.metrics)


def start_metrics_server(
    settings: Settings, address: MetricsAddress, own: CollectorRegistry | None
) -> bool:
    """Answer scrapes on ``address`` from a thread of this process: ``own``
    metrics (every worker process's when ``own`` is None) and the queue's
    backlog. False, and an error logged, when the port cannot be bound."""
    assert settings.redis_url, "the worker runs on Redis only"
    backlog = QueueBacklogCollector(StreamBacklogReader(settings.redis_url, reply_stream(settings)))
    try:
        serve_metrics(scrape_registry(own, backlog), address.host, address.port)
    except OSError as exc:
        logger.error("cannot serve metrics on %s:%d: %s", address.host, address.port, exc)
        return False
    logger.info("worker metrics on http://%s:%d/metrics", address.host, address.port)
    return True
