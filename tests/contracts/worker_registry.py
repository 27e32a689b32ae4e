"""Contract of ``WorkerRegistry``: a beat makes a worker alive until its
TTL runs out, a newer beat replaces what an older one said, and a worker
that leaves is gone at once.

A subclass provides the adapter as ``registry`` and a ``clock`` whose
``advance`` is awaited (the Redis suite sleeps for real).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Protocol

from gemini_core.ports import WorkerInfo, WorkerRegistry

TTL = 0.5


class SteppedClock(Protocol):
    async def advance(self, seconds: float) -> None: ...


def a_worker(in_flight: int = 0, started_minutes_ago: int = 0) -> WorkerInfo:
    return WorkerInfo(
        id=uuid.uuid4().hex[:12],
        pid=os.getpid(),
        host="worker-host",
        started_at=datetime(2030, 1, 1, 12, 0, tzinfo=UTC) - timedelta(minutes=started_minutes_ago),
        in_flight=in_flight,
    )


class WorkerRegistryContract:
    async def test_nobody_is_alive_at_first(self, registry: WorkerRegistry) -> None:
        assert await registry.alive() == []

    async def test_a_beat_makes_a_worker_alive_as_it_described_itself(
        self, registry: WorkerRegistry
    ) -> None:
        worker = a_worker(in_flight=3)
        await registry.beat(worker, TTL)
        assert await registry.alive() == [worker]

    async def test_workers_are_listed_oldest_first(self, registry: WorkerRegistry) -> None:
        young, old = a_worker(started_minutes_ago=1), a_worker(started_minutes_ago=9)
        await registry.beat(young, TTL)
        await registry.beat(old, TTL)
        assert await registry.alive() == [old, young]

    async def test_a_newer_beat_replaces_the_older(self, registry: WorkerRegistry) -> None:
        worker = a_worker(in_flight=1)
        await registry.beat(worker, TTL)
        busier = WorkerInfo(**{**_fields(worker), "in_flight": 7})
        await registry.beat(busier, TTL)
        assert await registry.alive() == [busier]

    async def test_a_worker_that_stops_beating_drops_out(
        self, registry: WorkerRegistry, clock: SteppedClock
    ) -> None:
        stopped, beating = a_worker(), a_worker()
        await registry.beat(stopped, TTL)
        await registry.beat(beating, TTL * 4)
        await clock.advance(TTL * 2)
        assert await registry.alive() == [beating]
        # ...and a later beat brings it back.
        await registry.beat(stopped, TTL * 4)
        assert {w.id for w in await registry.alive()} == {stopped.id, beating.id}

    async def test_a_worker_that_leaves_is_gone_at_once(self, registry: WorkerRegistry) -> None:
        leaving, staying = a_worker(), a_worker()
        await registry.beat(leaving, 60)
        await registry.beat(staying, 60)
        await registry.leave(leaving.id)
        await registry.leave("never-seen")
        assert await registry.alive() == [staying]


def _fields(worker: WorkerInfo) -> dict[str, object]:
    return {name: getattr(worker, name) for name in worker.__struct_fields__}
