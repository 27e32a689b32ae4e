"""Floods of concurrent password guesses, for the login limit tests on the
embedded default (tests/unit) and on Redis (tests/integration)."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.api import account_with_password, assert_error
from tests.support.fakes import CountingHasher

MOBILE = "+919876543210"
PASSWORD = "the one right password"
LIMIT = 10  # failed password checks per number in 15 minutes


def wrong(index: int) -> str:
    return f"wrong guess number {index}"


def assert_limited(responses: list[httpx.Response], evaluated: int, refused_code: int) -> None:
    """At most LIMIT guesses were evaluated; every other one was a 429 with
    Retry-After, and the evaluated ones answered ``refused_code``."""
    assert evaluated <= LIMIT, f"{evaluated} guesses were checked against the hash"
    limited = [r for r in responses if r.status_code == 429]
    unexpected = [r.text for r in responses if r.status_code not in (429, refused_code)]
    assert len(limited) == len(responses) - evaluated, (evaluated, len(limited), unexpected)
    for response in limited:
        assert_error(response, 429, "rate_limited")
        assert int(response.headers["Retry-After"]) > 0
    others = [r.status_code for r in responses if r.status_code != 429]
    assert others == [refused_code] * evaluated


async def flood_login(client: httpx.AsyncClient, hasher: CountingHasher, guesses: int) -> None:
    await account_with_password(client, PASSWORD, MOBILE)
    hasher.verifications = 0

    responses = await asyncio.gather(
        *[
            client.post("/auth/login", json={"mobile_number": MOBILE, "password": wrong(i)})
            for i in range(guesses)
        ]
    )

    assert_limited(list(responses), hasher.verifications, 401)
    # The right password, after the flood, is refused too: the limit held.
    right = await client.post("/auth/login", json={"mobile_number": MOBILE, "password": PASSWORD})
    assert_error(right, 429, "rate_limited")


async def flood_change_password(
    client: httpx.AsyncClient, hasher: CountingHasher, guesses: int
) -> None:
    headers = await account_with_password(client, PASSWORD, MOBILE)
    hasher.verifications = 0

    responses = await asyncio.gather(
        *[
            client.post(
                "/auth/change-password",
                json={"current_password": wrong(i), "new_password": "a brand new password"},
                headers=headers,
            )
            for i in range(guesses)
        ]
    )

    assert_limited(list(responses), hasher.verifications, 400)
    right = await client.post("/auth/login", json={"mobile_number": MOBILE, "password": PASSWORD})
    assert_error(right, 429, "rate_limited")
