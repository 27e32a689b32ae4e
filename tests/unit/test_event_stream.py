"""The live event stream over real HTTP, with the offline model: the wire
format, resuming with Last-Event-ID, and the end of a stream whose token
stops holding."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from adapters.jwt_tokens import JwtTokenIssuer
from entrypoints.http.app import create_app
from entrypoints.http.event_frames import comment
from gemini_core.services.streams import MAX_EVENT_STREAMS_PER_USER
from tests.support.api import assert_error, login, make_settings
from tests.support.fakes import FakeClock, cheap_hasher
from tests.support.rooms import new_room
from tests.support.server import serving
from tests.support.sse import Frame, FrameReader, events_of

NEW_PASSWORD = "correct horse battery staple"


async def send(client: httpx.AsyncClient, headers: dict[str, str], room: str, text: str) -> str:
    """Send a prompt; the reply's id."""
    sent = await client.post(f"/chatroom/{room}/message", json={"content": text}, headers=headers)
    assert sent.status_code == 202, sent.text
    return str(sent.json()["data"]["reply"]["id"])


async def stored(
    client: httpx.AsyncClient, headers: dict[str, str], room: str, message_id: str
) -> dict:
    """The message as stored, once it is final."""
    for _ in range(200):
        page = (await client.get(f"/chatroom/{room}/messages", headers=headers)).json()["data"]
        message = next(m for m in page if m["id"] == message_id)
        if message["status"] != "pending":
            return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message_id} never became final")


def assert_clean_wire(seen: list[Frame]) -> None:
    """Events carry an id, a name and one JSON data line; everything else is
    a comment (or the reconnection delay), never an empty ``data:``."""
    for frame in seen:
        if frame.event is None:
            assert all(line.startswith((":", "retry:")) for line in frame.lines), frame.lines
        else:
            assert frame.id is not None and frame.data is not None, frame.lines
            assert len(frame.field("data")) == 1, frame.lines
    ids = [int(frame.id) for frame in seen if frame.id is not None]
    assert ids == sorted(set(ids)), ids


async def test_a_reply_streams_in_with_an_id_on_every_event_and_no_empty_data(
    tmp_path: Path,
) -> None:
    # The real offline model (no GEMINI_API_KEY), as a new user would see it.
    app = create_app(make_settings(tmp_path), hasher=cheap_hasher())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = await login(client)
        room = await new_room(client, headers, "live")
        async with client.stream("GET", f"/chatroom/{room}/events", headers=headers) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            reader = asyncio.create_task(FrameReader(stream).until("message.completed"))
            await asyncio.sleep(0.05)  # the subscription is live once headers arrived
            reply_id = await send(client, headers, room, "Tell me a joke")
            seen = await asyncio.wait_for(reader, 10)
        assert_clean_wire(seen)
        assert seen[0].comments == ["connected"]
        events = events_of(seen)
        names = [name for name, _ in events]
        assert names[:2] == ["message.created", "message.created"]
        assert names.count("message.delta") >= 2
        assert names[-1] == "message.completed"
        deltas = "".join(d["text"] for n, d in events if n == "message.delta")
        final = events[-1][1]
        assert final["id"] == reply_id and final["status"] == "completed"
        assert final["content"] == deltas and "offline" in final["content"].lower()
        assert (await stored(client, headers, room, reply_id))["status"] == "completed"


def test_keep_alives_and_endings_are_comments_without_data() -> None:
    assert comment("keep-alive").encode() == b": keep-alive\r\n\r\n"
    assert comment("connected", retry=2000).encode() == b": connected\r\nretry: 2000\r\n\r\n"


