"""Event streams of real `gemini-clone serve` processes on PostgreSQL and a
throwaway Redis (its CLIENT LIST is the test's alone): what many open
streams cost, the per-user cap across processes, revocation across
processes, resuming on another process, and a Redis restart under streams."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
import redis

from tests.support.api import assert_error, confirmed_signup, login
from tests.support.processes import cli_env, serving_cli, worker_cli
from tests.support.rooms import new_room
from tests.support.server import free_port
from tests.support.sse import FrameReader, events_of
from tests.support.throwaway_redis import ThrowawayRedis

pytestmark = pytest.mark.integration

PREFIX = "served:"
EnvFactory = Callable[..., dict[str, str]]


@pytest.fixture
def env(migrated_database: str, throwaway_redis: ThrowawayRedis) -> EnvFactory:
    def make(**extra: str) -> dict[str, str]:
        return cli_env(
            DATABASE_URL=migrated_database,
            REDIS_URL=throwaway_redis.url,
            REDIS_PREFIX=PREFIX,
            JWT_SECRET="integration-test-secret-of-at-least-32-bytes",
            CLIENT_RATE_LIMIT="0",
            **extra,
        )

    return make


@contextlib.contextmanager
def apis(env: dict[str, str], count: int) -> Iterator[list[str]]:
    """``count`` API processes of one deployment; their base URLs."""
    with contextlib.ExitStack() as stack:
        urls = []
        for _ in range(count):
            port = free_port()
            stack.enter_context(serving_cli(env, port))
            urls.append(f"http://127.0.0.1:{port}")
        yield urls


@contextlib.asynccontextmanager
async def clients(*urls: str) -> AsyncIterator[list[httpx.AsyncClient]]:
    limits = httpx.Limits(max_connections=200)
    async with contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, timeout=10, limits=limits)
            )
            for url in urls
        ]


async def open_stream(
    stack: contextlib.AsyncExitStack,
    client: httpx.AsyncClient,
    room: str,
    headers: dict[str, str],
) -> FrameReader:
    response = await stack.enter_async_context(
        client.stream("GET", f"/chatroom/{room}/events", headers=headers)
    )
    assert response.status_code == 200, await response.aread()
    reader = FrameReader(response)
    assert (await reader.next()) is not None  # ": connected"
    return reader


def client_list(server: ThrowawayRedis) -> list[dict[str, Any]]:
    admin = redis.Redis.from_url(server.url)
    try:
        return [c for c in admin.client_list() if c["cmd"] != "client|list"]
    finally:
        admin.close()


async def test_fifty_streams_of_one_user_hold_one_redis_connection_and_starve_nothing(
    env: EnvFactory, throwaway_redis: ThrowawayRedis
) -> None:
    with apis(env(MAX_EVENT_STREAMS_PER_USER="60"), 1) as [url]:
        async with clients(url) as [api], contextlib.AsyncExitStack() as stack:
            headers = await login(api)
            rooms = [await new_room(api, headers, f"room {i}") for i in range(5)]
            # Kept: a reader dropped would close its response, and the stream.
            readers = [await open_stream(stack, api, rooms[i % 5], headers) for i in range(50)]

            connected = client_list(throwaway_redis)
            subscribed = [c for c in connected if int(c["sub"]) > 0]
            assert len(subscribed) == 1, subscribed
            assert (subscribed[0]["name"], subscribed[0]["sub"]) == (f"{PREFIX}events", "5")
            # The request pool lent no connection to a stream.
            assert len(connected) < 20, connected

            # Everyone else is served meanwhile: codes, logins, readiness.
            await login(api, "+14155550100")
            await confirmed_signup(api, "+14155550101", password=PASSWORD)
            logged = await api.post(
                "/auth/login", json={"mobile_number": "+14155550101", "password": PASSWORD}
            )
            assert logged.status_code == 200, logged.text
            assert (await api.get("/health/ready")).status_code == 200
            assert len(readers) == 50 and not any(reader.ended for reader in readers)


PASSWORD = "correct horse battery staple"


async def test_the_per_user_cap_holds_across_two_api_processes(env: EnvFactory) -> None:
    with apis(env(MAX_EVENT_STREAMS_PER_USER="3"), 2) as urls:
        async with clients(*urls) as [a, b], contextlib.AsyncExitStack() as stack:
            headers = await login(a)
            room = await new_room(a, headers)
            events = f"/chatroom/{room}/events"
            async with contextlib.AsyncExitStack() as first_on_a:
                held = [
                    await open_stream(first_on_a, a, room, headers),
                    await open_stream(stack, a, room, headers),
                    await open_stream(stack, b, room, headers),
                ]

                for client in (b, a):
                    refused = assert_error(
                        await client.get(events, headers=headers), 429, "too_many_streams"
                    )
                    assert refused["error"]["details"] == {"limit": 3}
                assert not any(reader.ended for reader in held)
            # Closing a stream on A frees a place for B.
            await wait_for_place(b, events, headers, stack)


async def wait_for_place(
    client: httpx.AsyncClient,
    events: str,
    headers: dict[str, str],
    stack: contextlib.AsyncExitStack,
) -> None:
    room = events.split("/")[2]
    for _ in range(100):
        with contextlib.suppress(AssertionError):
            await open_stream(stack, client, room, headers)
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the closed stream's place never came free")


async def test_a_password_change_on_one_process_ends_the_stream_on_another(
    env: EnvFactory,
) -> None:
    with apis(env(), 2) as urls:
        async with clients(*urls) as [a, b], contextlib.AsyncExitStack() as stack:
            headers = await login(a)
            room = await new_room(a, headers)
            stream = await open_stream(stack, a, room, headers)
            reader = asyncio.create_task(stream.to_end())

            changed = await b.post(
                "/auth/change-password", json={"new_password": PASSWORD}, headers=headers
            )
            assert changed.status_code == 200, changed.text
            fresh = {"Authorization": f"Bearer {changed.json()['data']['access_token']}"}
            sent = await b.post(
                f"/chatroom/{room}/message", json={"content": "private"}, headers=fresh
            )
            assert sent.status_code == 202, sent.text

            seen = await asyncio.wait_for(reader, 15)
            assert events_of(seen) == []
            assert seen[-1].comments == ["closed: unauthorized"]
            again = await a.get(f"/chatroom/{room}/events", headers=headers)
            assert_error(again, 401, "unauthorized")


async def final_state(
    client: httpx.AsyncClient, headers: dict[str, str], room: str, message: str
) -> dict[str, Any]:
    for _ in range(300):
        page = (await client.get(f"/chatroom/{room}/messages", headers=headers)).json()["data"]
        found = next(m for m in page if m["id"] == message)
        if found["status"] != "pending":
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{message} never became final")


async def test_a_client_that_missed_a_reply_resumes_on_another_process(
    env: EnvFactory,
) -> None:
    deployment = env()
    with apis(deployment, 2) as urls, worker_cli(deployment):
        async with clients(*urls) as [a, b]:
            headers = await login(a)
            room = await new_room(a, headers)
            async with contextlib.AsyncExitStack() as stack:
                stream = await open_stream(stack, a, room, headers)
                sent = await a.post(
                    f"/chatroom/{room}/message", json={"content": "hello"}, headers=headers
                )
                reply = sent.json()["data"]["reply"]["id"]
                seen = await asyncio.wait_for(stream.until("message.created", reply), 10)
            # Gone before the reply ended; it ends while nobody listens.
            last_id = seen[-1].id
            assert last_id is not None
            final = await final_state(a, headers, room, reply)
            assert final["status"] == "completed" and final["content"]

            resumed = {**headers, "Last-Event-ID": last_id}
            async with contextlib.AsyncExitStack() as stack:
                stream = await open_stream(stack, b, room, resumed)
                caught_up = await asyncio.wait_for(stream.until("message.completed", reply), 10)
            # Events carry no version list (README: null in live events).
            assert events_of(caught_up)[-1] == ("message.completed", {**final, "versions": None})
            assert all(int(f.id) > int(last_id) for f in caught_up if f.id is not None)


async def test_streams_under_a_redis_restart_end_and_resume_once_it_is_back(
    env: EnvFactory, throwaway_redis: ThrowawayRedis
) -> None:
    with apis(env(), 1) as [url]:
        async with clients(url) as [api], contextlib.AsyncExitStack() as stack:
            headers = await login(api)
            room = await new_room(api, headers)
            stream = await open_stream(stack, api, room, headers)
            reader = asyncio.create_task(stream.to_end())

            await asyncio.to_thread(throwaway_redis.restart, 1.0)

            seen = await asyncio.wait_for(reader, 30)
            assert seen[-1].comments == ["closed: stream_lost"]
            # The hub is subscribed again by then: the reconnect is served.
            again = await open_stream(stack, api, room, {**headers, "Last-Event-ID": "1"})
            listening = asyncio.create_task(again.until("message.created"))
            sent = await api.post(
                f"/chatroom/{room}/message", json={"content": "still there?"}, headers=headers
            )
            assert sent.status_code == 202, sent.text
            assert (await asyncio.wait_for(listening, 10))[-1].event == "message.created"
