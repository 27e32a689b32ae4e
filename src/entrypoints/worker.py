"""The Taskiq broker and the reply task: a thin shell around ReplyService."""

from __future__ import annotations

import uuid
from typing import Any

from taskiq import AsyncBroker, Context, InMemoryBroker, TaskiqDepends

from entrypoints.settings import Settings
from gemini_core.services import ReplyService

REPLY_TASK_NAME = "gemini_clone.generate_reply"


async def generate_reply(reply_id: str, context: Context = TaskiqDepends()) -> None:
    service: ReplyService = context.state.reply_service
    await service.generate(uuid.UUID(reply_id))


def make_broker(settings: Settings) -> AsyncBroker:
    """In the embedded default replies run inside the API process."""
    broker = InMemoryBroker(max_async_tasks=settings.worker_concurrency, await_inplace=False)
    return broker


def register_reply_task(broker: AsyncBroker) -> Any:
    return broker.register_task(generate_reply, task_name=REPLY_TASK_NAME)


def run_worker(settings: Settings, *, concurrency: int | None, processes: int) -> int:
    """Separate reply workers need the Redis queue (the production issue)."""
    import logging

    if not settings.redis_url:
        logging.getLogger(__name__).error(
            "gemini-clone worker needs REDIS_URL; in the embedded default the API "
            "process runs the replies itself"
        )
        return 2
    raise NotImplementedError("separate workers arrive with the Redis stream broker")
