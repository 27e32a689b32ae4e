"""Rooms created without a name: the placeholder, the model's title after
the first reply (through the queue), the event that announces it, and a
user's name that always wins. Embedded default (SQLite, in-process queue)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from entrypoints.http.app import create_app
from gemini_core.errors import ModelError
from gemini_core.model.chat import PLACEHOLDER_NAME
from gemini_core.ports import DeltaSink, ModelReply, ModelRequest
from gemini_core.services.titles import TITLE_ASK, TITLE_INSTRUCTION, clean_title
from tests.support.api import assert_error, login, make_settings
from tests.support.fakes import FakeClock, ScriptedModel, cheap_hasher
from tests.support.server import serving
from tests.support.sse import FrameReader, events_of

REPLIES_LOGGER = "gemini_core.services.replies"


class TitlingModel(ScriptedModel):
    """A scripted model that answers title requests with ``title``, after
    ``title_gate`` opens (or with ``title_error``)."""

    def __init__(self) -> None:
        super().__init__()
        self.title = "**Title: Goa in December.**"
        self.title_error: ModelError | None = None
        self.title_gate = asyncio.Event()
        self.title_gate.set()
        self.title_asked = asyncio.Event()

    async def generate(self, request: ModelRequest, on_delta: DeltaSink) -> ModelReply:
        if request.task != "title":
            return await super().generate(request, on_delta)
        self.requests.append(request)
        self.title_asked.set()
        await self.title_gate.wait()
        if self.title_error is not None:
            raise self.title_error
        return ModelReply(text=self.title)

    def title_requests(self) -> list[ModelRequest]:
        return [r for r in self.requests if r.task == "title"]


@pytest.fixture
def model() -> TitlingModel:
    return TitlingModel()


async def unnamed_room(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    created = await client.post("/chatroom", json={}, headers=headers)
    assert created.status_code == 201, created.text
    return dict(created.json()["data"]["chatroom"])


async def send(client: httpx.AsyncClient, headers: dict[str, str], room: str, text: str) -> str:
    sent = await client.post(f"/chatroom/{room}/message", json={"content": text}, headers=headers)
    assert sent.status_code == 202, sent.text
    return str(sent.json()["data"]["reply"]["id"])


async def room_of(client: httpx.AsyncClient, headers: dict[str, str], room: str) -> dict[str, Any]:
    return dict((await client.get(f"/chatroom/{room}", headers=headers)).json()["data"]["chatroom"])


async def room_named(
    client: httpx.AsyncClient, headers: dict[str, str], room: str, name: str
) -> dict[str, Any]:
    for _ in range(300):
        got = await room_of(client, headers, room)
        if got["name"] == name:
            return got
        await asyncio.sleep(0.01)
    raise AssertionError(f"room {room} never got the name {name!r}")


async def run_ended(caplog: pytest.LogCaptureFixture, reply_id: str) -> str:
    """The closing log line of the reply's run: the title, if any, came before it."""
    for _ in range(300):
        for record in caplog.records:
            if record.name == REPLIES_LOGGER and record.getMessage().startswith(
                f"reply {reply_id} "
            ):
                return record.getMessage()
        await asyncio.sleep(0.01)
    raise AssertionError(f"the run of reply {reply_id} never ended")


def test_a_title_is_cleaned_like_a_room_name() -> None:
    assert clean_title("**Title: Goa in December.**") == "Goa in December"
    assert clean_title('\n  "Trip\tplans"  \nsecond line') == "Trip plans"
    long = clean_title("word " * 40)
    assert len(long) <= 60 and long.endswith("…") and "\n" not in long
    assert clean_title("  \n ** \n") == ""


async def test_an_unnamed_room_gets_the_models_title_after_its_first_reply(
    client: httpx.AsyncClient, model: TitlingModel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REPLIES_LOGGER)
    headers = await login(client)
    room = await unnamed_room(client, headers)
    assert room["name"] == PLACEHOLDER_NAME and room["named_by_user"] is False
    # A cached list, which the title must not leave stale.
    assert (await client.get("/chatroom", headers=headers)).headers["X-Cache"] == "MISS"
    assert (await client.get("/chatroom", headers=headers)).headers["X-Cache"] == "HIT"
    first = await send(client, headers, room["id"], "Plan three days in Goa")
    titled = await room_named(client, headers, room["id"], "Goa in December")
    assert titled["named_by_user"] is False and titled["updated_at"] >= room["updated_at"]
    listed = await client.get("/chatroom", headers=headers)
    assert listed.headers["X-Cache"] == "MISS"
    assert [r["name"] for r in listed.json()["data"]] == ["Goa in December"]
    asked = model.title_requests()
    assert len(asked) == 1 and asked[0].system_instruction == TITLE_INSTRUCTION
    assert [t.text for t in asked[0].turns] == [
        "Plan three days in Goa",
        "scripted answer",
        TITLE_ASK,
    ]
    assert "completed" in await run_ended(caplog, first)
    # Later replies leave the title alone.
    second = await send(client, headers, room["id"], "And a fourth day?")
    assert "completed" in await run_ended(caplog, second)
    assert len(model.title_requests()) == 1


