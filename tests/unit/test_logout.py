"""POST /auth/logout: every token of the account stops working at once, the
one sent and the others, and a new login works."""

from __future__ import annotations

from tests.support.api import ApiClient, assert_error, login


async def test_logging_out_ends_every_session_of_the_account(client: ApiClient) -> None:
    phone = "+919800000042"
    here, elsewhere = await login(client, phone), await login(client, phone)
    other_user = await login(client, "+919800000043")

    response = await client.post("/auth/logout", headers=here)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["message"].startswith("logged out")

    for headers in (here, elsewhere):
        assert_error(await client.get("/user/me", headers=headers), 401, "unauthorized")
    assert (await client.get("/user/me", headers=other_user)).status_code == 200
    again = await login(client, phone)
    assert (await client.get("/user/me", headers=again)).status_code == 200


async def test_logging_out_needs_a_valid_token(client: ApiClient) -> None:
    assert_error(await client.post("/auth/logout"), 401, "unauthorized")
    headers = await login(client, "+919800000044")
    assert (await client.post("/auth/logout", headers=headers)).status_code == 200
    assert_error(await client.post("/auth/logout", headers=headers), 401, "unauthorized")
