"""Ask again (POST .../message/{reply_id}/regenerate), fix a prompt (PATCH
.../message/{message_id}) and read any version (GET .../message/{id}) on the
embedded default: versions stay readable, lists and the model's history
show the newest only, and each new version counts like a prompt."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from gemini_core.model import Role
from gemini_core.ports import EventBus
from tests.support.api import ApiClient, assert_error, login
from tests.support.fakes import ScriptedModel
from tests.unit.test_api_chat import create_room, wait_for_reply
from tests.unit.test_reply_cancel import used_today


async def exchange(
    client: httpx.AsyncClient, headers: dict[str, str], room: str, text: str = "Hi?"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A prompt and its reply, once final."""
    sent = await client.post(f"/chatroom/{room}/message", json={"content": text}, headers=headers)
    assert sent.status_code == 202, sent.text
    data = sent.json()["data"]
    return data["message"], await wait_for_reply(client, headers, room, data["reply"]["id"])


async def listed(client: httpx.AsyncClient, headers: dict[str, str], room: str) -> list[Any]:
    return list((await client.get(f"/chatroom/{room}/messages", headers=headers)).json()["data"])


async def test_ask_again_keeps_the_old_version_and_shows_the_new_one(
    client: ApiClient, model: ScriptedModel
) -> None:
    headers = await login(client)
    room = await create_room(client, headers)
    model.answer = "first answer"
    prompt, first = await exchange(client, headers, room, "Name a colour")
    events = client.container.resolve(EventBus)
    stream = await events.subscribe(uuid.UUID(room))
    model.answer = "second answer"
    try:
        again = await client.post(
            f"/chatroom/{room}/message/{first['id']}/regenerate", headers=headers
        )
        assert again.status_code == 202, again.text
        event = await stream.next(5)
    finally:
        await stream.close()
    assert again.headers["RateLimit-Limit"] == "5" and again.headers["RateLimit-Remaining"] == "3"
    data = again.json()["data"]
    reply = data["reply"]
    assert data["message"]["id"] == prompt["id"]
    assert reply["status"] == "pending" and reply["reply_to"] == prompt["id"]
    assert reply["versions"] == [first["id"], reply["id"]]
    assert event is not None and event.type == "message.created"
    assert str(event.message_id) == reply["id"]
    second = await wait_for_reply(client, headers, room, reply["id"])
    assert second["content"] == "second answer"
    # The model was asked the prompt alone, not shown the first answer.
    assert [t.text for t in model.requests[-1].turns] == ["Name a colour"]
    messages = await listed(client, headers, room)
    assert [m["id"] for m in messages] == [prompt["id"], reply["id"]]
    assert messages[1]["versions"] == [first["id"], reply["id"]]
    old = await client.get(f"/chatroom/{room}/message/{first['id']}", headers=headers)
    assert old.status_code == 200, old.text
    shown = old.json()["data"]["message"]
    assert shown["content"] == "first answer" and shown["superseded_at"] is not None
    assert shown["versions"] == [first["id"], reply["id"]]
    detail = (await client.get(f"/chatroom/{room}", headers=headers)).json()["data"]
    assert [m["id"] for m in detail["messages"]] == [prompt["id"], reply["id"]]
    # The next prompt's history holds the kept version only.
    model.answer = "third"
    await exchange(client, headers, room, "Another?")
    turns = model.requests[-1].turns
    assert [(t.role, t.text) for t in turns] == [
        (Role.USER, "Name a colour"),
        (Role.MODEL, "second answer"),
        (Role.USER, "Another?"),
    ]
    assert await used_today(client, headers) == 3


