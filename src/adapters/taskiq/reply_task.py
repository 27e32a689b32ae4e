"""The reply task: a thin shell that hands a reply id to whoever runs replies.

The runner is not found through mutable broker state: the queue puts it in
the broker's dependency context when it starts (``TaskiqReplyQueue.start``),
and Taskiq injects it into each run.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from taskiq import TaskiqDepends

REPLY_TASK_NAME = "gemini_clone.generate_reply"


class ReplyRunner(Protocol):
    """What the task calls: the core's ``ReplyService`` satisfies it."""

    async def generate(self, reply_id: uuid.UUID) -> object: ...


async def generate_reply(reply_id: str, runner: ReplyRunner = TaskiqDepends()) -> None:
    await runner.generate(uuid.UUID(reply_id))
