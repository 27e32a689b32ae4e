"""Redis being unreachable is an outage the core knows how to handle
(``ServiceUnavailable``), not a bug: translate it at the adapter's edge."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from gemini_core.errors import ServiceUnavailable

P = ParamSpec("P")
R = TypeVar("R")


def unavailable_on_outage(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise ServiceUnavailable("Redis is unavailable") from exc

    return wrapper
