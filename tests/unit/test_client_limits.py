"""Limits per client address on the unauthenticated auth routes, and which
address a request is taken to come from (X-Forwarded-For only from a trusted
proxy)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from entrypoints.http.client_address import ClientAddresses
from entrypoints.settings import SettingsError, load_settings
from tests.support.api import ApiClient, assert_error, make_settings, running_app
from tests.support.fakes import FakeClock, cheap_hasher

# Documentation ranges (RFC 5737): addresses in the ASGI scope, no traffic.
ONE = "203.0.113.10"
OTHER = "203.0.113.20"
PROXY = "192.0.2.1"


def numbers(count: int) -> list[str]:
    return [f"+9198765432{i:02d}" for i in range(count)]


def from_address(api: ApiClient, host: str) -> httpx.AsyncClient:
    """A client of the same app whose requests come from ``host``."""
    transport = httpx.ASGITransport(app=api.app, client=(host, 40_000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def client(tmp_path: Path, clock: FakeClock) -> AsyncIterator[ApiClient]:
    """The API with the default limit per client (the test settings turn it off)."""
    settings = make_settings(tmp_path, CLIENT_RATE_LIMIT="20")
    async with running_app(settings, clock=clock, hasher=cheap_hasher()) as api:
        yield api


@pytest.fixture
async def behind_proxy(tmp_path: Path, clock: FakeClock) -> AsyncIterator[ApiClient]:
    trusted = f"{PROXY}, 198.51.100.0/24"
    settings = make_settings(tmp_path, CLIENT_RATE_LIMIT="20", TRUSTED_PROXIES=trusted)
    async with running_app(settings, clock=clock, hasher=cheap_hasher()) as api:
        yield api


async def send_otp(client: httpx.AsyncClient, mobile: str, **headers: str) -> httpx.Response:
    return await client.post("/auth/send-otp", json={"mobile_number": mobile}, headers=headers)


async def test_the_21st_code_from_one_client_is_429_and_another_client_is_served(
    client: ApiClient, clock: FakeClock
) -> None:
    async with from_address(client, ONE) as one, from_address(client, OTHER) as other:
        mobiles = numbers(21)
        for mobile in mobiles[:20]:
            assert (await send_otp(one, mobile)).status_code == 200
        refused = await send_otp(one, mobiles[20])
        body = assert_error(refused, 429, "rate_limited")
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert body["error"]["details"] == {"limit": 20, "window_seconds": 60}
        # forgot-password sends codes too: the same allowance
        forgot = await one.post("/auth/forgot-password", json={"mobile_number": mobiles[20]})
        assert_error(forgot, 429, "rate_limited")
        # another family of routes, and another client, are unaffected
        assert (await send_otp(other, mobiles[20])).status_code == 200
        login = await one.post(
            "/auth/login", json={"mobile_number": mobiles[0], "password": "no such password"}
        )
        assert_error(login, 401, "invalid_credentials")
        clock.advance(61)
        assert (await send_otp(one, numbers(22)[21])).status_code == 200


def body(path: str, mobile: str) -> dict[str, str]:
    extra = {
        "/auth/verify-otp": {"otp": "000000"},
        "/auth/reset-password": {"otp": "000000", "new_password": "some new password"},
        "/auth/login": {"password": "not the password"},
    }.get(path, {})
    return {"mobile_number": mobile, **extra}


# Routes that share one allowance per client. Each request names another
# number, so the limits per number never answer first.
FAMILIES = {
    "signup": ["/auth/signup"],
    "sending codes": ["/auth/send-otp", "/auth/forgot-password"],
    "checking codes": ["/auth/verify-otp", "/auth/reset-password"],
    "login": ["/auth/login"],
}


@pytest.mark.parametrize("family", FAMILIES)
async def test_each_family_of_auth_routes_is_limited(client: ApiClient, family: str) -> None:
    routes = FAMILIES[family]
    mobiles = numbers(20 + len(routes))
    async with from_address(client, ONE) as one:
        for index, mobile in enumerate(mobiles[:20]):
            path = routes[index % len(routes)]
            assert (await one.post(path, json=body(path, mobile))).status_code != 429, path
        for path, mobile in zip(routes, mobiles[20:], strict=True):
            assert_error(await one.post(path, json=body(path, mobile)), 429, "rate_limited")
        # the authenticated and operational routes are not limited per client
        for _ in range(25):
            assert (await one.get("/health")).status_code == 200


async def test_forwarded_for_is_ignored_from_an_untrusted_peer(client: ApiClient) -> None:
    async with from_address(client, ONE) as one:
        for index, mobile in enumerate(numbers(20)):
            forged = {"X-Forwarded-For": f"198.51.100.{index}"}
            assert (await send_otp(one, mobile, **forged)).status_code == 200
        refused = await send_otp(one, numbers(21)[20], **{"X-Forwarded-For": "198.51.100.99"})
        assert_error(refused, 429, "rate_limited")


async def test_forwarded_for_names_the_client_behind_a_trusted_proxy(
    behind_proxy: ApiClient,
) -> None:
    mobiles = numbers(22)
    async with from_address(behind_proxy, PROXY) as proxy:
        # each forwarded client has its own allowance
        for index, mobile in enumerate(mobiles):
            response = await send_otp(
                proxy, mobile, **{"X-Forwarded-For": f"203.0.113.{100 + index}"}
            )
            assert response.status_code == 200
        # the right-most untrusted hop is the client: what it forged to the
        # left, and the trusted hops to the right, change nothing
        for index, mobile in enumerate(mobiles[:20]):
            chain = f"198.18.{index}.1, {OTHER}, 198.51.100.7"
            assert (await send_otp(proxy, mobile, **{"X-Forwarded-For": chain})).status_code == 200
        refused = await send_otp(proxy, mobiles[20], **{"X-Forwarded-For": f"1.2.3.4, {OTHER}"})
        assert_error(refused, 429, "rate_limited")
    # the same client straight to the API draws on the same allowance
    async with from_address(behind_proxy, OTHER) as direct:
        assert_error(await send_otp(direct, mobiles[21]), 429, "rate_limited")


async def test_a_zero_limit_turns_the_client_limit_off(tmp_path: Path, clock: FakeClock) -> None:
    settings = make_settings(tmp_path, CLIENT_RATE_LIMIT="0")
    async with running_app(settings, clock=clock, hasher=cheap_hasher()) as api:
        for mobile in numbers(25):
            assert (await send_otp(api, mobile)).status_code == 200


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.10", [], "203.0.113.10"),
        ("203.0.113.10", ["198.51.100.1"], "203.0.113.10"),  # untrusted peer
        ("192.0.2.1", ["198.51.100.1"], "198.51.100.1"),
        ("192.0.2.1", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
        ("192.0.2.1", ["198.51.100.1, 192.0.2.9"], "198.51.100.1"),  # two trusted hops
        ("192.0.2.1", ["198.51.100.1", "192.0.2.9"], "198.51.100.1"),  # two headers
        ("192.0.2.1", ["198.51.100.1:5555"], "198.51.100.1"),
        ("192.0.2.1", ["[2001:db8::1]:443"], "2001:db8::/64"),
        ("192.0.2.1", [], "192.0.2.1"),  # no header: the proxy itself
        ("192.0.2.1", ["192.0.2.9"], "192.0.2.9"),  # only trusted hops: the farthest
        ("192.0.2.1", ["6.6.6.6, junk"], "192.0.2.1"),  # garbage: the last hop vouched for
        ("2001:db8:0:1::5", [], "2001:db8:0:1::/64"),  # one IPv6 client is its /64
        ("::ffff:203.0.113.10", [], "203.0.113.10"),
        (None, [], "unknown"),
    ],
)
def test_the_client_address(peer: str | None, forwarded: list[str], client: str) -> None:
    addresses = ClientAddresses(["192.0.2.0/24"])
    assert addresses.client_of(peer, forwarded) == client


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path: Path) -> None:
    settings = load_settings(
        {"DATA_DIR": str(tmp_path), "TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16"}
    )
    assert settings.trusted_proxies == ("10.0.0.1/32", "10.1.0.0/16")
    assert load_settings({"DATA_DIR": str(tmp_path)}).trusted_proxies == ()
    with pytest.raises(SettingsError, match="^TRUSTED_PROXIES:.*'proxy.internal'"):
        load_settings({"DATA_DIR": str(tmp_path), "TRUSTED_PROXIES": "10.0.0.1,proxy.internal"})
