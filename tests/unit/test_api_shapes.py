"""One shape per resource: a room is the same object from every route that
returns one, and so is a message, and the wrappers are the documented ones."""

from __future__ import annotations

import json
import uuid
from typing import Any

from entrypoints.http.event_frames import event_payload
from gemini_core.ports import MessageEvent, MessageEventType
from gemini_core.services import ChatService
from tests.support.api import ApiClient, login


def keys(value: dict[str, Any]) -> set[str]:
    return set(value)


async def test_a_room_and_a_message_have_one_shape_everywhere(client: ApiClient) -> None:
    headers = await login(client)
    created = (await client.post("/chatroom", json={"name": "a"}, headers=headers)).json()
    assert keys(created["data"]) == {"chatroom"}
    room = created["data"]["chatroom"]
    room_keys = keys(room)
    room_id = room["id"]
    renamed = (
        await client.patch(f"/chatroom/{room_id}", json={"name": "b"}, headers=headers)
    ).json()
    assert keys(renamed["data"]) == {"chatroom"}
    sent = await client.post(
        f"/chatroom/{room_id}/message", json={"content": "hi"}, headers=headers
    )
    assert sent.status_code == 202, sent.text
    prompt = sent.json()["data"]
    assert keys(prompt) == {"message", "reply"}
    listed = (await client.get("/chatroom", headers=headers)).json()
    assert keys(listed) == {"success", "data", "meta"} and "next_cursor" in listed["meta"]
    detail = (await client.get(f"/chatroom/{room_id}", headers=headers)).json()["data"]
    assert keys(detail) == {"chatroom", "messages"}
    history = (await client.get(f"/chatroom/{room_id}/messages", headers=headers)).json()
    assert "next_cursor" in history["meta"]

    rooms = [renamed["data"]["chatroom"], *listed["data"], detail["chatroom"]]
    assert rooms and all(keys(r) == room_keys for r in rooms), rooms
    message_keys = keys(prompt["message"])
    messages = [prompt["reply"], *detail["messages"], *history["data"]]
    assert len(messages) >= 3 and all(keys(m) == message_keys for m in messages), messages
    # The event stream's data is that same message object.
    chat = client.container.resolve(ChatService)
    owner = uuid.UUID((await client.get("/user/me", headers=headers)).json()["data"]["user"]["id"])
    _, stored = await chat.get_room(owner, uuid.UUID(room_id))
    kind = next(iter(MessageEventType))
    event = MessageEvent(
        type=kind, chatroom_id=stored[0].chatroom_id, message_id=stored[0].id, message=stored[0]
    )
    assert keys(json.loads(event_payload(event))) == message_keys
