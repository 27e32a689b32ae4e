"""`gemini-clone worker`: processes that read the reply stream and run replies."""

from __future__ import annotations

import asyncio
import logging
import signal

from taskiq.acks import AcknowledgeType
from taskiq.receiver import Receiver

from adapters.taskiq import TaskiqReplyQueue
from entrypoints.bootstrap import bootstrap
from entrypoints.logging_setup import configure_logging, log_options
from entrypoints.metrics_dir import shared_metrics_dir
from entrypoints.reply_pipeline import consuming_replies, sweeping
from entrypoints.settings import Settings
from entrypoints.supervisor import Supervisor
from entrypoints.worker_metrics import MetricsAddress, WorkerInstruments, start_metrics_server

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
    asyncio.run(_serve_replies(settings, in_flight, instruments))
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
            wait_tasks_timeout=settings.reply_deadline_seconds + 5,
            propagate_exceptions=False,
        )
        async with (
            consuming_replies(container, worker=True, runner=instruments.runner(container)),
            sweeping(container, settings.sweep_interval),
        ):
            logger.info("worker ready: %d replies in flight at most", in_flight)
            await receiver.listen(stop)
        logger.info("worker stopped")
