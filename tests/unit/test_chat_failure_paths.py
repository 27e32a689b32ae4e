"""What the chat pipeline does when a part of it fails or time passes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gemini_core.ports import ChatroomPage
from tests.support.api import login, make_settings, running_app
from tests.support.fakes import FakeClock, ScriptedModel, cheap_hasher


class BrokenCache:
    async def lookup(self, user_id: uuid.UUID, page_key: str) -> tuple[int, ChatroomPage | None]:
        raise ConnectionError("cache down")

    async def store(self, *args: object) -> None:
        raise ConnectionError("cache down")

    async def invalidate(self, user_id: uuid.UUID) -> None:
        raise ConnectionError("cache down")


class BrokenQueue:
    async def enqueue(self, reply_id: uuid.UUID) -> None:
        raise ConnectionError("queue down")

    async def holding(self, reply_ids: object) -> set[uuid.UUID]:
        raise ConnectionError("queue down")


@pytest.fixture
async def broken_client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(
        make_settings(tmp_path),
        hasher=cheap_hasher(),
        model=ScriptedModel(),
        list_cache=BrokenCache(),
        queue=BrokenQueue(),
    ) as client:
        yield client


async def test_a_failing_cache_falls_back_to_the_database(
    broken_client: httpx.AsyncClient,
) -> None:
    headers = await login(broken_client)
    created = await broken_client.post("/chatroom", json={"name": "still here"}, headers=headers)
    assert created.status_code == 201
    listed = await broken_client.get("/chatroom", headers=headers)
    assert listed.status_code == 200
    assert listed.headers["X-Cache"] == "MISS"
    assert [r["name"] for r in listed.json()["data"]] == ["still here"]


async def test_a_failed_enqueue_fails_the_reply_and_gives_the_quota_back(
    broken_client: httpx.AsyncClient,
) -> None:
    headers = await login(broken_client)
    room = (await broken_client.post("/chatroom", json={"name": "r"}, headers=headers)).json()[
        "data"
    ]["chatroom"]["id"]
    sent = await broken_client.post(
        f"/chatroom/{room}/message", json={"content": "hello"}, headers=headers
    )
    assert sent.status_code == 202
    reply = sent.json()["data"]["reply"]
    assert reply["status"] == "failed" and "queued" in reply["error"]
    usage = (await broken_client.get("/subscription/status", headers=headers)).json()["data"]
    assert usage["usage"]["used_today"] == 0
    messages = (await broken_client.get(f"/chatroom/{room}/messages", headers=headers)).json()
    assert [m["status"] for m in messages["data"]] == ["completed", "failed"]


@pytest.mark.parametrize(("seconds", "expected"), [(269, "HIT"), (331, "MISS")])
async def test_the_list_cache_lives_300s_give_or_take_ten_percent(
    client: httpx.AsyncClient, clock: FakeClock, seconds: int, expected: str
) -> None:
    headers = await login(client)
    assert (await client.get("/chatroom", headers=headers)).headers["X-Cache"] == "MISS"
    clock.advance(seconds)
    assert (await client.get("/chatroom", headers=headers)).headers["X-Cache"] == expected
