"""`gemini-clone worker`: processes that read the reply stream and run replies."""

from __future__ import annotations

import asyncio
import logging
import signal

from taskiq.acks import AcknowledgeType
from taskiq.receiver import Receiver

from adapters.taskiq import TaskiqReplyQueue
from entrypoints.bootstrap import bootstrap
from entrypoints.reply_pipeline import consuming_replies, sweeping
from entrypoints.settings import Settings, startup_warnings
from entrypoints.supervisor import Supervisor

logger = logging.getLogger("gemini_clone.worker")


def run_worker(settings: Settings, *, concurrency: int | None, processes: int) -> int:
    """Run ``processes`` worker processes with ``concurrency`` replies in
    flight each. SIGTERM or SIGINT stops taking new replies and waits for
    those in flight (up to a reply's deadline); what is left unacknowledged
    is redelivered to another worker."""
    if not settings.redis_url:
        logger.error(
            "gemini-clone worker needs REDIS_URL; in the embedded default the API "
            "process runs the replies itself"
        )
        return 2
    for warning in startup_warnings(settings):
        logger.warning(warning)
    in_flight = concurrency or settings.worker_concurrency
    if processes <= 1:
        return _worker_process(settings, in_flight)
    return _supervise(settings, in_flight, processes)


def _supervise(settings: Settings, in_flight: int, processes: int) -> int:
    """A parent that restarts a worker process that dies (with backoff: a
    worker must outlive what killed its sibling, not give up with it)."""
    supervisor = Supervisor(
        _worker_process, (settings, in_flight), count=processes, name="worker", fail_fast=False
    )
    return supervisor.run()


def _worker_process(settings: Settings, in_flight: int) -> int:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(_serve_replies(settings, in_flight))
    return 0


async def _serve_replies(settings: Settings, in_flight: int) -> None:
    async with bootstrap(settings) as container:
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
            consuming_replies(container, worker=True),
            sweeping(container, settings.sweep_interval),
        ):
            logger.info("worker ready: %d replies in flight at most", in_flight)
            await receiver.listen(stop)
        logger.info("worker stopped")