async def test_a_name_set_while_the_title_is_on_its_way_is_kept(
    client: httpx.AsyncClient, model: TitlingModel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REPLIES_LOGGER)
    headers = await login(client)
    room = (await unnamed_room(client, headers))["id"]
    model.title_gate.clear()
    reply = await send(client, headers, room, "Plan three days in Goa")
    await asyncio.wait_for(model.title_asked.wait(), 10)
    # The reply is stored before the title is asked for.
    page = (await client.get(f"/chatroom/{room}/messages", headers=headers)).json()["data"]
    assert next(m for m in page if m["id"] == reply)["status"] == "completed"
    renamed = await client.patch(f"/chatroom/{room}", json={"name": "Mine"}, headers=headers)
    assert renamed.json()["data"]["chatroom"]["named_by_user"] is True
    model.title_gate.set()
    assert "completed" in await run_ended(caplog, reply)
    got = await room_of(client, headers, room)
    assert (got["name"], got["named_by_user"]) == ("Mine", True)
    listed = (await client.get("/chatroom", headers=headers)).json()["data"]
    assert [r["name"] for r in listed] == ["Mine"]


async def test_a_failed_title_keeps_the_placeholder_and_the_reply(
    client: httpx.AsyncClient, model: TitlingModel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gemini_core")
    model.title_error = ModelError("the model is down")
    headers = await login(client)
    room = (await unnamed_room(client, headers))["id"]
    reply = await send(client, headers, room, "Plan three days in Goa")
    assert "completed" in await run_ended(caplog, reply)
    assert "could not title room" in caplog.text
    assert (await room_of(client, headers, room))["name"] == PLACEHOLDER_NAME
    page = (await client.get(f"/chatroom/{room}/messages", headers=headers)).json()["data"]
    assert next(m for m in page if m["id"] == reply)["content"] == "scripted answer"


async def test_a_named_room_is_never_titled(
    client: httpx.AsyncClient, model: TitlingModel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REPLIES_LOGGER)
    headers = await login(client)
    created = await client.post("/chatroom", json={"name": "Trips"}, headers=headers)
    room = created.json()["data"]["chatroom"]
    assert room["named_by_user"] is True
    reply = await send(client, headers, room["id"], "Plan three days in Goa")
    assert "completed" in await run_ended(caplog, reply)
    assert model.title_requests() == []
    assert (await room_of(client, headers, room["id"]))["name"] == "Trips"


async def test_an_empty_name_is_still_refused(client: httpx.AsyncClient) -> None:
    headers = await login(client)
    for body in ({"name": ""}, {"name": "   "}):
        assert_error(
            await client.post("/chatroom", json=body, headers=headers), 400, "validation_error"
        )
    created = await client.post("/chatroom", json={"name": None}, headers=headers)
    assert created.json()["data"]["chatroom"]["name"] == PLACEHOLDER_NAME


async def test_the_offline_models_title_arrives_on_the_event_stream_and_on_resume(
    tmp_path: Path,
) -> None:
    # The real offline model: titles from the prompt's first words.
    clock = FakeClock()
    app = create_app(make_settings(tmp_path), clock=clock, hasher=cheap_hasher())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = await login(client)
        room = (await unnamed_room(client, headers))["id"]
        clock.advance(1)  # the title comes a moment after the room
        url = f"/chatroom/{room}/events"
        async with client.stream("GET", url, headers=headers) as stream:
            reader = asyncio.create_task(FrameReader(stream).until("room.renamed"))
            await asyncio.sleep(0.05)  # the subscription is live once headers arrived
            reply = await send(client, headers, room, "Plan a three day trip to Goa in December")
            seen = await asyncio.wait_for(reader, 10)
        events = events_of(seen)
        names = [name for name, _ in events]
        assert names.index("message.completed") < names.index("room.renamed")
        renamed = events[-1][1]
        assert renamed["id"] == room and renamed["named_by_user"] is False
        assert renamed["name"] == "Plan a three day trip to…"
        stored = await room_of(client, headers, room)
        assert stored == renamed
        # A client that left after the reply's last event catches the title up.
        completed = next(f for f in seen if f.event == "message.completed")
        assert completed.data["id"] == reply and completed.id is not None
        resumed = {**headers, "Last-Event-ID": completed.id}
        async with client.stream("GET", url, headers=resumed) as stream:
            caught_up = await asyncio.wait_for(FrameReader(stream).until("room.renamed"), 10)
        assert events_of(caught_up)[-1] == ("room.renamed", renamed)
