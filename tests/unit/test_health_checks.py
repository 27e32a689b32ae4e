"""The readiness checks (``HealthCheck``) against services that are down.

Nothing needs to run for these: a PostgreSQL engine and a Redis client point
at a loopback port where nothing listens. The same checks against services
that are up are in tests/integration/test_health_checks.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.redis import RedisHealth
from adapters.redis.client import connect
from adapters.sqlalchemy import DatabaseHealth, create_engine
from entrypoints.bootstrap import bootstrap
from gemini_core.errors import ServiceUnavailable
from gemini_core.services import ReadinessService
from tests.support.api import make_settings
from tests.support.fakes import FakeClock, RecordingQueue, ScriptedModel, cheap_hasher
from tests.support.server import free_port


async def test_database_health_returns_when_the_database_answers(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'up.db'}")
    try:
        await DatabaseHealth(engine).check()
    finally:
        await engine.dispose()


async def test_database_health_is_service_unavailable_when_nothing_listens() -> None:
    engine = create_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/gc", pool_size=1)
    try:
        with pytest.raises(ServiceUnavailable) as raised:
            await DatabaseHealth(engine).check()
    finally:
        await engine.dispose()
    assert raised.value.code == "service_unavailable"
    assert raised.value.__cause__ is not None  # the driver's error, for the logs


async def test_redis_health_is_service_unavailable_when_nothing_listens() -> None:
    client = connect(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(ServiceUnavailable) as raised:
            await RedisHealth(client).check()
    finally:
        await client.aclose()
    assert raised.value.code == "service_unavailable"


async def test_readiness_names_the_service_that_is_down(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    async with bootstrap(
        settings,
        clock=FakeClock(),
        model=ScriptedModel(),
        hasher=cheap_hasher(),
        queue=RecordingQueue(),
    ) as container:
        report = await container.resolve(ReadinessService).report()

    assert report.checks["database"] == "ok"
    assert report.checks["redis"].startswith("unavailable: ")
    assert report.ready is False
