"""What every part of the harness shares: settings, sizes, modes, results."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from bench import ROOT

WRK_SCRIPT = ROOT / "bench" / "wrk" / "requests.lua"
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_BASE_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "13"))
WORKER_CONCURRENCY = 100

# Sizes of what is seeded and measured.
LIST_USERS = 20  # users whose (cached) room lists are read, 10 rooms each
POST_USERS = 20  # Pro users who send prompts under wrk
SMALL_ROOMS = 10
MANY_ROOMS = 1_000
DETAIL_MESSAGES = 50
PAGE = 50


class HarnessError(Exception):
    """The harness itself broke (not a measurement that had errors)."""


@dataclass(frozen=True)
class Mode:
    name: str
    duration: float  # seconds of each wrk measurement
    warmup: float  # seconds of an unrecorded wrk run before it
    reply_seconds: float  # seconds of each in-flight level of the reply pipeline
    message_sizes: tuple[int, ...]
    in_flight: tuple[int, ...]
    misses: int  # sequential requests for the cache-miss latency


QUICK = Mode("quick", 2.0, 0.5, 3.0, (10, 1_000, 100_000), (1, 10, 100), 40)
FULL = Mode("full", 10.0, 2.0, 12.0, (10, 1_000, 100_000), (1, 10, 100), 300)


@dataclass
class Result:
    """One measurement: throughput, latency, errors and the ratio to the ceiling."""

    name: str
    group: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    ratio: float | None = None
    note: str = ""
    # The serving processes' own CPU per request (ms) and resident memory of
    # each at the end (MB), from /proc (bench/usage.py).
    cpu_ms_per_request: float | None = None
    rss_mb: tuple[float, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def show(self) -> None:
        """The progress line printed as the measurement ends."""
        print(
            f"  {self.name:<52} {self.rps:>8.0f} req/s  p50 {self.p50_ms:6.2f} ms"
            f"  p99 {self.p99_ms:7.2f} ms  errors {self.errors}{_usage(self)}",
            flush=True,
        )


@dataclass
class ReplyResult:
    in_flight: int
    worker_processes: int
    replies_per_s: float
    ideal_per_s: float
    of_ideal: float
    overhead_p50_ms: float
    overhead_p99_ms: float
    client_overhead_p50_ms: float
    completed: int  # replies completed in the whole level (warm-up and tail too)
    errors: int
    # The worker's own CPU per completed reply over the whole level (ms), the
    # resident memory of each worker process at its end (MB), and the API's
    # CPU per prompt meanwhile (bench/usage.py).
    cpu_ms_per_reply: float | None = None
    rss_mb: tuple[float, ...] = ()
    api_cpu_ms_per_prompt: float | None = None

    @property
    def label(self) -> str:
        plural = "es" if self.worker_processes > 1 else ""
        return f"{self.in_flight} in flight, {self.worker_processes} worker process{plural}"

    def show(self) -> None:
        print(
            f"  replies, {self.label}: {self.replies_per_s:7.1f}/s "
            f"({self.of_ideal:.0%} of {self.ideal_per_s:.0f}/s)"
            f"  overhead p50 {self.overhead_p50_ms:6.1f} ms p99 {self.overhead_p99_ms:6.1f} ms"
            f"  errors {self.errors}{_usage(self, 'reply')}",
            flush=True,
        )


def _usage(result: Result | ReplyResult, per: str = "req") -> str:
    """The CPU and memory part of a progress line (empty when not measured)."""
    cpu = result.cpu_ms_per_reply if isinstance(result, ReplyResult) else result.cpu_ms_per_request
    if cpu is None:
        return ""
    return f"  cpu {cpu:.2f} ms/{per}  rss {show_mb(result.rss_mb)} MB"


def show_mb(values: tuple[float, ...]) -> str:
    """Resident memory of each process, MB: "71 / 73"."""
    return " / ".join(f"{mb:.0f}" for mb in values)


def percentile(ordered: list[float], share: float) -> float:
    """The value at ``share`` (0-1) of an ascending list, as the harness always took it."""
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]
