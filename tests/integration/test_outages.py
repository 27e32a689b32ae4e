"""Outages of the backing services, through the API.

Redis: a throwaway ``redis-server`` of the test's own is paused with SIGSTOP
(connections stay open and nothing answers, the hardest case for timeouts),
then resumed with SIGCONT. PostgreSQL: the app points at a port where nothing
listens, and the shared server has the app's connections killed under it.
Every call made during an outage must answer within ``OUTAGE_BOUND`` seconds:
a functional bound that proves the short timeouts, not a benchmark.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from adapters.jwt_tokens import JwtTokenIssuer
from adapters.redis.outage import OPEN_SECONDS
from tests.support.api import assert_error, login, make_settings, running_app
from tests.support.fakes import ScriptedModel, cheap_hasher
from tests.support.throwaway_redis import ThrowawayRedis

pytestmark = pytest.mark.integration

OUTAGE_BOUND = 5.0
JWT_SECRET = "integration-test-secret-of-at-least-32-bytes"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def timed(call: Awaitable[httpx.Response]) -> httpx.Response:
    """The response, after checking it came within the outage bound."""
    started = time.monotonic()
    response = await call
    elapsed = time.monotonic() - started
    assert elapsed < OUTAGE_BOUND, f"took {elapsed:.1f} s: {response.status_code} {response.text}"
    return response


# -- Redis --------------------------------------------------------------------


async def test_a_paused_redis_degrades_and_recovers_without_a_restart(
    tmp_path: Path, migrated_database: str, throwaway_redis: ThrowawayRedis
) -> None:
    settings = make_settings(
        tmp_path,
        DATABASE_URL=migrated_database,
        REDIS_URL=throwaway_redis.url,
        REDIS_PREFIX="outage:",
        JWT_SECRET=JWT_SECRET,
    )
    async with running_app(settings, hasher=cheap_hasher(), model=ScriptedModel()) as client:
        # While Redis is up: a user with a room, today's five prompts, the
        # list cached, and a login code waiting to be verified.
        headers = await login(client)
        created = await client.post("/chatroom", json={"name": "kept"}, headers=headers)
        room = created.json()["data"]["chatroom"]["id"]
        for i in range(5):
            sent = await client.post(
                f"/chatroom/{room}/message", json={"content": f"q{i}"}, headers=headers
            )
            assert sent.status_code == 202, sent.text
        assert (await client.get("/chatroom", headers=headers)).headers["X-Cache"] == "MISS"
        assert (await client.get("/chatroom", headers=headers)).headers["X-Cache"] == "HIT"
        waiting = await client.post("/auth/send-otp", json={"mobile_number": "+14155550100"})
        code = waiting.json()["data"]["otp"]
        fresh = await login(client, "+14155550199")
        fresh_room = (await client.post("/chatroom", json={"name": "f"}, headers=fresh)).json()[
            "data"
        ]["chatroom"]["id"]

        throwaway_redis.pause()
        try:
            listed = await timed(client.get("/chatroom", headers=headers))
            assert listed.status_code == 200, listed.text
            assert listed.headers["X-Cache"] == "MISS"  # from the database
            assert [r["id"] for r in listed.json()["data"]] == [room]

            # The quota is counted in PostgreSQL: the five prompts still count.
            sixth = await timed(
                client.post(f"/chatroom/{room}/message", json={"content": "q5"}, headers=headers)
            )
            body = assert_error(sixth, 429, "quota_exceeded")
            assert body["error"]["details"]["used"] == 5

            # Under the limit, a prompt is stored and answered at once; the
            # queue is in Redis too, so its reply fails and says why.
            accepted = await timed(
                client.post(
                    f"/chatroom/{fresh_room}/message", json={"content": "hi"}, headers=fresh
                )
            )
            assert accepted.status_code == 202, accepted.text
            assert accepted.json()["data"]["reply"]["status"] == "failed"

            # Codes live in Redis: none is issued, none accepted unchecked.
            send = await timed(
                client.post("/auth/send-otp", json={"mobile_number": "+14155550101"})
            )
            assert_error(send, 503, "service_unavailable")
            assert send.headers["Retry-After"]
            verify = await timed(
                client.post("/auth/verify-otp", json={"mobile_number": "+14155550100", "otp": code})
            )
            assert_error(verify, 503, "service_unavailable")

            ready = await timed(client.get("/health/ready"))
            body = assert_error(ready, 503, "service_unavailable")
            assert body["error"]["details"]["checks"]["database"] == "ok"
            assert body["error"]["details"]["checks"]["redis"] != "ok"
        finally:
            throwaway_redis.resume()

        # Back without a restart, once the circuit breaker's open window
        # (which spared every call the socket timeout during the outage) ends.
        assert (await timed(client.get("/health/ready"))).status_code == 200
        await asyncio.sleep(OPEN_SECONDS)
        after = await login(client, "+14155550102")  # send-otp and verify-otp
        assert (await client.get("/user/me", headers=after)).status_code == 200
        refused = await client.post(
            f"/chatroom/{room}/message", json={"content": "q5"}, headers=headers
        )
        assert_error(refused, 429, "quota_exceeded")
        other = await client.post("/chatroom", json={"name": "new"}, headers=headers)
        assert other.status_code == 201
        first = await client.get("/chatroom", headers=headers)
        assert first.headers["X-Cache"] == "MISS"
        assert len(first.json()["data"]) == 2
        second = await client.get("/chatroom", headers=headers)
        assert second.headers["X-Cache"] == "HIT"
        assert second.json()["data"] == first.json()["data"]


# -- PostgreSQL ---------------------------------------------------------------


@pytest.fixture
async def app_without_database(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a PostgreSQL URL where nothing listens, and no Redis."""
    settings = make_settings(
        tmp_path,
        DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x",
        JWT_SECRET=JWT_SECRET,
    )
    async with running_app(settings, hasher=cheap_hasher(), model=ScriptedModel()) as client:
        yield client