async def test_a_resumed_stream_sends_what_was_missed_then_live_events(tmp_path: Path) -> None:
    clock = FakeClock()
    app = create_app(make_settings(tmp_path), clock=clock, hasher=cheap_hasher())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = await login(client)
        room = await new_room(client, headers)
        old_reply = await send(client, headers, room, "long ago")
        await stored(client, headers, room, old_reply)
        clock.advance(600)  # that exchange is long before anything missed below
        events_url = f"/chatroom/{room}/events"
        async with client.stream("GET", events_url, headers=headers) as stream:
            reader = asyncio.create_task(FrameReader(stream).until("message.created"))
            await asyncio.sleep(0.05)
            missed = await send(client, headers, room, "what did I miss?")
            first = await asyncio.wait_for(reader, 10)
        # The client left after the prompt's event; the reply ended meanwhile.
        last_id = first[-1].id
        assert last_id is not None and first[-1].data["role"] == "user"
        final = await stored(client, headers, room, missed)

        resumed = {**headers, "Last-Event-ID": last_id}
        async with client.stream("GET", events_url, headers=resumed) as stream:
            frames = FrameReader(stream)
            caught_up = await asyncio.wait_for(frames.until("message.completed", missed), 10)
            reader = asyncio.create_task(frames.until("message.completed"))
            live = await send(client, headers, room, "and now?")
            after = await asyncio.wait_for(reader, 10)

        assert_clean_wire(caught_up + after)
        assert all(int(frame.id) > int(last_id) for frame in caught_up if frame.id)
        recovered = events_of(caught_up)
        # As stored, but for `versions`: looked up for lists, null in events.
        assert recovered[-1] == ("message.completed", {**final, "versions": None})
        assert old_reply not in {data["id"] for _, data in recovered}
        assert events_of(after)[-1][1]["id"] == live


async def test_a_last_event_id_that_is_no_event_id_is_400(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), hasher=cheap_hasher())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = await login(client)
        room = await new_room(client, headers)
        bad = {**headers, "Last-Event-ID": "yesterday"}
        assert_error(
            await client.get(f"/chatroom/{room}/events", headers=bad), 400, "validation_error"
        )


async def test_a_stream_ends_when_its_password_changes_and_shows_nothing_after(
    tmp_path: Path,
) -> None:
    app = create_app(make_settings(tmp_path), hasher=cheap_hasher())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = await login(client)
        room = await new_room(client, headers)
        async with client.stream("GET", f"/chatroom/{room}/events", headers=headers) as stream:
            reader = asyncio.create_task(FrameReader(stream).to_end())
            await asyncio.sleep(0.05)
            changed = await client.post(
                "/auth/change-password", json={"new_password": NEW_PASSWORD}, headers=headers
            )
            assert changed.status_code == 200, changed.text
            fresh = {"Authorization": f"Bearer {changed.json()['data']['access_token']}"}
            # The owner's next prompt must not reach the old token's stream.
            await send(client, fresh, room, "private")
            seen = await asyncio.wait_for(reader, 15)
        assert events_of(seen) == []
        assert seen[-1].comments == ["closed: unauthorized"]


@pytest.mark.parametrize("ttl", [3])
async def test_a_stream_ends_when_its_token_expires(tmp_path: Path, ttl: int) -> None:
    settings = make_settings(tmp_path)
    tokens = JwtTokenIssuer(settings.jwt_secret, ttl_seconds=ttl)
    app = create_app(settings, hasher=cheap_hasher(), tokens=tokens)
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = await login(client)
        room = await new_room(client, headers)
        async with client.stream("GET", f"/chatroom/{room}/events", headers=headers) as stream:
            assert stream.status_code == 200
            seen = await asyncio.wait_for(FrameReader(stream).to_end(), ttl + 10)
        assert seen[-1].comments == ["closed: unauthorized"]
        expired = await client.get(f"/chatroom/{room}/events", headers=headers)
        assert_error(expired, 401, "unauthorized")


async def test_the_stream_needs_the_rooms_owner(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), hasher=cheap_hasher())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        owner = await login(client, "+919876543210")
        other = await login(client, "+14155550100")
        room = await new_room(client, owner, "x")
        response = await client.get(f"/chatroom/{room}/events", headers=other)
        assert_error(response, 404, "not_found")


async def test_clients_that_hang_up_before_the_first_frame_give_their_places_back(
    tmp_path: Path,
) -> None:
    # Litestar may cancel a stream's body before its generator ever starts
    # (the client is gone at once); the place must come back all the same.
    app = create_app(make_settings(tmp_path), hasher=cheap_hasher())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = await login(client)
        path = f"/chatroom/{await new_room(client, headers)}/events"
        host, port = base.removeprefix("http://").split(":")
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: {headers['Authorization']}\r\n\r\n"
        ).encode()
        for _ in range(MAX_EVENT_STREAMS_PER_USER + 3):
            _reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(request)
            await writer.drain()
            writer.close()  # gone before the server answers
            await writer.wait_closed()

        async def a_stream_opens() -> bool:
            async with client.stream("GET", path, headers=headers) as stream:
                return stream.status_code == 200

        deadline = asyncio.get_running_loop().time() + 10
        while not await a_stream_opens():
            assert asyncio.get_running_loop().time() < deadline, "the places never came back"
            await asyncio.sleep(0.2)
