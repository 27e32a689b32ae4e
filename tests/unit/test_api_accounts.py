"""Who may hold a password: a signup's password waits for the number to be
proved, a first password needs a recent code login, and a wrong current
password is a plain 400, not a logout (docs/SECURITY.md, "Accounts")."""

from __future__ import annotations

from typing import Any

import httpx

from gemini_core.ports import UnitOfWorkFactory
from tests.support.api import ApiClient, account_with_password, assert_error, login
from tests.support.fakes import FakeClock

MOBILE = "+919876543210"
OWNER_PASSWORD = "the owner's own secret"
ATTACKER_PASSWORD = "the attacker's secret"


async def signup(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/auth/signup", json={"mobile_number": MOBILE, **fields})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def password_login(client: httpx.AsyncClient, password: str) -> httpx.Response:
    return await client.post("/auth/login", json={"mobile_number": MOBILE, "password": password})


async def verify(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await client.post("/auth/verify-otp", json={"mobile_number": MOBILE, "otp": code})


# -- 1. no working password for a number nobody has verified ----------------


async def test_a_signup_password_does_not_work_before_the_number_is_verified(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/auth/signup", json={"mobile_number": MOBILE, "password": ATTACKER_PASSWORD})

    pending = await password_login(client, ATTACKER_PASSWORD)
    wrong = await password_login(client, "not the password at all")

    assert_error(pending, 401, "invalid_credentials")
    assert pending.json() == wrong.json()


async def test_the_code_sent_at_signup_activates_its_password(client: httpx.AsyncClient) -> None:
    data = await signup(client, name="Asha", password=OWNER_PASSWORD)
    assert data["expires_in"] == 300
    assert data["user"]["name"] == "Asha"

    confirmed = await verify(client, data["otp"])

    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["data"]["user"]["id"] == data["user"]["id"]
    logged = await password_login(client, OWNER_PASSWORD)
    assert logged.status_code == 200, logged.text


async def test_the_owner_s_first_code_login_clears_a_stranger_s_password(
    client: httpx.AsyncClient,
) -> None:
    attacker = await signup(client, password=ATTACKER_PASSWORD)
    # The real owner logs in by a code of their own, not the signup's.
    owner = await login(client, MOBILE)
    room = await client.post("/chatroom", json={"name": "private"}, headers=owner)
    assert room.status_code == 201

    assert_error(await password_login(client, ATTACKER_PASSWORD), 401, "invalid_credentials")
    # Nor does the signup's code, used now, bring that password back.
    assert_error(await verify(client, attacker["otp"]), 400, "invalid_otp")
    assert_error(await password_login(client, ATTACKER_PASSWORD), 401, "invalid_credentials")
    # The account is the owner's: a new signup is refused and changes nothing.
    again = await client.post(
        "/auth/signup", json={"mobile_number": MOBILE, "password": ATTACKER_PASSWORD}
    )
    assert_error(again, 409, "mobile_taken")
    assert_error(await password_login(client, ATTACKER_PASSWORD), 401, "invalid_credentials")


async def test_signup_of_a_verified_number_reveals_and_alters_nothing(
    client: httpx.AsyncClient,
) -> None:
    headers = await account_with_password(client, OWNER_PASSWORD)
    before = (await client.get("/user/me", headers=headers)).json()["data"]["user"]

    refused = await client.post(
        "/auth/signup",
        json={
            "mobile_number": MOBILE,
            "name": "Mallory",
            "email": "mallory@example.com",
            "password": ATTACKER_PASSWORD,
        },
    )

    body = assert_error(refused, 409, "mobile_taken")
    assert "user" not in body["error"] and body["error"].get("details") is None
    assert (await client.get("/user/me", headers=headers)).json()["data"]["user"] == before
    assert (await password_login(client, OWNER_PASSWORD)).status_code == 200
    assert_error(await password_login(client, ATTACKER_PASSWORD), 401, "invalid_credentials")


async def test_no_second_signup_while_the_first_ones_code_lives(
    client: httpx.AsyncClient,
) -> None:
    """The owner signs up; a stranger's signup of the same number right after
    is refused, so the code on the owner's phone confirms the owner's password."""
    owners = await signup(client, name="Owner", password=OWNER_PASSWORD)
    refused = await client.post(
        "/auth/signup", json={"mobile_number": MOBILE, "password": ATTACKER_PASSWORD}
    )
    assert_error(refused, 429, "signup_pending")
    assert 0 < int(refused.headers["Retry-After"]) <= 300

    assert (await verify(client, owners["otp"])).status_code == 200
    assert (await password_login(client, OWNER_PASSWORD)).status_code == 200
    assert_error(await password_login(client, ATTACKER_PASSWORD), 401, "invalid_credentials")


async def test_a_new_signup_replaces_an_expired_pending_one_and_voids_its_code(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    first = await signup(client, name="First", password=ATTACKER_PASSWORD)
    clock.advance(301)
    second = await signup(client, name="Second", password=OWNER_PASSWORD)
    assert second["user"]["id"] == first["user"]["id"]

    if first["otp"] != second["otp"]:
        assert_error(await verify(client, first["otp"]), 400, "invalid_otp")
    confirmed = await verify(client, second["otp"])

    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["data"]["user"]["name"] == "Second"
    assert (await password_login(client, OWNER_PASSWORD)).status_code == 200
    assert_error(await password_login(client, ATTACKER_PASSWORD), 401, "invalid_credentials")


async def test_a_signup_past_the_code_allowance_is_429_and_stores_nothing(
    client: ApiClient,
) -> None:
    for _ in range(5):
        assert (
            await client.post("/auth/send-otp", json={"mobile_number": MOBILE})
        ).status_code == 200

    refused = await client.post(
        "/auth/signup", json={"mobile_number": MOBILE, "password": OWNER_PASSWORD}
    )

    assert_error(refused, 429, "rate_limited")
    assert int(refused.headers["Retry-After"]) > 0
    async with client.container.resolve(UnitOfWorkFactory)() as uow:
        assert await uow.users.get_by_mobile(MOBILE) is None


async def test_a_signup_code_is_no_reset_code(client: httpx.AsyncClient) -> None:
    data = await signup(client, password=ATTACKER_PASSWORD)

    reset = await client.post(
        "/auth/reset-password",
        json={"mobile_number": MOBILE, "otp": data["otp"], "new_password": OWNER_PASSWORD},
    )

    assert_error(reset, 400, "invalid_otp")


async def test_a_reset_code_verifies_the_number_and_drops_the_pending_password(
    client: httpx.AsyncClient,
) -> None:
    await signup(client, password=ATTACKER_PASSWORD)
    sent = await client.post("/auth/forgot-password", json={"mobile_number": MOBILE})
    reset = await client.post(
        "/auth/reset-password",
        json={
            "mobile_number": MOBILE,
            "otp": sent.json()["data"]["otp"],
            "new_password": OWNER_PASSWORD,
        },
    )
    assert reset.status_code == 200, reset.text

    assert (await password_login(client, OWNER_PASSWORD)).status_code == 200
    assert_error(await password_login(client, ATTACKER_PASSWORD), 401, "invalid_credentials")
    again = await client.post(
        "/auth/signup", json={"mobile_number": MOBILE, "password": ATTACKER_PASSWORD}
    )
    assert_error(again, 409, "mobile_taken")


# -- 2. a stolen token is not a lasting credential --------------------------


async def test_a_first_password_needs_a_code_login_of_the_last_ten_minutes(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    stale = await login(client, MOBILE)
    clock.advance(10 * 60 + 1)

    refused = await client.post(
        "/auth/change-password", json={"new_password": ATTACKER_PASSWORD}, headers=stale
    )

    assert_error(refused, 403, "recent_code_login_required")
    assert_error(await password_login(client, ATTACKER_PASSWORD), 401, "invalid_credentials")
    assert (await client.get("/user/me", headers=stale)).status_code == 200  # not a logout
    fresh = await login(client, MOBILE)
    changed = await client.post(
        "/auth/change-password", json={"new_password": OWNER_PASSWORD}, headers=fresh
    )
    assert changed.status_code == 200, changed.text
    assert (await password_login(client, OWNER_PASSWORD)).status_code == 200


# -- 3. a wrong current password is not a logout ----------------------------


async def test_a_wrong_current_password_is_400_and_the_session_lives(
    client: httpx.AsyncClient,
) -> None:
    headers = await account_with_password(client, OWNER_PASSWORD)

    wrong = await client.post(
        "/auth/change-password",
        json={"current_password": "not it at all", "new_password": "a newer secret"},
        headers=headers,
    )

    body = assert_error(wrong, 400, "wrong_password")
    assert body["error"]["details"]["fields"][0]["field"] == "current_password"
    assert "WWW-Authenticate" not in wrong.headers
    assert (await client.get("/user/me", headers=headers)).status_code == 200
    assert (await password_login(client, OWNER_PASSWORD)).status_code == 200


async def test_a_missing_current_password_is_a_validation_error(
    client: httpx.AsyncClient,
) -> None:
    headers = await account_with_password(client, OWNER_PASSWORD)

    missing = await client.post(
        "/auth/change-password", json={"new_password": "a newer secret"}, headers=headers
    )

    body = assert_error(missing, 400, "validation_error")
    assert body["error"]["details"]["fields"][0]["field"] == "current_password"


async def test_wrong_current_passwords_count_as_failed_logins(
    client: httpx.AsyncClient,
) -> None:
    headers = await account_with_password(client, OWNER_PASSWORD)
    for _ in range(10):
        wrong = await client.post(
            "/auth/change-password",
            json={"current_password": "not it at all", "new_password": "a newer secret"},
            headers=headers,
        )
        assert_error(wrong, 400, "wrong_password")

    blocked = await password_login(client, OWNER_PASSWORD)

    assert_error(blocked, 429, "rate_limited")
    assert int(blocked.headers["Retry-After"]) > 0
    also_blocked = await client.post(
        "/auth/change-password",
        json={"current_password": OWNER_PASSWORD, "new_password": "a newer secret"},
        headers=headers,
    )
    assert_error(also_blocked, 429, "rate_limited")
