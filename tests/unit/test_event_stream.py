"""The live event stream over real HTTP, with the offline model."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx

from entrypoints.http.app import create_app
from tests.support.api import login, make_settings
from tests.support.fakes import cheap_hasher
from tests.support.server import serving


async def read_events(response: httpx.Response, until: str) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    name = None
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and name is not None:
            events.append((name, json.loads(line.split(":", 1)[1])))
            if name == until:
                return events
    raise AssertionError(f"stream ended before {until}: {events}")


async def test_a_reply_streams_in_on_the_event_stream(tmp_path: Path) -> None:
    # The real offline model (no GEMINI_API_KEY), as a new user would see it.
    app = create_app(make_settings(tmp_path), hasher=cheap_hasher())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = await login(client)
        room = (await client.post("/chatroom", json={"name": "live"}, headers=headers)).json()[
            "data"
        ]["chatroom"]["id"]
        async with client.stream("GET", f"/chatroom/{room}/events", headers=headers) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            reader = asyncio.create_task(read_events(stream, "message.completed"))
            await asyncio.sleep(0.05)  # the subscription is live once headers arrived
            sent = await client.post(
                f"/chatroom/{room}/message", json={"content": "Tell me a joke"}, headers=headers
            )
            assert sent.status_code == 202
            events = await asyncio.wait_for(reader, 10)
        names = [name for name, _ in events]
        assert names[:2] == ["message.created", "message.created"]
        assert names.count("message.delta") >= 2
        assert names[-1] == "message.completed"
        reply_id = sent.json()["data"]["reply"]["id"]
        deltas = "".join(d["text"] for n, d in events if n == "message.delta")
        final = events[-1][1]
        assert final["id"] == reply_id and final["status"] == "completed"
        assert final["content"] == deltas and "offline" in final["content"].lower()
        messages = (await client.get(f"/chatroom/{room}/messages", headers=headers)).json()
        assert messages["data"][-1]["status"] == "completed"


async def test_the_stream_needs_the_rooms_owner(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), hasher=cheap_hasher())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        owner = await login(client, "+919876543210")
        other = await login(client, "+14155550100")
        room = (await client.post("/chatroom", json={"name": "x"}, headers=owner)).json()["data"][
            "chatroom"
        ]["id"]
        response = await client.get(f"/chatroom/{room}/events", headers=other)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
