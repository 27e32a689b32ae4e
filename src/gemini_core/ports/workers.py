"""Port of the reply workers' heartbeats: which workers are alive."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import msgspec


class WorkerInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a worker process says about itself in each heartbeat."""

    id: str
    pid: int
    host: str
    started_at: datetime
    in_flight: int = 0


class WorkerRegistry(Protocol):
    """Heartbeats shared by every process of a deployment: a worker that
    stops beating drops out of ``alive`` once its last beat's time is up."""

    async def beat(self, worker: WorkerInfo, ttl_seconds: float) -> None:
        """Record that ``worker`` is alive for the next ``ttl_seconds``
        (replacing what its previous beat said)."""
        ...

    async def leave(self, worker_id: str) -> None:
        """Forget a worker at once (it is stopping)."""
        ...

    async def alive(self) -> list[WorkerInfo]:
        """The workers whose last beat has not run out, oldest first."""
        ...
