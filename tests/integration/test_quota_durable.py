"""The daily quota is counted in PostgreSQL, in the prompt's own
transaction: exact under concurrency across API processes, and untouched by
whatever happens to Redis (stopped, restarted empty, paused while a reply
fails). A throwaway ``redis-server`` takes the faults; the shared one is
never touched."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import text

from adapters.redis.outage import OPEN_SECONDS
from adapters.sqlalchemy import create_engine
from entrypoints.settings import Settings
from gemini_core.ports import UnitOfWorkFactory
from gemini_core.services import ReplyFailer, ReplyService
from tests.integration.conftest import TEST_JWT_SECRET, SettingsFactory
from tests.support.api import ApiClient, assert_error, login, make_settings, running_app
from tests.support.fakes import RecordingQueue, ScriptedModel, cheap_hasher
from tests.support.throwaway_redis import ThrowawayRedis

pytestmark = pytest.mark.integration

OVERRIDES: dict[str, Any] = {"hasher": cheap_hasher(), "model": ScriptedModel()}


@pytest.fixture
def throwaway_settings(
    tmp_path: Path, migrated_database: str, throwaway_redis: ThrowawayRedis
) -> Settings:
    return make_settings(
        tmp_path,
        DATABASE_URL=migrated_database,
        REDIS_URL=throwaway_redis.url,
        REDIS_PREFIX="quota:",
        JWT_SECRET=TEST_JWT_SECRET,
    )


async def new_room(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post("/chatroom", json={"name": "quota"}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["chatroom"]["id"])


async def send(client: httpx.AsyncClient, headers: dict[str, str], room: str) -> httpx.Response:
    return await client.post(f"/chatroom/{room}/message", json={"content": "q"}, headers=headers)


async def used_in_database(database_url: str) -> list[tuple[int, int]]:
    """Every (used, stored prompts) pair: the row of each user and day, and
    the prompts that user stored."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT d.used, (SELECT count(*) FROM messages m"
                    " WHERE m.user_id = d.user_id AND m.role = 'user') FROM daily_usage d"
                )
            )
            return [(int(used), int(prompts)) for used, prompts in rows]
    finally:
        await engine.dispose()


async def used_today(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    status = await client.get("/subscription/status", headers=headers)
    assert status.status_code == 200, status.text
    return int(status.json()["data"]["usage"]["used_today"])


async def redis_answers_again(client: httpx.AsyncClient) -> None:
    """Wait until the app uses Redis again: readiness passes, the circuit
    breaker's open window is over, and a code (kept in Redis) is issued."""
    for _ in range(100):
        if (await client.get("/health/ready")).status_code == 200:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(OPEN_SECONDS)
    sent = await client.post("/auth/send-otp", json={"mobile_number": "+14155550111"})
    assert sent.status_code == 200, sent.text


async def test_thirty_concurrent_prompts_over_two_processes_accept_exactly_five(
    production_settings: SettingsFactory,
    redis_client: aioredis.Redis,
    redis_prefix: str,
) -> None:
    settings = production_settings()
    async with running_app(settings, **OVERRIDES) as a, running_app(settings, **OVERRIDES) as b:
        headers = await login(a)
        room = await new_room(a, headers)

        responses = await asyncio.gather(
            *(send(client, headers, room) for client in (a, b) for _ in range(15))
        )

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [202] * 5 + [429] * 25, [r.text for r in responses]
        accepted = [r for r in responses if r.status_code == 202]
        assert sorted(r.headers["RateLimit-Remaining"] for r in accepted) == list("01234")
        for refused in (r for r in responses if r.status_code == 429):
            details = assert_error(refused, 429, "quota_exceeded")["error"]["details"]
            assert (details["limit"], details["used"]) == (5, 5)
        assert await used_today(b, headers) == 5

    assert await used_in_database(settings.database_url) == [(5, 5)]
    # Redis holds no count of it.
    keys = [key async for key in redis_client.scan_iter(match=f"{redis_prefix}quota*")]
    assert keys == []


@pytest.fixture
async def app_on_throwaway(throwaway_settings: Settings) -> AsyncIterator[ApiClient]:
    async with running_app(throwaway_settings, **OVERRIDES) as client:
        yield client


async def test_with_redis_stopped_the_limit_holds_exactly(
    throwaway_settings: Settings, throwaway_redis: ThrowawayRedis
) -> None:
    # The queue stands apart (as when only the API's Redis pool is
    # exhausted), so that accepted prompts keep their units.
    queue = RecordingQueue()
    async with running_app(throwaway_settings, queue=queue, **OVERRIDES) as client:
        headers = await login(client)
        room = await new_room(client, headers)

        throwaway_redis.stop()
        responses = await asyncio.gather(*(send(client, headers, room) for _ in range(20)))

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [202] * 5 + [429] * 15, [r.text for r in responses]
        assert {r.json()["data"]["reply"]["status"] for r in responses if r.status_code == 202} == {
            "pending"
        }
        assert len(queue.enqueued) == 5
        assert await used_today(client, headers) == 5
    assert await used_in_database(throwaway_settings.database_url) == [(5, 5)]


async def test_a_user_who_used_five_is_refused_after_redis_restarts_empty(
    app_on_throwaway: ApiClient, throwaway_redis: ThrowawayRedis
) -> None:
    client = app_on_throwaway
    headers = await login(client)
    room = await new_room(client, headers)
    for _ in range(5):
        assert (await send(client, headers, room)).status_code == 202

    throwaway_redis.restart()
    await redis_answers_again(client)

    details = assert_error(await send(client, headers, room), 429, "quota_exceeded")["error"][
        "details"
    ]
    assert details["used"] == 5
    assert await used_today(client, headers) == 5


async def test_a_reply_failed_while_redis_is_paused_gives_its_unit_back_once(
    app_on_throwaway: ApiClient, throwaway_redis: ThrowawayRedis
) -> None:
    client = app_on_throwaway
    headers = await login(client)
    room = await new_room(client, headers)
    sent = [await send(client, headers, room) for _ in range(5)]
    reply_id = uuid.UUID(sent[0].json()["data"]["reply"]["id"])
    async with client.container.resolve(UnitOfWorkFactory)() as uow:
        reply = await uow.messages.get(reply_id)
    assert reply is not None

    throwaway_redis.pause()
    try:
        # The worker, the sweep and an enqueue failure race to fail it.
        failer = client.container.resolve(ReplyFailer)
        wins = await asyncio.gather(*(failer.fail(reply, f"path {n}") for n in range(3)))
        # A redelivered task finds it final and leaves it (and the quota) alone.
        await client.container.resolve(ReplyService).generate(reply_id)
    finally:
        throwaway_redis.resume()
    assert sorted(wins) == [False, False, True]

    await redis_answers_again(client)
    assert await used_today(client, headers) == 4
    assert (await send(client, headers, room)).status_code == 202
    assert_error(await send(client, headers, room), 429, "quota_exceeded")
    assert await used_today(client, headers) == 5
