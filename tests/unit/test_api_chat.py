"""Chatrooms, prompts and replies through the API on the embedded default."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar

from gemini_core.errors import ModelError
from tests.support.api import assert_error, login
from tests.support.fakes import FakeClock, ScriptedModel


async def create_room(client: httpx.AsyncClient, headers: dict[str, str], name: str = "r") -> str:
    response = await client.post("/chatroom", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["chatroom"]["id"])


async def wait_for_reply(
    client: httpx.AsyncClient, headers: dict[str, str], room: str, reply_id: str
) -> dict[str, Any]:
    for _ in range(200):
        response = await client.get(f"/chatroom/{room}/messages", headers=headers)
        for message in response.json()["data"]:
            if message["id"] == reply_id and message["status"] != "pending":
                return dict(message)
        await asyncio.sleep(0.01)
    raise AssertionError("the reply never left pending")


async def test_room_lifecycle(client: httpx.AsyncClient) -> None:
    headers = await login(client)
    room = await create_room(client, headers, "  Trip plans  ")
    got = await client.get(f"/chatroom/{room}", headers=headers)
    assert got.status_code == 200
    data = got.json()["data"]
    assert data["chatroom"]["name"] == "Trip plans" and data["messages"] == []
    assert set(data["chatroom"]) == {
        "id",
        "name",
        "created_at",
        "updated_at",
        "last_message_at",
        "named_by_user",
        "system_instruction",
    }
    assert data["chatroom"]["named_by_user"] is True
    renamed = await client.patch(f"/chatroom/{room}", json={"name": "Holiday"}, headers=headers)
    assert renamed.json()["data"]["chatroom"]["name"] == "Holiday"
    assert (await client.delete(f"/chatroom/{room}", headers=headers)).status_code == 204
    assert_error(await client.get(f"/chatroom/{room}", headers=headers), 404, "not_found")


async def test_prompt_is_answered_asynchronously(
    client: httpx.AsyncClient, model: ScriptedModel
) -> None:
    headers = await login(client)
    room = await create_room(client, headers)
    sent = await client.post(f"/chatroom/{room}/message", json={"content": "Hi?"}, headers=headers)
    assert sent.status_code == 202, sent.text
    data = sent.json()["data"]
    assert data["message"]["role"] == "user" and data["message"]["content"] == "Hi?"
    assert data["reply"]["role"] == "model" and data["reply"]["status"] == "pending"
    assert sent.headers["RateLimit-Limit"] == "5"
    assert sent.headers["RateLimit-Remaining"] == "4"
    assert int(sent.headers["RateLimit-Reset"]) > 0
    reply = await wait_for_reply(client, headers, room, data["reply"]["id"])
    assert reply["status"] == "completed" and reply["content"] == "scripted answer"
    assert reply["completed_at"] is not None
    assert model.requests[0].turns[-1].text == "Hi?"
    detail = (await client.get(f"/chatroom/{room}", headers=headers)).json()["data"]
    assert [m["role"] for m in detail["messages"]] == ["user", "model"]
    assert detail["chatroom"]["last_message_at"] is not None


async def test_the_model_sees_the_history_as_alternating_turns(
    client: httpx.AsyncClient, model: ScriptedModel
) -> None:
    headers = await login(client)
    room = await create_room(client, headers)
    for text in ("first", "second"):
        sent = await client.post(
            f"/chatroom/{room}/message", json={"content": text}, headers=headers
        )
        await wait_for_reply(client, headers, room, sent.json()["data"]["reply"]["id"])
    turns = [(t.role.value, t.text) for t in model.requests[-1].turns]
    assert turns == [("user", "first"), ("model", "scripted answer"), ("user", "second")]
    assert model.requests[-1].system_instruction


async def test_a_failed_reply_says_why_and_gives_the_quota_back(
    client: httpx.AsyncClient, model: ScriptedModel
) -> None:
    model.error = ModelError("Gemini blocked this prompt (reason: SAFETY)")
    headers = await login(client)
    room = await create_room(client, headers)
    sent = await client.post(f"/chatroom/{room}/message", json={"content": "x"}, headers=headers)
    reply = await wait_for_reply(client, headers, room, sent.json()["data"]["reply"]["id"])
    assert reply["status"] == "failed" and "SAFETY" in reply["error"]
    status = (await client.get("/subscription/status", headers=headers)).json()["data"]
    assert status["usage"]["used_today"] == 0


async def test_sixth_prompt_of_the_day_is_refused(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    headers = await login(client)
    room = await create_room(client, headers)
    for _ in range(5):
        ok = await client.post(f"/chatroom/{room}/message", json={"content": "q"}, headers=headers)
        assert ok.status_code == 202
    refused = await client.post(f"/chatroom/{room}/message", json={"content": "q"}, headers=headers)
    body = assert_error(refused, 429, "quota_exceeded")
    assert body["error"]["details"]["limit"] == 5 and body["error"]["details"]["used"] == 5
    assert body["error"]["details"]["resets_at"].startswith("2026-11-25T00:00:00")
    assert refused.headers["Retry-After"] == str(12 * 3600)  # the fake clock is at noon UTC
    assert refused.headers["RateLimit-Remaining"] == "0"
    status = (await client.get("/subscription/status", headers=headers)).json()["data"]
    assert status["tier"] == "basic" and status["usage"]["used_today"] == 5
    assert status["usage"]["daily_limit"] == 5
    clock.advance(12 * 3600)  # midnight UTC: a new day
    again = await client.post(f"/chatroom/{room}/message", json={"content": "q"}, headers=headers)
    assert again.status_code == 202


async def test_twenty_concurrent_prompts_give_five_accepted_and_store_nothing_else(
    client: httpx.AsyncClient, model: ScriptedModel
) -> None:
    model.release.clear()  # hold replies so nothing completes mid-test
    headers = await login(client)
    room = await create_room(client, headers)
    responses = await asyncio.gather(
        *[
            client.post(f"/chatroom/{room}/message", json={"content": f"q{i}"}, headers=headers)
            for i in range(20)
        ]
    )
    assert sorted(r.status_code for r in responses) == [202] * 5 + [429] * 15
    messages = (await client.get(f"/chatroom/{room}/messages?limit=100", headers=headers)).json()[
        "data"
    ]
    assert len(messages) == 10  # five prompts, five replies
    model.release.set()


async def test_list_is_cached_and_invalidated(client: httpx.AsyncClient, clock: FakeClock) -> None:
    headers = await login(client)
    first = await client.get("/chatroom", headers=headers)
    assert first.headers["X-Cache"] == "MISS" and first.json()["data"] == []
    assert (await client.get("/chatroom", headers=headers)).headers["X-Cache"] == "HIT"
    room = await create_room(client, headers, "one")
    after_create = await client.get("/chatroom", headers=headers)
    assert after_create.headers["X-Cache"] == "MISS"
    assert [r["name"] for r in after_create.json()["data"]] == ["one"]
    await client.patch(f"/chatroom/{room}", json={"name": "uno"}, headers=headers)
    assert [r["name"] for r in (await client.get("/chatroom", headers=headers)).json()["data"]] == [
        "uno"
    ]
    other = await create_room(client, headers, "two")
    assert (await client.get("/chatroom", headers=headers)).json()["data"][0]["name"] == "two"
    # a new message moves its room to the front
    clock.advance(1)
    await client.post(f"/chatroom/{room}/message", json={"content": "hi"}, headers=headers)
    listed = (await client.get("/chatroom", headers=headers)).json()["data"]
    assert [r["id"] for r in listed] == [room, other]
    await client.delete(f"/chatroom/{other}", headers=headers)
    assert [r["id"] for r in (await client.get("/chatroom", headers=headers)).json()["data"]] == [
        room
    ]


async def test_list_and_history_paginate(client: httpx.AsyncClient) -> None:
    headers = await login(client)
    rooms = [await create_room(client, headers, f"r{i}") for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(f"/chatroom{query}", headers=headers)).json()
        seen += [r["id"] for r in page["data"]]
        cursor = page["meta"]["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(rooms))
    room = rooms[0]
    for i in range(3):
        await client.post(f"/chatroom/{room}/message", json={"content": f"m{i}"}, headers=headers)
    newest = (await client.get(f"/chatroom/{room}/messages?limit=4", headers=headers)).json()
    contents = [m["content"] for m in newest["data"] if m["role"] == "user"]
    assert contents == ["m1", "m2"]  # oldest first within the page
    older = (
        await client.get(
            f"/chatroom/{room}/messages?limit=4&before={newest['meta']['next_cursor']}",
            headers=headers,
        )
    ).json()
    assert [m["content"] for m in older["data"] if m["role"] == "user"] == ["m0"]
    assert older["meta"]["next_cursor"] is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/chatroom", {"name": ""}),
        ("POST", "/chatroom", {"name": "x" * 101}),
        ("POST", "/chatroom", {"name": "ok", "extra": 1}),
        ("GET", "/chatroom?limit=0", None),
        ("GET", "/chatroom?limit=101", None),
        ("GET", "/chatroom?cursor=not-a-cursor", None),
        ("GET", "/chatroom/not-a-uuid", None),
        ("GET", "/chatroom/{room}/messages?before=nope", None),
        ("POST", "/chatroom/{room}/message", {"content": ""}),
        ("POST", "/chatroom/{room}/message", {"content": "x" * 8001}),
        ("POST", "/chatroom/{room}/message", {"content": "   "}),
        ("PATCH", "/chatroom/{room}", {"name": "   "}),
    ],
)
async def test_bad_input_is_400(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    headers = await login(client)
    room = await create_room(client, headers)
    response = await client.request(method, path.format(room=room), json=body, headers=headers)
    assert_error(response, 400, "validation_error")


def routes_with_path_ids(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        # /schema/{path} is Litestar's OpenAPI pages, not a resource
        if "{" not in route.path or route.path.startswith("/schema"):
            continue
        for method in sorted(getattr(route, "methods", set())):
            if method not in ("HEAD", "OPTIONS"):
                found.append((method, route.path))
    return found


async def test_another_users_room_is_404_on_every_route_with_an_id(
    client: httpx.AsyncClient,
) -> None:
    owner = await login(client, "+919876543210")
    intruder = await login(client, "+14155550100")
    room = await create_room(client, owner)
    bodies = {"PATCH": {"name": "mine now"}, "POST": {"content": "hello"}}
    routes = routes_with_path_ids(client.app)  # type: ignore[attr-defined]
    assert len(routes) >= 6
    for method, template in routes:
        # The room's id first, then (a message's) any id: 404 either way.
        head, _, rest = template.partition("{")
        path = head + room + re.sub(r"\{[^}]+\}", str(uuid.uuid4()), rest.split("}", 1)[1])
        body = {"content": "hello"} if "/message/" in template else bodies.get(method)
        response = await client.request(method, path, json=body, headers=intruder)
        assert_error(response, 404, "not_found")
    # ... and the owner's room is untouched
    assert (await client.get(f"/chatroom/{room}", headers=owner)).status_code == 200
    unknown = str(uuid.uuid4())
    assert_error(await client.get(f"/chatroom/{unknown}", headers=owner), 404, "not_found")


async def test_protected_routes_need_a_token(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/chatroom"),
        ("POST", "/chatroom"),
        ("GET", "/user/me"),
        ("GET", "/subscription/status"),
    ]:
        assert_error(await client.request(method, path, json={}), 401, "unauthorized")
