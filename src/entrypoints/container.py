"""The container the composition root hands out: typed resolution over punq,
and the lifecycle of what it opened (start-up steps, then closing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import punq

T = TypeVar("T")
Step = Callable[[], Awaitable[None]]


class Container:
    """Every adapter and service of one deployment, resolved by type.

    ``async with`` runs the start-up steps (the embedded default migrates its
    SQLite file) and, on the way out, closes what the composition root
    opened (database pools, the Redis client, HTTP clients), newest first.
    """

    def __init__(self, registry: punq.Container) -> None:
        self._registry = registry
        self._resolved: dict[Any, Any] = {}
        self._on_start: list[Step] = []
        self._on_close: list[Step] = []

    def resolve(self, key: type[T]) -> T:
        """The one instance registered for ``key`` (a port or a service)."""
        try:
            return self._resolved[key]  # type: ignore[no-any-return]
        except KeyError:
            instance: T = self._registry.resolve(key)
            self._resolved[key] = instance
            return instance

    def resolve_optional(self, key: type[T]) -> T | None:
        """Like ``resolve``, or None when nothing is registered for ``key``."""
        try:
            return self.resolve(key)
        except punq.MissingDependencyError:
            return None

    def on_start(self, step: Step) -> None:
        self._on_start.append(step)

    def on_close(self, step: Step) -> None:
        self._on_close.append(step)

    async def start(self) -> None:
        for step in self._on_start:
            await step()

    async def aclose(self) -> None:
        steps, self._on_close = self._on_close, []
        for step in reversed(steps):
            await step()

    async def __aenter__(self) -> Self:
        try:
            await self.start()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
