"""/health: liveness and readiness."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from entrypoints.http.errors import envelope
from entrypoints.http.schemas import Envelope, HealthOut, ok

ReadinessCheck = Callable[[], Awaitable[None]]


@get("/health", tags=["operations"], summary="The process is up")
async def health() -> Envelope[HealthOut]:
    return ok(HealthOut(status="ok"))


@get("/health/ready", tags=["operations"], summary="The database (and Redis) answer")
async def ready(state: State) -> Response[Any]:
    checks: dict[str, ReadinessCheck] = state.readiness_checks
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await check()
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"unavailable: {type(exc).__name__}"
    if all(value == "ok" for value in results.values()):
        return Response(ok(HealthOut(status="ok", checks=results)))
    return envelope(
        503, "service_unavailable", "a backing service is unavailable", {"checks": results}
    )
