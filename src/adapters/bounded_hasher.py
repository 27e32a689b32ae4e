"""A bound on concurrent password hashing, around any ``PasswordHasher``.

An argon2 hash or check takes ~150 ms of CPU in a thread of its own; left
unbounded, a flood of bad logins fills every core and slows every other
request in the process many times over. So at most ``concurrency`` run at
once; at most ``queue`` more callers wait for a slot, each for at most
``wait_seconds``; anyone past that is refused at once with
``ServiceUnavailable`` (503 with ``Retry-After``) rather than queueing
without end.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gemini_core.errors import ServiceUnavailable
from gemini_core.ports import PasswordHasher

T = TypeVar("T")


def default_concurrency() -> int:
    """Half the cores this process may use, at least 1: the rest stay free
    for the event loop and everything else."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 2
    return max(1, cores // 2)


def _busy() -> ServiceUnavailable:
    return ServiceUnavailable("too many password checks are in progress, try again shortly")


class BoundedPasswordHasher:
    """``PasswordHasher`` that lets at most ``concurrency`` calls of ``inner``
    run at once, with a bounded, time-limited wait for the others."""

    def __init__(
        self,
        inner: PasswordHasher,
        *,
        concurrency: int,
        queue: int,
        wait_seconds: float,
    ) -> None:
        if concurrency < 1 or queue < 0 or wait_seconds <= 0:
            raise ValueError("concurrency >= 1, queue >= 0 and wait_seconds > 0 are needed")
        self.inner = inner
        self._slots = asyncio.Semaphore(concurrency)
        self._queue = queue
        self._wait = wait_seconds
        self._waiting = 0

    async def hash(self, password: str) -> str:
        return await self._bounded(lambda: self.inner.hash(password))

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._bounded(lambda: self.inner.verify(password_hash, password))

    def needs_rehash(self, password_hash: str) -> bool:
        return self.inner.needs_rehash(password_hash)

    async def _bounded(self, call: Callable[[], Awaitable[T]]) -> T:
        await self._acquire()
        try:
            return await call()
        finally:
            self._slots.release()

    async def _acquire(self) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # a free slot: taken without waiting
            return
        if self._waiting >= self._queue:
            raise _busy()
        self._waiting += 1
        try:
            async with asyncio.timeout(self._wait):
                await self._slots.acquire()
        except TimeoutError:
            raise _busy() from None
        finally:
            self._waiting -= 1
