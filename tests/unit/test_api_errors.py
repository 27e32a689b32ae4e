"""One error envelope for every error, whatever produced it."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from litestar import get

from tests.support.api import ApiClient, assert_error, login


async def test_unknown_route_is_404_envelope(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/no/such/route"), 404, "not_found")


async def test_wrong_method_is_405_envelope(client: httpx.AsyncClient) -> None:
    assert_error(await client.delete("/auth/login"), 405, "method_not_allowed")


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/send-otp",
        content=b'{"mobile_number": ',
        headers={"content-type": "application/json"},
    )
    assert_error(response, 400, "validation_error")


async def test_missing_field_names_the_field(client: httpx.AsyncClient) -> None:
    body = assert_error(await client.post("/auth/send-otp", json={}), 400, "validation_error")
    assert "mobile_number" in str(body["error"]["details"]) + body["error"]["message"]


async def test_unknown_field_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/send-otp", json={"mobile_number": "+919876543210", "admin": True}
    )
    assert_error(response, 400, "validation_error")


async def test_body_over_64_kib_is_413(client: httpx.AsyncClient) -> None:
    big = {"mobile_number": "+919876543210", "name": "x" * (65 * 1024)}
    assert_error(await client.post("/auth/signup", json=big), 413, "payload_too_large")


async def test_unexpected_exception_is_500_without_details(client: httpx.AsyncClient) -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    client.app.register(boom)  # type: ignore[attr-defined]
    response = await client.get("/boom")
    body = assert_error(response, 500, "internal_error")
    assert "secret" not in response.text and "Traceback" not in response.text
    assert body["error"]["details"]["request_id"] == response.headers["X-Request-ID"]


async def test_openapi_document_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/auth/signup", "/auth/verify-otp", "/user/me", "/chatroom", "/health"):
        assert path in paths


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"success": True, "data": {"status": "ok"}}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["data"]["checks"] == {"database": "ok"}


def _secret(client: ApiClient) -> str:
    from entrypoints.settings import Settings

    return client.container.resolve(Settings).jwt_secret


async def _valid_claims(client: httpx.AsyncClient) -> dict[str, object]:
    headers = await login(client)
    token = headers["Authorization"].split()[1]
    return dict(jwt.decode(token, options={"verify_signature": False}))


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "not_bearer",
        "garbage",
        "alg_none",
        "other_alg",
        "wrong_audience",
        "wrong_issuer",
        "missing_version",
        "missing_exp",
        "expired",
        "wrong_secret",
    ],
)
async def test_bad_tokens_are_401(client: httpx.AsyncClient, case: str) -> None:
    claims = await _valid_claims(client)
    secret = _secret(client)
    now = int(time.time())
    headers: dict[str, str] = {}
    token: str | None = None
    if case == "not_bearer":
        headers = {"Authorization": "Basic abc"}
    elif case == "garbage":
        token = "not.a.token"
    elif case == "alg_none":
        token = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
    elif case == "other_alg":
        token = jwt.encode(claims, secret, algorithm="HS512")
    elif case == "wrong_audience":
        token = jwt.encode({**claims, "aud": "someone-else"}, secret, algorithm="HS256")
    elif case == "wrong_issuer":
        token = jwt.encode({**claims, "iss": "evil"}, secret, algorithm="HS256")
    elif case == "missing_version":
        token = jwt.encode({k: v for k, v in claims.items() if k != "ver"}, secret, "HS256")
    elif case == "missing_exp":
        token = jwt.encode({k: v for k, v in claims.items() if k != "exp"}, secret, "HS256")
    elif case == "expired":
        token = jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, secret, "HS256")
    elif case == "wrong_secret":
        token = jwt.encode(claims, "x" * 48, algorithm="HS256")
    if token is not None:
        headers = {"Authorization": f"Bearer {token}"}
    response = await client.get("/user/me", headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_the_valid_token_itself_works(client: httpx.AsyncClient) -> None:
    headers = await login(client)
    assert (await client.get("/user/me", headers=headers)).status_code == 200
