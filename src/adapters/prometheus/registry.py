"""Where metrics are registered and how they are read out.

In one process, metrics live in a registry of the app's (or worker's) own,
so several apps in one interpreter (tests) never collide. With
``PROMETHEUS_MULTIPROC_DIR`` set, every process writes its values to files
there and any process reads them all back with ``MultiProcessCollector``:
one scrape of any API process shows the sum over all of them.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, disable_created_metrics, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

# The text format every Prometheus reads (the HTTP layer adds the charset).
CONTENT_TYPE = "text/plain; version=0.0.4"
# ``*_created`` series double the output and multiprocess mode has none.
disable_created_metrics()  # type: ignore[no-untyped-call]


def is_multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def own_registry() -> CollectorRegistry | None:
    """The registry this process's metrics are created in: None in
    multiprocess mode (values go to files, read back by the collector)."""
    return None if is_multiprocess() else CollectorRegistry(auto_describe=True)


def scrape_registry(own: CollectorRegistry | None, *extra: Collector) -> CollectorRegistry:
    """What a scrape reads: every process's values in multiprocess mode,
    else ``own``; plus ``extra`` collectors (read at each scrape). Build it
    once per process."""
    if own is None:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = own
    for collector in extra:
        registry.register(collector)
    return registry


def render(registry: CollectorRegistry) -> bytes:
    """The Prometheus text format of everything ``registry`` collects."""
    return generate_latest(registry)


def serve_metrics(registry: CollectorRegistry, host: str, port: int) -> None:
    """Answer scrapes of ``registry`` on ``host:port`` from a daemon thread;
    OSError when the port cannot be bound."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=host, registry=registry)
