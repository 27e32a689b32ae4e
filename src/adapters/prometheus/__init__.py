"""Prometheus metrics: what the API and the worker record, and how it is
exposed (one process, or many sharing ``PROMETHEUS_MULTIPROC_DIR``).

Importing this package imports ``prometheus_client``, which decides once,
from the environment, whether values go to files shared by several
processes: a parent that starts them sets ``PROMETHEUS_MULTIPROC_DIR``
before this is imported anywhere (``entrypoints.metrics_dir``).
"""

from adapters.prometheus.backlog import QueueBacklog, QueueBacklogCollector
from adapters.prometheus.http_metrics import HttpMetrics
from adapters.prometheus.registry import (
    CONTENT_TYPE,
    is_multiprocess,
    own_registry,
    render,
    scrape_registry,
    serve_metrics,
)
from adapters.prometheus.worker_metrics import (
    InstrumentedChatModel,
    InstrumentedReplyRunner,
    WorkerMetrics,
)

__all__ = [
    "CONTENT_TYPE",
    "HttpMetrics",
    "InstrumentedChatModel",
    "InstrumentedReplyRunner",
    "QueueBacklog",
    "QueueBacklogCollector",
    "WorkerMetrics",
    "is_multiprocess",
    "own_registry",
    "render",
    "scrape_registry",
    "serve_metrics",
]
