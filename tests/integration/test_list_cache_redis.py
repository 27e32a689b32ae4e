"""The room list cache in Redis stays bounded whatever cursors a client sends."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from tests.integration.conftest import SettingsFactory
from tests.support.api import assert_error, login, running_app
from tests.support.fakes import cheap_hasher
from tests.support.rooms import forged_cursor, new_room, walk_pages

pytestmark = pytest.mark.integration


async def test_forged_cursors_add_no_keys(
    production_settings: SettingsFactory,
    redis_prefix: str,
    redis_client: aioredis.Redis,
) -> None:
    settings = production_settings()

    async def cache_keys() -> list[bytes]:
        return [key async for key in redis_client.scan_iter(match=f"{redis_prefix}rooms:*")]

    async with running_app(settings, hasher=cheap_hasher()) as client:
        headers = await login(client)
        rooms = [await new_room(client, headers, f"room {i}") for i in range(5)]
        await client.get("/chatroom?limit=2", headers=headers)
        before = await cache_keys()
        assert len(before) == 2  # the generation and the first page

        forged = [
            await client.get(f"/chatroom?cursor={forged_cursor(index)}", headers=headers)
            for index in range(200)
        ]
        assert sorted(await walk_pages(client, headers, 2)) == sorted(rooms)
        assert sorted(await cache_keys()) == sorted(before)
        for response in forged:
            assert_error(response, 400, "validation_error")
