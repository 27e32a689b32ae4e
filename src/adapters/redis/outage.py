"""Redis being unreachable is an outage the core knows how to handle
(``ServiceUnavailable``), not a bug: translate it at the adapter's edge.

A circuit breaker per client keeps an outage cheap: after a call fails to
reach Redis, calls through the same client fail at once for
``OPEN_SECONDS`` instead of each waiting out its socket timeout (a prompt
touches Redis half a dozen times). Then one call is let through to probe,
and success closes the breaker again.
"""

from __future__ import annotations

import contextlib
import functools
import time
import weakref
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from gemini_core.errors import ServiceUnavailable

P = ParamSpec("P")
R = TypeVar("R")
OPEN_SECONDS = 3.0
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


class CircuitBreaker:
    def __init__(self, open_seconds: float = OPEN_SECONDS) -> None:
        self._open_seconds = open_seconds
        self._open_until = 0.0

    @property
    def is_open(self) -> bool:
        now = time.monotonic()
        if now < self._open_until:
            return True
        if self._open_until:
            # Half-open: let this caller probe; others wait for its verdict.
            self._open_until = now + self._open_seconds
        return False

    def failed(self) -> None:
        self._open_until = time.monotonic() + self._open_seconds

    def succeeded(self) -> None:
        self._open_until = 0.0


_breakers: weakref.WeakKeyDictionary[Any, CircuitBreaker] = weakref.WeakKeyDictionary()


def breaker_for(client: Any) -> CircuitBreaker:
    """The breaker shared by every adapter that uses ``client``."""
    breaker = _breakers.get(client)
    if breaker is None:
        breaker = _breakers[client] = CircuitBreaker()
    return breaker


@contextlib.contextmanager
def outage_as_unavailable(client: Any) -> Iterator[None]:
    """Raise an outage error of the block as ``ServiceUnavailable``, and open
    ``client``'s breaker so that the next calls fail fast."""
    try:
        yield
    except OUTAGE_ERRORS as exc:
        breaker_for(client).failed()
        raise ServiceUnavailable("Redis is unavailable") from exc


class _HasClient(Protocol):
    _client: Any


S = TypeVar("S", bound=_HasClient)


def unavailable_on_outage(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """The adapter method, failing fast while the breaker is open and with
    outage errors raised as ``ServiceUnavailable``."""

    @functools.wraps(method)
    async def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        breaker = breaker_for(self._client)
        if breaker.is_open:
            raise ServiceUnavailable("Redis is unavailable")
        with outage_as_unavailable(self._client):
            result = await method(self, *args, **kwargs)
        breaker.succeeded()
        return result

    return wrapper
