"""`gemini-clone worker`: processes that read the reply stream and run replies."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from taskiq.acks import AcknowledgeType
from taskiq.receiver import Receiver

from adapters.taskiq import TaskiqReplyQueue
from entrypoints.bootstrap import bootstrap
from entrypoints.event_loop import run_on_fast_loop
from entrypoints.heartbeat import BEATS_PER_TTL, describe, heartbeating
from entrypoints.logging_setup import configure_logging, log_options
from entrypoints.metrics_dir import shared_metrics_dir
from entrypoints.reply_pipeline import consuming_replies, sweeping
from entrypoints.schema_check import schema_allows_start
from entrypoints.settings import Settings, startup_warnings
from entrypoints.supervisor import Supervisor
from entrypoints.worker_metrics import MetricsAddress, WorkerInstruments, start_metrics_server
from gemini_core.errors import ServiceUnavailable
from gemini_core.ports import Clock, WorkerInfo, WorkerRegistry

logger = logging.getLogger("gemini_clone.worker")


def run_worker(
    settings: Settings,
    *,
    concurrency: int | None,
    processes: int,
    metrics: MetricsAddress | None = None,
) -> int:
    """Run ``processes`` worker processes with ``concurrency`` replies in
    flight each. SIGTERM or SIGINT stops taking new replies and waits for
    those in flight (up to a reply's deadline); what is left unacknowledged
    is redelivered to another worker. ``metrics``: where to answer scrapes."""
    if not settings.redis_url:
        logger.error(
            "gemini-clone worker needs REDIS_URL; in the embedded default the API "
            "process runs the replies itself"
        )
        return 2
    if not schema_allows_start(settings):
        return 1
    for warning in startup_warnings(settings):
        logger.warning(warning)
    in_flight = concurrency or settings.worker_concurrency
    if processes <= 1:
        return _worker_process(settings, in_flight, metrics)
    return _supervise(settings, in_flight, processes, metrics)


def _supervise(
    settings: Settings, in_flight: int, processes: int, metrics: MetricsAddress | None
) -> int:
    """A parent that restarts a worker process that dies (with backoff: a
    worker must outlive what killed its sibling, not give up with it), and
    answers scrapes with the sum of its children's metrics."""
    with shared_metrics_dir() as child_exited:
        if metrics is not None and not start_metrics_server(settings, metrics, None):
            return 1
        supervisor = Supervisor(
            _worker_process,
            (settings, in_flight, None),
            count=processes,
            name="worker",
            fail_fast=False,
            on_exit=child_exited,
        )
        return supervisor.run()


def _worker_process(settings: Settings, in_flight: int, metrics: MetricsAddress | None) -> int:
    configure_logging(log_options(settings))
    instruments = WorkerInstruments(settings)
    if metrics is not None and not start_metrics_server(
        settings, metrics, instruments.metrics.registry
    ):
        return 1
    run_on_fast_loop(_serve_replies(settings, in_flight, instruments))
    return 0


async def _serve_replies(
    settings: Settings, in_flight: int, instruments: WorkerInstruments
) -> None:
    container = bootstrap(settings, model=instruments.model)
    container.on_close(instruments.model.aclose)
    async with container:
        queue = container.resolve(TaskiqReplyQueue)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        receiver = Receiver(
            queue.broker,
            max_async_tasks=in_flight,
            ack_type=AcknowledgeType.WHEN_SAVED,
            # A reply in flight may take its deadline, then ride out a
            # database outage for its final write.
            wait_tasks_timeout=settings.reply_deadline_seconds + settings.reply_write_patience + 5,
            propagate_exceptions=False,
            run_startup=False,  # consuming_replies starts the broker
        )
        async with (
            consuming_replies(
                container, worker=True, capacity=in_flight, runner=instruments.runner(container)
            ),
            sweeping(container, settings.sweep_interval),
            heartbeating(
                container.resolve(WorkerRegistry),  # type: ignore[type-abstract]
                container.resolve(Clock),  # type: ignore[type-abstract]
                lambda: queue.in_flight,
                settings.worker_heartbeat_interval,
            ) as me,
        ):
            logger.info(
                "worker ready (id %s, pid %d): %d replies in flight at most",
                me.id,
                me.pid,
                in_flight,
            )
            await receiver.listen(stop)
        logger.info("worker stopped")


def check_workers(settings: Settings) -> int:
    """``worker --check``: 0 and the live workers listed on stdout when any
    is alive; 1 with the reason on stderr when none is (or Redis cannot be
    asked); 2 when the deployment has no separate workers."""
    if not settings.redis_url:
        print(
            "gemini-clone: no REDIS_URL: the embedded default answers prompts in the API "
            "process itself; there are no separate workers to check",
            file=sys.stderr,
        )
        return 2

    async def ask() -> list[WorkerInfo]:
        async with bootstrap(settings) as container:
            registry = container.resolve(WorkerRegistry)  # type: ignore[type-abstract]
            return await registry.alive()

    try:
        workers = asyncio.run(ask())
    except ServiceUnavailable as exc:
        print(f"gemini-clone: cannot ask Redis which workers are alive: {exc}", file=sys.stderr)
        return 1
    if not workers:
        ttl = settings.worker_heartbeat_interval * BEATS_PER_TTL
        print(
            f"gemini-clone: no reply worker is alive (none has sent a heartbeat in the "
            f"last {ttl:g} s); prompts wait in the queue until one starts",
            file=sys.stderr,
        )
        return 1
    for worker in workers:
        print(describe(worker))
    return 0
