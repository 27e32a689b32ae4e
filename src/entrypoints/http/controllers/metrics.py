"""/metrics: the Prometheus text format of this deployment's API processes."""

from __future__ import annotations

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from prometheus_client import CollectorRegistry

from adapters.prometheus import CONTENT_TYPE, render


def metrics_route(registry: CollectorRegistry) -> HTTPRouteHandler:
    """The route answering scrapes of ``registry`` (with ``serve --workers
    N``, every API process's values: see ``adapters.prometheus.registry``)."""

    @get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics (text format)",
        media_type=CONTENT_TYPE,
        sync_to_thread=True,  # multiprocess mode reads every process's file
        # Not JSON, not for API clients: documented in docs/OPERATIONS.md.
        include_in_schema=False,
    )
    def metrics() -> Response[bytes]:
        return Response(render(registry), media_type=CONTENT_TYPE)

    return metrics
