"""Worker heartbeats in a dict: enough when one process runs everything."""

from __future__ import annotations

from datetime import datetime, timedelta

from gemini_core.ports import Clock, WorkerInfo


class InMemoryWorkerRegistry:
    """``WorkerRegistry`` for a single process; beats expire on ``clock``."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._beats: dict[str, tuple[WorkerInfo, datetime]] = {}

    async def beat(self, worker: WorkerInfo, ttl_seconds: float) -> None:
        self._expire()
        self._beats[worker.id] = (worker, self._clock.now() + timedelta(seconds=ttl_seconds))

    async def leave(self, worker_id: str) -> None:
        self._beats.pop(worker_id, None)

    async def alive(self) -> list[WorkerInfo]:
        self._expire()
        return sorted((info for info, _ in self._beats.values()), key=_age)

    def _expire(self) -> None:
        now = self._clock.now()
        for worker_id in [key for key, (_, until) in self._beats.items() if until <= now]:
            del self._beats[worker_id]


def _age(worker: WorkerInfo) -> tuple[datetime, str]:
    return worker.started_at, worker.id