async def test_ask_again_refusals(client: ApiClient, model: ScriptedModel) -> None:
    headers = await login(client)
    other = await login(client, "+919876543211")
    room = await create_room(client, headers)
    first_prompt, first = await exchange(client, headers, room, "one")
    _, last = await exchange(client, headers, room, "two")

    def url(message_id: str) -> str:
        return f"/chatroom/{room}/message/{message_id}/regenerate"

    assert_error(await client.post(url(first["id"]), headers=headers), 409, "not_latest")
    assert_error(await client.post(url(first_prompt["id"]), headers=headers), 409, "not_a_reply")
    assert_error(await client.post(url(last["id"]), headers=other), 404, "not_found")
    assert_error(await client.post(url(str(uuid.uuid4())), headers=headers), 404, "not_found")
    assert_error(await client.post(url("nope"), headers=headers), 400, "validation_error")
    model.release.clear()
    pending = await client.post(url(last["id"]), headers=headers)
    assert pending.status_code == 202
    new_id = pending.json()["data"]["reply"]["id"]
    assert_error(await client.post(url(new_id), headers=headers), 409, "reply_pending")
    assert_error(await client.post(url(last["id"]), headers=headers), 409, "reply_pending")
    model.release.set()
    await wait_for_reply(client, headers, room, new_id)
    # Two prompts and one new version counted; the refusals were not.
    assert await used_today(client, headers) == 3


async def test_concurrent_asks_again_never_pass_the_quota(
    client: ApiClient, model: ScriptedModel
) -> None:
    headers = await login(client)
    rooms = [await create_room(client, headers, f"r{i}") for i in range(3)]
    replies = [(await exchange(client, headers, room))[1]["id"] for room in rooms]
    assert await used_today(client, headers) == 3  # 2 of 5 left
    model.release.clear()  # the new versions stay pending: one per reply at most
    answers = await asyncio.gather(
        *(
            client.post(
                f"/chatroom/{rooms[i % 3]}/message/{replies[i % 3]}/regenerate", headers=headers
            )
            for i in range(10)
        )
    )
    accepted = [a for a in answers if a.status_code == 202]
    assert len(accepted) == 2
    assert {a.status_code for a in answers} <= {202, 409, 429}
    assert await used_today(client, headers) == 5
    model.release.set()


async def test_fix_the_last_prompt(client: ApiClient, model: ScriptedModel) -> None:
    headers = await login(client)
    other = await login(client, "+919876543211")
    room = await create_room(client, headers)
    first_prompt, _ = await exchange(client, headers, room, "one")
    prompt, reply = await exchange(client, headers, room, "Waht is 2+2?")
    url = f"/chatroom/{room}/message/{prompt['id']}"
    model.answer = "4"
    fixed = await client.patch(url, json={"content": "What is 2+2?"}, headers=headers)
    assert fixed.status_code == 202, fixed.text
    assert fixed.headers["RateLimit-Remaining"] == "2"
    data = fixed.json()["data"]
    assert data["message"]["content"] == "What is 2+2?" and data["message"]["edited_at"]
    new = await wait_for_reply(client, headers, room, data["reply"]["id"])
    assert new["content"] == "4" and new["versions"] == [reply["id"], new["id"]]
    assert model.requests[-1].turns[-1].text == "What is 2+2?"
    messages = await listed(client, headers, room)
    assert [m["content"] for m in messages] == ["one", "scripted answer", "What is 2+2?", "4"]
    old = (await client.get(f"/chatroom/{room}/message/{reply['id']}", headers=headers)).json()
    assert old["data"]["message"]["superseded_at"] is not None

    body = {"content": "x"}
    earlier = f"/chatroom/{room}/message/{first_prompt['id']}"
    assert_error(await client.patch(earlier, json=body, headers=headers), 409, "not_latest")
    reply_url = f"/chatroom/{room}/message/{new['id']}"
    assert_error(await client.patch(reply_url, json=body, headers=headers), 409, "not_a_prompt")
    assert_error(await client.patch(url, json=body, headers=other), 404, "not_found")
    empty = await client.patch(url, json={"content": "  "}, headers=headers)
    assert_error(empty, 400, "validation_error")
    too_long = await client.patch(url, json={"content": "x" * 8001}, headers=headers)
    assert too_long.status_code in (400, 413)
    model.release.clear()
    pending = await client.patch(url, json={"content": "And 3+3?"}, headers=headers)
    assert pending.status_code == 202
    again = await client.patch(url, json={"content": "And 4+4?"}, headers=headers)
    assert_error(again, 409, "reply_pending")
    model.release.set()
    await wait_for_reply(client, headers, room, pending.json()["data"]["reply"]["id"])
    assert await used_today(client, headers) == 4
