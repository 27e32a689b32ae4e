"""The limit per client holds across API processes: two apps sharing Redis
(and the database) count one client's requests together."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from tests.support.api import ApiClient, assert_error, make_settings, running_app
from tests.support.fakes import cheap_hasher

pytestmark = pytest.mark.integration

JWT_SECRET = "integration-test-secret-of-at-least-32-bytes"


def from_address(api: ApiClient, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=api.app, client=(host, 40_000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_two_api_processes_share_one_allowance_per_client(
    tmp_path: Path,
    migrated_database: str,
    redis_server_url: str,
    redis_prefix: str,
    # Requested for its clean-up: it deletes this test's keys afterwards.
    redis_client: aioredis.Redis,
) -> None:
    settings = make_settings(
        tmp_path,
        DATABASE_URL=migrated_database,
        REDIS_URL=redis_server_url,
        REDIS_PREFIX=redis_prefix,
        JWT_SECRET=JWT_SECRET,
        CLIENT_RATE_LIMIT="20",
    )
    mobiles = [f"+9198765432{i:02d}" for i in range(22)]
    async with (
        running_app(settings, hasher=cheap_hasher()) as first,
        running_app(settings, hasher=cheap_hasher()) as second,
        from_address(first, "203.0.113.10") as via_first,
        from_address(second, "203.0.113.10") as via_second,
        from_address(second, "203.0.113.20") as someone_else,
    ):
        for index, mobile in enumerate(mobiles[:20]):
            api = via_first if index % 2 else via_second
            response = await api.post("/auth/send-otp", json={"mobile_number": mobile})
            assert response.status_code == 200, response.text
        for api in (via_first, via_second):
            refused = await api.post("/auth/send-otp", json={"mobile_number": mobiles[20]})
            assert_error(refused, 429, "rate_limited")
        other = await someone_else.post("/auth/send-otp", json={"mobile_number": mobiles[21]})
        assert other.status_code == 200, other.text
