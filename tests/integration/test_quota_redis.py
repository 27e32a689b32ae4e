"""Several API processes on the production adapters (PostgreSQL, Redis):
one quota count (PostgreSQL's; exactness and Redis faults are in
test_quota_durable.py), one cached user, one reply stream."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import text

from adapters.sqlalchemy import create_engine
from entrypoints.library import open_production
from entrypoints.settings import Settings
from tests.support.api import assert_error, login, make_settings, running_app
from tests.support.fakes import ScriptedModel, cheap_hasher

pytestmark = pytest.mark.integration

JWT_SECRET = "integration-test-secret-of-at-least-32-bytes"


@pytest.fixture
def settings(
    tmp_path: Path,
    migrated_database: str,
    redis_server_url: str,
    redis_prefix: str,
    # Requested for its clean-up: it deletes this test's keys afterwards.
    redis_client: aioredis.Redis,
) -> Settings:
    return make_settings(
        tmp_path,
        DATABASE_URL=migrated_database,
        REDIS_URL=redis_server_url,
        REDIS_PREFIX=redis_prefix,
        JWT_SECRET=JWT_SECRET,
    )


async def create_room(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post("/chatroom", json={"name": "quota"}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["chatroom"]["id"])


async def user_id(client: httpx.AsyncClient, headers: dict[str, str]) -> uuid.UUID:
    response = await client.get("/user/me", headers=headers)
    assert response.status_code == 200, response.text
    return uuid.UUID(response.json()["data"]["user"]["id"])


async def stored_messages(database_url: str, room: str) -> list[tuple[str, str]]:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT role, status FROM messages WHERE chatroom_id = :room"),
                {"room": uuid.UUID(room)},
            )
            return sorted((str(role), str(status)) for role, status in rows)
    finally:
        await engine.dispose()


async def test_every_api_process_sees_the_same_counter(settings: Settings) -> None:
    async with (
        running_app(settings, hasher=cheap_hasher(), model=ScriptedModel()) as app_a,
        running_app(settings, hasher=cheap_hasher(), model=ScriptedModel()) as app_b,
    ):
        headers = await login(app_a)
        room = await create_room(app_a, headers)
        for i in range(5):
            sent = await app_a.post(
                f"/chatroom/{room}/message", json={"content": f"a{i}"}, headers=headers
            )
            assert sent.status_code == 202, sent.text
        refused = await app_b.post(
            f"/chatroom/{room}/message", json={"content": "b"}, headers=headers
        )
        body = assert_error(refused, 429, "quota_exceeded")
        assert body["error"]["details"]["used"] == 5
        status = await app_b.get("/subscription/status", headers=headers)
        assert status.json()["data"]["usage"]["used_today"] == 5
    rows = await stored_messages(settings.database_url, room)
    assert len(rows) == 10


async def test_a_password_change_in_one_process_revokes_tokens_in_another(
    settings: Settings,
) -> None:
    """Processes share the cached user in Redis: the old token, cached as
    valid by process B, is refused by B right after A changes the password."""
    overrides = {"hasher": cheap_hasher(), "model": ScriptedModel()}
    async with running_app(settings, **overrides) as a, running_app(settings, **overrides) as b:
        old = await login(a)
        assert (await b.get("/user/me", headers=old)).status_code == 200  # B caches it
        assert (await b.get("/user/me", headers=old)).status_code == 200
        changed = await a.post(
            "/auth/change-password", json={"new_password": "a brand new one"}, headers=old
        )
        assert changed.status_code == 200, changed.text
        new = {"Authorization": f"Bearer {changed.json()['data']['access_token']}"}
        assert_error(await b.get("/user/me", headers=old), 401, "unauthorized")
        assert (await b.get("/user/me", headers=new)).status_code == 200


async def test_open_production_queues_prompts_for_the_workers(settings: Settings) -> None:
    """The library's production set-up enqueues on the Redis stream that
    `gemini-clone worker` reads, as the HTTP API does."""
    async with open_production(settings, hasher=cheap_hasher()) as app:
        code = await app.auth.send_otp("+919876543210")
        user = (await app.auth.verify_otp("+919876543210", code.otp or "")).user
        room = await app.chat.create_room(user.id, "r")
        sent = await app.chat.send_prompt(user.id, room.id, "hi")
        assert sent.reply.status.value == "pending"
        client = aioredis.Redis.from_url(settings.redis_url or "")
        try:
            assert await client.xlen(f"{settings.redis_prefix}replies") == 1
        finally:
            await client.aclose()
