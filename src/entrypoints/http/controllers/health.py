"""/health: liveness and readiness."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.openapi import ResponseSpec

from entrypoints.http.errors import envelope
from entrypoints.http.openapi import errors
from entrypoints.http.schemas import Envelope, HealthOut, ok
from gemini_core.services import ReadinessService


@get(
    "/health",
    tags=["operations"],
    summary="The process is up",
    description="Liveness: answers while the process serves, whatever its backing services.",
)
async def health() -> Envelope[HealthOut]:
    return ok(HealthOut(status="ok"))


@get(
    "/health/ready",
    tags=["operations"],
    summary="The database (and Redis) answer",
    description="Readiness: 503 `service_unavailable`, naming the failing checks, when not.",
    # The handler answers either envelope itself: the success is documented here.
    responses={
        200: ResponseSpec(
            data_container=Envelope[HealthOut],
            description="Every check passed",
            generate_examples=False,
        ),
        **errors(503),
    },
)
async def ready(readiness: ReadinessService) -> Response[Any]:
    report = await readiness.report()
    if report.ready:
        return Response(ok(HealthOut(status="ok", checks=report.checks)))
    return envelope(
        503, "service_unavailable", "a backing service is unavailable", {"checks": report.checks}
    )
