"""Real services for integration tests.

PostgreSQL and Redis are found at 127.0.0.1 unless ``TEST_POSTGRES_URL`` /
``TEST_REDIS_URL`` say otherwise. When one does not answer the tests that
need it are skipped with the reason, except under ``CI``, where a missing
service is a failure: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import redis.asyncio as aioredis

from adapters.sqlalchemy import create_engine, upgrade_schema
from entrypoints.settings import Settings
from tests.support.api import make_settings
from tests.support.throwaway_redis import ThrowawayRedis

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
# Integration tests use this Redis db and a unique key prefix per test.
REDIS_TEST_DB = int(os.environ.get("TEST_REDIS_DB", "9"))


def _unavailable(what: str, error: Exception) -> None:
    reason = f"{what} is not reachable ({error}); start it or set the TEST_* URL"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so a missing service is a failure: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            pass
    except Exception as error:
        _unavailable("PostgreSQL", error)
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_database(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty database for one test; dropped afterwards.

    Yields a SQLAlchemy URL (``postgresql+psycopg://...``).
    """
    name = f"gc_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_admin_url.rsplit("/", 1)[0]
    try:
        yield base.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    url = f"{REDIS_URL}/{REDIS_TEST_DB}"
    try:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as error:
        _unavailable("Redis", error)
    return url


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of this test's own, so tests never see each other's keys."""
    return f"gctest:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis_client(redis_server_url: str, redis_prefix: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_server_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        yield client
    finally:
        keys = [key async for key in client.scan_iter(match=f"{redis_prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
async def migrated_database(postgres_database: str) -> str:
    """A fresh database with the schema made by the migrations (the app does
    not migrate PostgreSQL at start-up: `gemini-clone migrate` does)."""
    engine = create_engine(postgres_database, pool_size=1)
    try:
        await upgrade_schema(engine)
    finally:
        await engine.dispose()
    return postgres_database


@pytest.fixture
def throwaway_redis(redis_server_url: str) -> Iterator[ThrowawayRedis]:
    """A redis-server of this test's own, to pause, restart or stop at will;
    the shared one is never touched (``redis_server_url`` only makes CI
    insist on Redis)."""
    server = ThrowawayRedis()
    try:
        server.start()
    except FileNotFoundError as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and redis-server is not on PATH: {error}")
        pytest.skip(f"redis-server is not on PATH: {error}")
    try:
        yield server
    finally:
        server.stop()


TEST_JWT_SECRET = "integration-test-secret-of-at-least-32-bytes"
SettingsFactory = Callable[..., Settings]


@pytest.fixture
def production_settings(
    tmp_path: Path,
    migrated_database: str,
    redis_server_url: str,
    redis_prefix: str,
    # Requested for its clean-up: it deletes this test's keys afterwards.
    redis_client: aioredis.Redis,
) -> SettingsFactory:
    """Settings of an app on this test's migrated PostgreSQL database and its
    own Redis key prefix; keyword arguments add variables or override them."""

    def make(**env: str) -> Settings:
        return make_settings(
            tmp_path,
            DATABASE_URL=migrated_database,
            REDIS_URL=redis_server_url,
            REDIS_PREFIX=redis_prefix,
            JWT_SECRET=TEST_JWT_SECRET,
            **env,
        )

    return make
