"""The reply queue over a Taskiq task (in-memory or Redis stream broker)."""

from __future__ import annotations

import uuid
from typing import Any, Protocol


class _Kickable(Protocol):
    async def kiq(self, *args: Any, **kwargs: Any) -> Any: ...


class TaskiqReplyQueue:
    """Enqueues ``generate_reply(reply_id)`` on whichever broker the task
    belongs to; the broker decides where and when it runs."""

    def __init__(self, task: _Kickable) -> None:
        self._task = task

    async def enqueue(self, reply_id: uuid.UUID) -> None:
        await self._task.kiq(str(reply_id))
