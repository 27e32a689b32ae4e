"""The auth endpoints of API.md, through the ASGI app."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from gemini_core.ports import PasswordHasher
from tests.support.api import ApiClient, assert_error, confirmed_signup, login
from tests.support.fakes import FakeClock

MOBILE = "+919876543210"


async def send_otp(client: httpx.AsyncClient, mobile: str = MOBILE) -> str:
    response = await client.post("/auth/send-otp", json={"mobile_number": mobile})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["expires_in"] == 300
    return str(data["otp"])


async def test_signup_then_duplicate_is_mobile_taken(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/auth/signup",
        json={"mobile_number": "+91 98765-43210", "name": "Asha", "password": "correct horse"},
    )
    assert created.status_code == 201, created.text
    user = created.json()["data"]["user"]
    assert user["mobile_number"] == MOBILE  # stored normalized
    assert user["name"] == "Asha"
    assert "password_hash" not in user and "tier" not in user
    code = created.json()["data"]["otp"]
    verified = await client.post("/auth/verify-otp", json={"mobile_number": MOBILE, "otp": code})
    assert verified.status_code == 200, verified.text
    again = await client.post("/auth/signup", json={"mobile_number": MOBILE})
    assert_error(again, 409, "mobile_taken")


async def test_verify_otp_creates_the_account_then_logs_it_in(client: httpx.AsyncClient) -> None:
    first = await client.post(
        "/auth/verify-otp", json={"mobile_number": MOBILE, "otp": await send_otp(client)}
    )
    assert first.status_code == 200, first.text
    data = first.json()["data"]
    assert data["token_type"] == "bearer" and data["expires_in"] == 3600
    second = await client.post(
        "/auth/verify-otp", json={"mobile_number": MOBILE, "otp": await send_otp(client)}
    )
    assert second.json()["data"]["user"]["id"] == data["user"]["id"]
    me = await client.get("/user/me", headers={"Authorization": f"Bearer {data['access_token']}"})
    assert me.status_code == 200
    assert me.json()["data"]["user"]["tier"] == "basic"


async def test_otp_is_single_use(client: httpx.AsyncClient) -> None:
    code = await send_otp(client)
    body = {"mobile_number": MOBILE, "otp": code}
    assert (await client.post("/auth/verify-otp", json=body)).status_code == 200
    assert_error(await client.post("/auth/verify-otp", json=body), 400, "invalid_otp")


async def test_otp_works_at_299s_and_fails_at_301s(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    code = await send_otp(client)
    clock.advance(299)
    ok = await client.post("/auth/verify-otp", json={"mobile_number": MOBILE, "otp": code})
    assert ok.status_code == 200
    code = await send_otp(client)
    clock.advance(301)
    late = await client.post("/auth/verify-otp", json={"mobile_number": MOBILE, "otp": code})
    assert_error(late, 400, "invalid_otp")


async def test_five_wrong_tries_void_the_code(client: httpx.AsyncClient) -> None:
    code = await send_otp(client)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = await client.post(
            "/auth/verify-otp", json={"mobile_number": MOBILE, "otp": wrong}
        )
        assert_error(response, 400, "invalid_otp")
    right = await client.post("/auth/verify-otp", json={"mobile_number": MOBILE, "otp": code})
    assert_error(right, 400, "invalid_otp")


async def test_four_wrong_tries_leave_the_code_usable(client: httpx.AsyncClient) -> None:
    code = await send_otp(client)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        await client.post("/auth/verify-otp", json={"mobile_number": MOBILE, "otp": wrong})
    right = await client.post("/auth/verify-otp", json={"mobile_number": MOBILE, "otp": code})
    assert right.status_code == 200


async def test_a_resend_voids_the_previous_code(client: httpx.AsyncClient) -> None:
    old = await send_otp(client)
    new = await send_otp(client)
    if old != new:
        stale = await client.post("/auth/verify-otp", json={"mobile_number": MOBILE, "otp": old})
        assert_error(stale, 400, "invalid_otp")
    fresh = await client.post("/auth/verify-otp", json={"mobile_number": MOBILE, "otp": new})
    assert fresh.status_code == 200


async def test_sixth_send_in_ten_minutes_is_429_with_retry_after(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    for _ in range(5):
        await send_otp(client)
    refused = await client.post("/auth/send-otp", json={"mobile_number": MOBILE})
    assert_error(refused, 429, "rate_limited")
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    # forgot-password draws on the same allowance, so it cannot bypass it
    assert_error(
        await client.post("/auth/forgot-password", json={"mobile_number": MOBILE}),
        429,
        "rate_limited",
    )
    clock.advance(601)
    await send_otp(client)


async def test_ten_concurrent_verifications_of_one_code_give_one_success(
    client: httpx.AsyncClient,
) -> None:
    code = await send_otp(client)
    responses = await asyncio.gather(
        *[
            client.post("/auth/verify-otp", json={"mobile_number": MOBILE, "otp": code})
            for _ in range(10)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * 9


async def test_the_code_is_never_logged(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        code = await send_otp(client)
        await client.post("/auth/verify-otp", json={"mobile_number": MOBILE, "otp": code})
    assert code not in caplog.text


async def test_known_and_unknown_numbers_are_answered_alike(client: httpx.AsyncClient) -> None:
    await client.post("/auth/signup", json={"mobile_number": MOBILE, "password": "a fine password"})
    for path in ("/auth/send-otp", "/auth/forgot-password"):
        known = await client.post(path, json={"mobile_number": MOBILE})
        unknown = await client.post(path, json={"mobile_number": "+14155550100"})
        assert known.status_code == unknown.status_code == 200
        assert known.json()["data"].keys() == unknown.json()["data"].keys()
    wrong = await client.post(
        "/auth/login", json={"mobile_number": MOBILE, "password": "not the password"}
    )
    missing = await client.post(
        "/auth/login", json={"mobile_number": "+14155550100", "password": "not the password"}
    )
    assert wrong.status_code == missing.status_code == 401
    assert wrong.json() == missing.json()


async def test_login_unknown_number_still_spends_a_hash_verification(
    client: ApiClient,
) -> None:
    hasher = client.container.resolve(PasswordHasher)
    calls: list[str] = []
    original = hasher.verify

    async def counting(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return await original(password_hash, password)

    hasher.verify = counting
    response = await client.post(
        "/auth/login", json={"mobile_number": "+14155550100", "password": "whatever it is"}
    )
    assert response.status_code == 401
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


async def test_password_login_and_rules(client: httpx.AsyncClient) -> None:
    too_short = await client.post(
        "/auth/signup", json={"mobile_number": MOBILE, "password": "short"}
    )
    body = assert_error(too_short, 400, "validation_error")
    assert body["error"]["details"]["fields"][0]["field"] == "password"
    common = await client.post(
        "/auth/signup", json={"mobile_number": MOBILE, "password": "Password123"}
    )
    assert_error(common, 400, "validation_error")
    huge = await client.post("/auth/signup", json={"mobile_number": MOBILE, "password": "x" * 1025})
    assert_error(huge, 400, "validation_error")
    long_ok = "a long passphrase " * 4  # 72 characters, no composition rules
    await confirmed_signup(client, MOBILE, password=long_ok)
    logged = await client.post("/auth/login", json={"mobile_number": MOBILE, "password": long_ok})
    assert logged.status_code == 200
    assert logged.json()["data"]["user"]["mobile_number"] == MOBILE


async def test_eleventh_failed_login_in_fifteen_minutes_is_429(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    password = "the right password"
    await confirmed_signup(client, MOBILE, password=password)
    for _ in range(10):
        response = await client.post(
            "/auth/login", json={"mobile_number": MOBILE, "password": "the wrong one!"}
        )
        assert_error(response, 401, "invalid_credentials")
    blocked = await client.post("/auth/login", json={"mobile_number": MOBILE, "password": password})
    assert_error(blocked, 429, "rate_limited")
    assert int(blocked.headers["Retry-After"]) > 0
    clock.advance(15 * 60 + 1)
    ok = await client.post("/auth/login", json={"mobile_number": MOBILE, "password": password})
    assert ok.status_code == 200


async def test_change_password_revokes_older_tokens_at_once(client: httpx.AsyncClient) -> None:
    await confirmed_signup(client, MOBILE, password="first password")
    login_response = await client.post(
        "/auth/login", json={"mobile_number": MOBILE, "password": "first password"}
    )
    old = {"Authorization": f"Bearer {login_response.json()['data']['access_token']}"}
    wrong_current = await client.post(
        "/auth/change-password",
        json={"current_password": "not it at all", "new_password": "second password"},
        headers=old,
    )
    assert_error(wrong_current, 400, "wrong_password")
    changed = await client.post(
        "/auth/change-password",
        json={"current_password": "first password", "new_password": "second password"},
        headers=old,
    )
    assert changed.status_code == 200, changed.text
    new = {"Authorization": f"Bearer {changed.json()['data']['access_token']}"}
    # Same second, older token: refused.
    assert_error(await client.get("/user/me", headers=old), 401, "unauthorized")
    assert (await client.get("/user/me", headers=new)).status_code == 200
    relogin = await client.post(
        "/auth/login", json={"mobile_number": MOBILE, "password": "second password"}
    )
    assert relogin.status_code == 200


async def test_change_password_without_a_current_one_for_otp_accounts(
    client: httpx.AsyncClient,
) -> None:
    headers = await login(client, MOBILE)
    changed = await client.post(
        "/auth/change-password", json={"new_password": "brand new secret"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    logged = await client.post(
        "/auth/login", json={"mobile_number": MOBILE, "password": "brand new secret"}
    )
    assert logged.status_code == 200


async def test_reset_password_flow_revokes_tokens(client: httpx.AsyncClient) -> None:
    await confirmed_signup(client, MOBILE, password="forgotten one")
    token = (
        await client.post(
            "/auth/login", json={"mobile_number": MOBILE, "password": "forgotten one"}
        )
    ).json()["data"]["access_token"]
    code = (await client.post("/auth/forgot-password", json={"mobile_number": MOBILE})).json()[
        "data"
    ]["otp"]
    bad = await client.post(
        "/auth/reset-password",
        json={
            "mobile_number": MOBILE,
            "otp": "999999" if code != "999999" else "000000",
            "new_password": "remembered one",
        },
    )
    assert_error(bad, 400, "invalid_otp")
    reset = await client.post(
        "/auth/reset-password",
        json={"mobile_number": MOBILE, "otp": code, "new_password": "remembered one"},
    )
    assert reset.status_code == 200, reset.text
    assert_error(
        await client.get("/user/me", headers={"Authorization": f"Bearer {token}"}),
        401,
        "unauthorized",
    )
    logged = await client.post(
        "/auth/login", json={"mobile_number": MOBILE, "password": "remembered one"}
    )
    assert logged.status_code == 200
    # a login code cannot be used as a reset code
    login_code = await send_otp(client)
    cross = await client.post(
        "/auth/reset-password",
        json={"mobile_number": MOBILE, "otp": login_code, "new_password": "third password"},
    )
    assert_error(cross, 400, "invalid_otp")


async def test_reset_for_an_unknown_number_resets_nothing(client: httpx.AsyncClient) -> None:
    code = (
        await client.post("/auth/forgot-password", json={"mobile_number": "+14155550100"})
    ).json()["data"]["otp"]
    response = await client.post(
        "/auth/reset-password",
        json={"mobile_number": "+14155550100", "otp": code, "new_password": "some password"},
    )
    assert_error(response, 400, "invalid_otp")


@pytest.mark.parametrize("mobile", ["12345", "+0123456789", "+91abc", "+1234"])
async def test_bad_mobile_numbers_are_400(client: httpx.AsyncClient, mobile: str) -> None:
    response = await client.post("/auth/send-otp", json={"mobile_number": mobile})
    body = assert_error(response, 400, "validation_error")
    assert body["error"]["details"]["fields"][0]["field"] == "mobile_number"
