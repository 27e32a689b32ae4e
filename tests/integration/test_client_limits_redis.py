"""The limit per client holds across API processes: two apps sharing Redis
(and the database) count one client's requests together."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import SettingsFactory
from tests.support.api import ApiClient, assert_error, running_app
from tests.support.fakes import cheap_hasher

pytestmark = pytest.mark.integration


def from_address(api: ApiClient, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=api.app, client=(host, 40_000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_two_api_processes_share_one_allowance_per_client(
    production_settings: SettingsFactory,
    redis_prefix: str,
) -> None:
    settings = production_settings(
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
