"""The Taskiq broker, the reply task (a thin shell around ReplyService), and
the `gemini-clone worker` processes."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import uuid
from typing import Any

from taskiq import AsyncBroker, Context, InMemoryBroker, TaskiqDepends
from taskiq.acks import AcknowledgeType
from taskiq.receiver import Receiver

from adapters.taskiq_redis_broker import ReclaimingRedisStreamBroker
from entrypoints.settings import Settings
from gemini_core.services import ReplyService

logger = logging.getLogger("gemini_clone.worker")

REPLY_TASK_NAME = "gemini_clone.generate_reply"


async def generate_reply(reply_id: str, context: Context = TaskiqDepends()) -> None:
    service: ReplyService = context.state.reply_service
    await service.generate(uuid.UUID(reply_id))


def make_broker(settings: Settings) -> AsyncBroker:
    """The Redis stream broker in production; in the embedded default the
    replies run inside the API process on Taskiq's in-memory broker."""
    if settings.redis_url:
        return ReclaimingRedisStreamBroker(
            settings.redis_url,
            queue_name=f"{settings.redis_prefix}replies",
            redeliver_after=settings.reply_redeliver_after,
            reclaim_interval=settings.reclaim_interval,
            xread_count=min(settings.worker_concurrency, 100),
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
        )
    return InMemoryBroker(max_async_tasks=settings.worker_concurrency, await_inplace=False)


def register_reply_task(broker: AsyncBroker) -> Any:
    return broker.register_task(generate_reply, task_name=REPLY_TASK_NAME)


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
    in_flight = concurrency or settings.worker_concurrency
    if processes <= 1:
        return _worker_process(settings, in_flight)
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_worker_process, args=(settings, in_flight), name=f"worker-{i}")
        for i in range(processes)
    ]
    for child in children:
        child.start()

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()  # SIGTERM: each child drains its replies

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for child in children:
        child.join()
    return max((child.exitcode or 0) for child in children)


def _worker_process(settings: Settings, in_flight: int) -> int:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(_serve_replies(settings, in_flight))
    return 0


async def _serve_replies(settings: Settings, in_flight: int) -> None:
    # Imported here: the composition root imports this module for the broker.
    from entrypoints.container import Adapters, build_container, open_adapters, sweep_forever

    async with open_adapters(settings) as adapters:
        container = build_container(settings, adapters)
        resolved: Adapters = container.resolve(Adapters)
        broker = resolved.broker
        broker.is_worker_process = True
        broker.state.reply_service = container.resolve(ReplyService)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        receiver = Receiver(
            broker,
            max_async_tasks=in_flight,
            ack_type=AcknowledgeType.WHEN_SAVED,
            wait_tasks_timeout=settings.reply_deadline_seconds + 5,
            propagate_exceptions=False,
        )
        sweep = asyncio.create_task(sweep_forever(settings, container))
        logger.info("worker ready: %d replies in flight at most", in_flight)
        try:
            await receiver.listen(stop)
        finally:
            sweep.cancel()
            await asyncio.gather(sweep, return_exceptions=True)
            await broker.shutdown()
        logger.info("worker stopped")
