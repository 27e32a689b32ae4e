"""A reply's final write rides out a short database outage
(``REPLY_WRITE_PATIENCE``), and past it leaves the reply pending for the
queue to deliver again: the services as the composition root wires them,
on a unit of work whose final writes find the database away."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest

from adapters.sqlalchemy import SqlUnitOfWork, SqlUnitOfWorkFactory, create_engine, upgrade_schema
from entrypoints.bootstrap import bootstrap
from gemini_core.errors import ModelError, ServiceUnavailable
from gemini_core.model import MessageStatus
from tests.support.api import make_settings
from tests.support.fakes import FakeClock, RecordingQueue, ScriptedModel
from tests.unit.test_reply_service import Harness


class FlakyFinishes:
    """A unit-of-work factory whose next ``failures`` final writes
    (``messages.finish``) find the database unavailable."""

    def __init__(self, inner: SqlUnitOfWorkFactory) -> None:
        self.inner = inner
        self.failures = 0
        self.attempts = 0

    def __call__(self, *, autocommit: bool = False) -> _FlakyUnit:
        return _FlakyUnit(self, self.inner(autocommit=autocommit))


class _FlakyUnit:
    def __init__(self, flaky: FlakyFinishes, inner: SqlUnitOfWork) -> None:
        self._flaky = flaky
        self._inner = inner

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    @property
    def messages(self) -> _FlakyMessages:
        return _FlakyMessages(self._flaky, self._inner.messages)


class _FlakyMessages:
    def __init__(self, flaky: FlakyFinishes, inner: Any) -> None:
        self._flaky = flaky
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def finish(self, *args: Any, **kwargs: Any) -> bool:
        self._flaky.attempts += 1
        if self._flaky.failures:
            self._flaky.failures -= 1
            raise ServiceUnavailable("the database is unavailable")
        return bool(await self._inner.finish(*args, **kwargs))


@contextlib.asynccontextmanager
async def flaky_harness(
    tmp_path: Path, patience: str
) -> AsyncIterator[tuple[Harness, FlakyFinishes]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'flaky.sqlite3'}")
    await upgrade_schema(engine)
    flaky = FlakyFinishes(SqlUnitOfWorkFactory(engine))
    clock = FakeClock()
    settings = make_settings(tmp_path, REPLY_WRITE_PATIENCE=patience)
    try:
        async with bootstrap(
            settings,
            clock=clock,
            model=ScriptedModel("the answer"),
            queue=RecordingQueue(),
            uow=flaky,
        ) as container:
            harness = Harness(container, clock)
            await harness.setup()
            yield harness, flaky
    finally:
        await engine.dispose()


async def test_a_final_write_that_finds_the_database_away_is_tried_again_and_lands(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with flaky_harness(tmp_path, patience="10") as (harness, flaky):
        reply = await harness.prompt()
        flaky.failures = 3
        with caplog.at_level(logging.INFO, logger="gemini_core"):
            await harness.service.generate(reply.id)
        stored = await harness.stored(reply)
        assert stored.status is MessageStatus.COMPLETED and stored.content == "the answer"
        assert stored.deliveries == 1
        assert flaky.attempts == 4
        assert len(harness.model.requests) == 1  # the answer was kept, not asked again
        said = [r.getMessage() for r in caplog.records]
        assert sum("trying again" in line for line in said) == 1, said
        assert any("done after 3 failed tries" in line for line in said), said
        assert any(f"reply {reply.id} completed" in line for line in said), said


async def test_a_final_write_past_its_patience_leaves_the_reply_pending_and_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with flaky_harness(tmp_path, patience="0.5") as (harness, flaky):
        reply = await harness.prompt()
        flaky.failures = 1000
        with (
            caplog.at_level(logging.INFO, logger="gemini_core"),
            pytest.raises(ServiceUnavailable),
        ):
            await harness.service.generate(reply.id)
        assert 2 <= flaky.attempts < 1000
        stored = await harness.stored(reply)
        assert stored.status is MessageStatus.PENDING  # for the queue to deliver again
        assert await harness.used() == 1  # still charged: the reply is not over
        said = [r.getMessage() for r in caplog.records]
        assert any(f"reply {reply.id} interrupted (ServiceUnavailable)" in s for s in said), said

        flaky.failures = 0  # the database is back: the next delivery finishes it
        await harness.service.generate(reply.id)
        stored = await harness.stored(reply)
        assert stored.status is MessageStatus.COMPLETED and stored.deliveries == 2


async def test_failing_a_reply_rides_out_the_outage_too_and_gives_the_quota_back_once(
    tmp_path: Path,
) -> None:
    async with flaky_harness(tmp_path, patience="10") as (harness, flaky):
        reply = await harness.prompt()
        harness.model.error = ModelError("the Gemini daily quota is used up")
        flaky.failures = 2
        await harness.service.generate(reply.id)
        stored = await harness.stored(reply)
        assert stored.status is MessageStatus.FAILED
        assert stored.error == "the Gemini daily quota is used up"
        assert flaky.attempts == 3
        assert await harness.used() == 0
