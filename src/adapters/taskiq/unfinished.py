"""Reply tasks whose run raised: left in the stream, not acknowledged."""

from __future__ import annotations

import logging
from typing import Any

from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

logger = logging.getLogger("adapters.taskiq.redis_stream")


class UnfinishedRuns(TaskiqMiddleware):
    """Remembers the tasks whose run raised, so that the broker's
    acknowledgement (which Taskiq sends after every run, failed or not)
    leaves them in the stream for another delivery instead of deleting
    them.

    A run raises when the reply is still pending: its final write could
    not reach the database within its patience, the database was away
    when it started, or the worker stopped before it ended. Acknowledged,
    such a reply would wait for the sweep; left unacknowledged and no
    longer renewed, another worker reclaims it once its claim has been
    silent for ``REPLY_REDELIVER_AFTER``. A run that keeps raising is
    bounded by the reply's delivery count.
    """

    def __init__(self) -> None:
        super().__init__()
        self._task_ids: set[str] = set()

    def on_error(
        self, message: TaskiqMessage, result: TaskiqResult[Any], exception: BaseException
    ) -> None:
        self._task_ids.add(message.task_id)

    def leave(self, task_id: str, entry_id: str, redeliver_after_ms: int) -> bool:
        """Whether the run of ``task_id`` raised, so that its entry is to
        be left unacknowledged (said once in the log, then forgotten)."""
        if task_id not in self._task_ids:
            return False
        self._task_ids.discard(task_id)
        logger.warning(
            "reply task %s did not finish here; left in the stream for another delivery after %g s",
            entry_id,
            redeliver_after_ms / 1000,
        )
        return True