async def test_an_unreachable_database_answers_503_not_500(
    app_without_database: httpx.AsyncClient,
) -> None:
    client = app_without_database
    # Codes are kept in process, so one can still be issued...
    sent = await timed(client.post("/auth/send-otp", json={"mobile_number": "+919876543210"}))
    assert sent.status_code == 200, sent.text
    code = sent.json()["data"]["otp"]
    # ...but logging in needs the users table.
    verify = await timed(
        client.post("/auth/verify-otp", json={"mobile_number": "+919876543210", "otp": code})
    )
    assert_error(verify, 503, "service_unavailable")
    assert verify.headers["Retry-After"]

    token = JwtTokenIssuer(JWT_SECRET, ttl_seconds=3600).issue(uuid.uuid4(), 0).access_token
    me = await timed(client.get("/user/me", headers={"Authorization": f"Bearer {token}"}))
    assert_error(me, 503, "service_unavailable")

    ready = await timed(client.get("/health/ready"))
    body = assert_error(ready, 503, "service_unavailable")
    assert body["error"]["details"]["checks"]["database"] != "ok"


async def test_connections_killed_by_the_server_are_replaced(
    tmp_path: Path, migrated_database: str, postgres_admin_url: str
) -> None:
    settings = make_settings(tmp_path, DATABASE_URL=migrated_database, JWT_SECRET=JWT_SECRET)
    database = make_url(migrated_database).database
    async with running_app(settings, hasher=cheap_hasher(), model=ScriptedModel()) as client:
        headers = await login(client)
        # Several pooled connections, all idle in the pool afterwards.
        warm = await asyncio.gather(*[client.get("/user/me", headers=headers) for _ in range(5)])
        assert {r.status_code for r in warm} == {200}

        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchone()
        assert killed is not None and killed[0] >= 1

        again = await asyncio.gather(
            *[timed(client.get("/user/me", headers=headers)) for _ in range(5)]
        )
        assert {r.status_code for r in again} == {200}, [r.text for r in again]
        assert (await client.get("/health/ready")).status_code == 200
