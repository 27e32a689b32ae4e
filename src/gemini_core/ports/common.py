"""Ports every use case shares: time and transactions."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from gemini_core.ports.auth import UserRepository
    from gemini_core.ports.billing import ProcessedEventRepository, SubscriptionRepository
    from gemini_core.ports.chat import ChatroomRepository, MessageRepository
    from gemini_core.ports.quota import DailyUsageRepository
    from gemini_core.ports.search import SearchRepository


class Clock(Protocol):
    """Where the core reads the time, so tests can move it."""

    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        ...


class UnitOfWork(Protocol):
    """One transaction that hands out the repositories.

    Changes are kept only by an explicit ``commit()``; leaving the block
    without it rolls back.
    """

    # Read-only properties, so an adapter may expose its concrete repositories.
    @property
    def users(self) -> UserRepository:
        """The accounts, read and written in this transaction."""
        ...

    @property
    def chatrooms(self) -> ChatroomRepository:
        """The chatrooms, read and written in this transaction."""
        ...

    @property
    def messages(self) -> MessageRepository:
        """The messages, read and written in this transaction."""
        ...

    @property
    def subscriptions(self) -> SubscriptionRepository:
        """The subscription states, read and written in this transaction."""
        ...

    @property
    def processed_events(self) -> ProcessedEventRepository:
        """The applied webhook event ids, recorded in this transaction."""
        ...

    @property
    def daily_usage(self) -> DailyUsageRepository:
        """The daily quota's count, taken and given back in this transaction."""
        ...

    @property
    def search(self) -> SearchRepository:
        """The full-text index of the rooms and messages, read in this transaction."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Keep every change made through this unit, all or none; raises
        (keeping none) when they cannot be kept."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes units of work."""

    def __call__(self, *, autocommit: bool = False) -> UnitOfWork:
        """A new unit of work. ``autocommit=True`` runs each statement as a
        transaction of its own, kept as soon as it runs: no BEGIN, COMMIT or
        ROLLBACK around them (two round trips fewer), and ``commit()`` has
        nothing left to do. For reads, and for a write that is one statement
        (a conditional UPDATE): anything that must be all-or-none across
        statements needs the default."""
        ...


class Lease(Protocol):
    """A named lease that one holder at a time may take, shared by every
    process of a deployment (periodic jobs use it so one process runs a round)."""

    async def acquire(self, name: str, seconds: float) -> bool:
        """Take ``name`` for ``seconds`` if nobody holds it; False when held."""
        ...


class HealthCheck(Protocol):
    """A backing service that readiness asks about."""

    @property
    def name(self) -> str:
        """What is checked, as readiness reports it (``database``, ``redis``)."""
        ...

    async def check(self) -> None:
        """Return when the service answers; raise ``ServiceUnavailable`` when not."""
        ...
