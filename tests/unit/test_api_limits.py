"""What one user can make the service hold: cached pages, rooms, open streams."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.memory import InMemoryChatroomListCache
from gemini_core.errors import TooManyStreams
from gemini_core.ports import ChatroomListCache
from gemini_core.services import EventStreams, LiveStream
from tests.support.api import ApiClient, assert_error, login, make_settings, running_app
from tests.support.fakes import FakeClock, cheap_hasher
from tests.support.rooms import forged_cursor, new_room, walk_pages


@pytest.fixture
async def limited(tmp_path: Path, clock: FakeClock) -> AsyncIterator[ApiClient]:
    settings = make_settings(tmp_path, MAX_ROOMS_PER_USER="3", MAX_EVENT_STREAMS_PER_USER="2")
    async with running_app(settings, clock=clock, hasher=cheap_hasher()) as client:
        yield client


async def test_forged_cursors_are_refused_and_never_fill_the_cache(client: ApiClient) -> None:
    headers = await login(client)
    rooms = [await new_room(client, headers, f"room {i}") for i in range(5)]
    cache = client.container.resolve(ChatroomListCache)
    assert isinstance(cache, InMemoryChatroomListCache)
    assert (await client.get("/chatroom?limit=2", headers=headers)).headers["X-Cache"] == "MISS"
    assert cache.page_count() == 1

    forged = [
        await client.get(f"/chatroom?cursor={forged_cursor(index)}", headers=headers)
        for index in range(100)
    ]
    assert cache.page_count() == 1
    for response in forged:
        assert_error(response, 400, "validation_error")

    # Cursors the API signed work, and pages after the first are read, not cached.
    for limit in (1, 2, 3):
        assert sorted(await walk_pages(client, headers, limit)) == sorted(rooms)
    assert cache.page_count() == 3  # one first page per page size
    second = (await client.get("/chatroom?limit=2", headers=headers)).json()["meta"]
    following = await client.get(
        f"/chatroom?limit=2&cursor={second['next_cursor']}", headers=headers
    )
    assert following.headers["X-Cache"] == "MISS"


async def test_a_tampered_cursor_is_refused(client: ApiClient) -> None:
    headers = await login(client)
    for i in range(3):
        await new_room(client, headers, f"room {i}")
    cursor = (await client.get("/chatroom?limit=1", headers=headers)).json()["meta"]["next_cursor"]
    payload, _, tag = cursor.partition(".")
    flipped = ("A" if tag[0] != "A" else "B") + tag[1:]
    for bad in (f"{payload}.{flipped}", payload, f"{forged_cursor(0)}.{tag}", "...", "é"):
        response = await client.get("/chatroom", params={"cursor": bad}, headers=headers)
        body = assert_error(response, 400, "validation_error")
        assert body["error"]["details"]["fields"][0]["field"] == "cursor"
    # Another user's cursor is signed by this API: it pages that user's own rooms only.
    other = await login(client, "+14155550100")
    mine = await client.get("/chatroom", params={"cursor": cursor}, headers=other)
    assert mine.status_code == 200 and mine.json()["data"] == []


async def test_rooms_per_user_are_capped(limited: ApiClient) -> None:
    headers = await login(limited)
    rooms = [await new_room(limited, headers) for _ in range(3)]
    refused = await limited.post("/chatroom", json={"name": "one too many"}, headers=headers)
    body = assert_error(refused, 409, "room_limit_reached")
    assert body["error"]["details"] == {"limit": 3}
    assert len((await limited.get("/chatroom", headers=headers)).json()["data"]) == 3
    # Each user has their own allowance; deleting a room frees a place.
    other = await login(limited, "+14155550100")
    await new_room(limited, other)
    assert (await limited.delete(f"/chatroom/{rooms[0]}", headers=headers)).status_code == 204
    await new_room(limited, headers)


async def token_and_room(client: ApiClient) -> tuple[str, uuid.UUID, dict[str, str]]:
    headers = await login(client)
    room = uuid.UUID(await new_room(client, headers))
    return headers["Authorization"].removeprefix("Bearer "), room, headers


async def test_open_event_streams_per_user_are_capped(limited: ApiClient) -> None:
    token, room, headers = await token_and_room(limited)
    streams = limited.container.resolve(EventStreams)
    opened: list[LiveStream] = [await streams.open(token, room) for _ in range(2)]
    with pytest.raises(TooManyStreams):
        await streams.open(token, room)
    refused = await limited.get(f"/chatroom/{room}/events", headers=headers)
    body = assert_error(refused, 429, "too_many_streams")
    assert body["error"]["details"] == {"limit": 2}
    assert refused.headers["Retry-After"]

    await opened[0].close()
    await opened[0].close()  # closing twice frees one place, not two
    opened[0] = await streams.open(token, room)
    with pytest.raises(TooManyStreams):
        await streams.open(token, room)
    for stream in opened:
        await stream.close()
    assert len([await streams.open(token, room) for _ in range(2)]) == 2


async def test_a_process_full_of_streams_answers_503_to_anyone(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = make_settings(tmp_path, MAX_EVENT_STREAMS_PER_PROCESS="2")
    async with running_app(settings, clock=clock, hasher=cheap_hasher()) as client:
        token, room, _ = await token_and_room(client)
        streams = client.container.resolve(EventStreams)
        opened = [await streams.open(token, room) for _ in range(2)]
        other = await login(client, "+14155550100")
        other_room = await new_room(client, other)

        full = await client.get(f"/chatroom/{other_room}/events", headers=other)

        assert_error(full, 503, "stream_capacity_reached")
        assert full.headers["Retry-After"]
        await opened[0].close()
        other_token = other["Authorization"].removeprefix("Bearer ")
        opened[0] = await streams.open(other_token, uuid.UUID(other_room))
        assert streams.open_here == 2
        for stream in opened:
            await stream.close()
        assert streams.open_here == 0
