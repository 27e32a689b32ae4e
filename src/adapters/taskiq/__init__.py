"""Taskiq: the reply queue, its broker and the reply task, kept together.

The API enqueues through ``TaskiqReplyQueue``; ``gemini-clone worker`` (or the
embedded API itself) starts the same queue with the runner the composition
root hands it, and Taskiq runs ``generate_reply`` with it.
"""

from adapters.taskiq.backlog import StreamBacklog, StreamBacklogReader
from adapters.taskiq.queue import TaskiqReplyQueue, in_process_queue, redis_stream_queue
from adapters.taskiq.redis_stream import ReclaimingRedisStreamBroker
from adapters.taskiq.reply_task import REPLY_TASK_NAME, ReplyRunner

__all__ = [
    "REPLY_TASK_NAME",
    "ReclaimingRedisStreamBroker",
    "ReplyRunner",
    "StreamBacklog",
    "StreamBacklogReader",
    "TaskiqReplyQueue",
    "in_process_queue",
    "redis_stream_queue",
]
