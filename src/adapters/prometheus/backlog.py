"""The reply queue's backlog as gauges, read from the queue at each scrape."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Protocol

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)


class QueueBacklog(Protocol):
    @property
    def depth(self) -> int: ...
    @property
    def pending(self) -> int: ...
    @property
    def oldest_age_seconds(self) -> float: ...


class QueueBacklogCollector(Collector):
    """Gauges of the queue as ``read`` finds it now; nothing (and a
    warning) when the queue cannot be read, rather than a failed scrape."""

    def __init__(self, read: Callable[[], QueueBacklog]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        try:
            backlog = self._read()
        except Exception as exc:
            logger.warning("cannot read the reply queue for metrics: %s", exc)
            return
        yield GaugeMetricFamily(
            "gemini_clone_queue_depth",
            "Reply tasks in the stream: waiting for a worker or being worked on",
            value=backlog.depth,
        )
        yield GaugeMetricFamily(
            "gemini_clone_queue_pending",
            "Reply tasks handed to a worker and not yet acknowledged",
            value=backlog.pending,
        )
        yield GaugeMetricFamily(
            "gemini_clone_queue_lag_seconds",
            "Age of the oldest reply task still in the stream (0 when empty)",
            value=backlog.oldest_age_seconds,
        )
