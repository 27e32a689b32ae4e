"""How far behind the workers are: the reply stream read directly, for
metrics (synchronous: scrapes are answered from a thread)."""

from __future__ import annotations

import time
from typing import Any

import msgspec
import redis
from redis.exceptions import ResponseError

from adapters.taskiq.redis_stream import consumer_group_of


class StreamBacklog(msgspec.Struct, frozen=True):
    depth: int  # entries in the stream: acknowledged ones are deleted
    pending: int  # handed to a worker, not yet acknowledged
    oldest_age_seconds: float  # age of the oldest entry, 0 when empty


class StreamBacklogReader:
    """Reads the backlog of one reply stream, XLEN, XPENDING and the oldest
    entry's id (its time) in one round trip."""

    def __init__(self, url: str, stream: str) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._stream = stream
        self._group = consumer_group_of(stream)

    def __call__(self) -> StreamBacklog:
        pipe = self._client.pipeline(transaction=False)
        pipe.xlen(self._stream)
        pipe.xpending(self._stream, self._group)
        pipe.xrange(self._stream, count=1)
        length, pending, first = pipe.execute(raise_on_error=False)
        for result in (length, first):
            if isinstance(result, Exception):
                raise result
        return StreamBacklog(
            depth=int(length),
            pending=_pending_count(pending),
            oldest_age_seconds=_age_seconds(first),
        )

    def close(self) -> None:
        self._client.close()


def _pending_count(result: Any) -> int:
    if isinstance(result, ResponseError) and "NOGROUP" in str(result):
        return 0  # no worker has started yet: nothing is pending
    if isinstance(result, Exception):
        raise result
    return int(result["pending"])


def _age_seconds(first: Any) -> float:
    if not first:
        return 0.0
    entry_id = first[0][0]
    entry_id = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    created_ms = int(entry_id.split("-", 1)[0])
    return max(0.0, time.time() - created_ms / 1000)
