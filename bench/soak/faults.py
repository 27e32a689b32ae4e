"""The faults the soak injects while the users run, one at a time in a
fixed rotation, and how long the deployment took to recover from each.

- ``worker SIGKILL``: one worker process killed (its supervisor starts it
  again; its replies are reclaimed by the other): recovered when its
  replacement has said it is ready;
- ``Redis SIGSTOP``: the throwaway Redis paused 3 s (connections open,
  nothing answers), then SIGCONT;
- ``Redis restart``: stopped, down 1 s, started empty (no persistence:
  the stream, codes, caches are gone; the sweep re-enqueues);
- ``PostgreSQL terminate``: every backend of the soak's database
  terminated (what a restart does to its clients);
- ``PostgreSQL outage``: the database refuses connections for 3 s and
  its backends are terminated.

After each, recovered is when both APIs answer ``/health/ready`` 200
(database and Redis reachable) and, after a worker kill, the replacement
worker process is ready.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bench.soak.stack import WORKER_PROCESSES, SoakStack

PAUSE_SECONDS = 3.0
OUTAGE_SECONDS = 3.0
REDIS_DOWN_SECONDS = 1.0
RECOVERY_TIMEOUT = 120.0


@dataclass(frozen=True)
class Fault:
    kind: str
    at: float  # seconds into the run
    lasted: float  # seconds the fault itself lasted
    recovered_after: float | None  # seconds from its end; None: never


@dataclass
class FaultLog:
    faults: list[Fault] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for fault in self.faults:
            counted[fault.kind] = counted.get(fault.kind, 0) + 1
        return counted

    def slowest(self) -> Fault | None:
        recovered = [f for f in self.faults if f.recovered_after is not None]
        return max(recovered, key=lambda f: f.recovered_after or 0.0, default=None)

    def unrecovered(self) -> list[Fault]:
        return [f for f in self.faults if f.recovered_after is None]


def _kill_a_worker(stack: SoakStack) -> None:
    children = stack.worker_children()
    if children:
        os.kill(random.Random(len(children)).choice(children), signal.SIGKILL)


def _pause_redis(stack: SoakStack) -> None:
    stack.redis.pause()
    try:
        time.sleep(PAUSE_SECONDS)
    finally:
        stack.redis.resume()


def _restart_redis(stack: SoakStack) -> None:
    stack.redis.restart(down_seconds=REDIS_DOWN_SECONDS)


def _terminate_postgres(stack: SoakStack) -> None:
    stack.postgres.terminate()


def _postgres_outage(stack: SoakStack) -> None:
    with stack.postgres.outage():
        time.sleep(OUTAGE_SECONDS)


ROTATION: list[tuple[str, Callable[[SoakStack], None]]] = [
    ("worker SIGKILL", _kill_a_worker),
    ("Redis SIGSTOP", _pause_redis),
    ("PostgreSQL terminate", _terminate_postgres),
    ("Redis restart", _restart_redis),
    ("PostgreSQL outage", _postgres_outage),
]


async def _recovered(
    stack: SoakStack, workers_ready: int, client: httpx.AsyncClient
) -> float | None:
    """Seconds until the deployment works again (see the module), with
    ``workers_ready`` worker processes ready so far; None when it did not
    within ``RECOVERY_TIMEOUT``."""
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_TIMEOUT:
        workers = len(stack.worker_children()) == WORKER_PROCESSES
        if workers and stack.workers_ready() >= workers_ready and await _ready(stack, client):
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    return None


async def _ready(stack: SoakStack, client: httpx.AsyncClient) -> bool:
    for api in stack.apis:
        try:
            if (await client.get(f"{api}/health/ready")).status_code != 200:
                return False
        except httpx.HTTPError:
            return False
    return True


async def inject(stack: SoakStack, seconds: float, every: float, log: FaultLog) -> None:
    """One fault every ``every`` seconds (the first after half of it),
    until ``seconds`` less a tail in which the last one can recover."""
    begun = time.monotonic()
    due = every / 2
    turn = 0
    async with httpx.AsyncClient(timeout=5) as client:
        while due < seconds - every / 2:
            await asyncio.sleep(max(0.0, begun + due - time.monotonic()))
            kind, apply = ROTATION[turn % len(ROTATION)]
            # A killed worker is back when one more worker process is ready.
            workers_ready = stack.workers_ready() + (apply is _kill_a_worker)
            at = time.monotonic()
            await asyncio.to_thread(apply, stack)
            ended = time.monotonic()
            recovered = await _recovered(stack, workers_ready, client)
            log.faults.append(Fault(kind, at - begun, ended - at, recovered))
            outcome = "NO RECOVERY" if recovered is None else f"recovered after {recovered:.1f} s"
            print(f"  {at - begun:6.1f} s  {kind:<21} lasted {ended - at:4.1f} s, {outcome}")
            turn += 1
            due = max(due + every, time.monotonic() - begun)
