"""GET /search: the caller's own room names and messages, newest first, in
signed pages, with HTML-safe snippets; bad queries are 400, never 500."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from gemini_core.ids import new_id
from gemini_core.model import Chatroom, Message, MessageStatus, Role
from gemini_core.ports import Clock, UnitOfWorkFactory
from gemini_core.search_text import QUERY_MAX
from tests.support.api import ApiClient, assert_error, login
from tests.support.fakes import ScriptedModel
from tests.unit.test_api_chat import create_room, wait_for_reply
from tests.unit.test_reply_versions import exchange


async def user_id(client: ApiClient, headers: dict[str, str]) -> uuid.UUID:
    me = await client.get("/user/me", headers=headers)
    return uuid.UUID(me.json()["data"]["user"]["id"])


async def store(client: ApiClient, owner: uuid.UUID, name: str, *texts: str) -> Chatroom:
    """A room of ``owner`` named ``name`` with a prompt per text, a second
    apart (stored directly: the daily quota would stop a longer story)."""
    at = client.container.resolve(Clock).now()  # type: ignore[type-abstract]
    room = Chatroom(id=new_id(), user_id=owner, name=name, created_at=at, updated_at=at)
    messages = [
        Message(
            id=new_id(),
            chatroom_id=room.id,
            user_id=owner,
            role=Role.USER if i % 2 == 0 else Role.MODEL,
            content=text,
            status=MessageStatus.COMPLETED,
            created_at=at + timedelta(seconds=i + 1),
        )
        for i, text in enumerate(texts)
    ]
    async with client.container.resolve(UnitOfWorkFactory)() as uow:  # type: ignore[type-abstract]
        await uow.chatrooms.add(room)
        if messages:
            await uow.messages.add(*messages)
        await uow.commit()
    return room


@pytest.fixture
async def asha(client: ApiClient) -> dict[str, str]:
    return await login(client, "+919876543210")


async def test_finds_names_and_messages_newest_first(
    client: ApiClient, asha: dict[str, str]
) -> None:
    room = await store(
        client, await user_id(client, asha), "Trip to Goa", "Plan Goa", "Goa <b>is</b> sunny"
    )
    found = await client.get("/search", params={"q": "GOA"}, headers=asha)
    assert found.status_code == 200, found.text
    hits = found.json()["data"]
    assert [(h["kind"], h["role"]) for h in hits] == [
        ("message", "model"),
        ("message", "user"),
        ("chatroom", None),
    ]
    assert {h["chatroom_id"] for h in hits} == {str(room.id)}
    assert hits[0]["snippet"] == "<mark>Goa</mark> &lt;b&gt;is&lt;/b&gt; sunny"
    assert hits[2]["snippet"] == "Trip to <mark>Goa</mark>" and hits[2]["message_id"] is None
    assert hits[0]["chatroom_name"] == "Trip to Goa"
    assert found.json()["meta"] == {"next_cursor": None}


async def test_another_users_rooms_are_never_found(client: ApiClient, asha: dict[str, str]) -> None:
    ravi = await login(client, "+919876543211")
    await store(client, await user_id(client, ravi), "Ravi's secret", "secret plans")
    await store(client, await user_id(client, asha), "mine", "nothing here")
    for q in ("secret", "ravi", "plans secret"):
        mine = await client.get("/search", params={"q": q}, headers=asha)
        assert mine.status_code == 200 and mine.json()["data"] == [], q
    theirs = await client.get("/search", params={"q": "secret"}, headers=ravi)
    assert len(theirs.json()["data"]) == 2


async def test_pages_follow_the_signed_cursor(client: ApiClient, asha: dict[str, str]) -> None:
    await store(client, await user_id(client, asha), "mango", *[f"mango {i}" for i in range(5)])
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"q": "mango", "limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/search", params=params, headers=asha)).json()
        seen += [h["message_id"] or h["chatroom_id"] for h in page["data"]]
        cursor = page["meta"]["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 == len(set(seen))
    # A chatroom list cursor is not a search cursor, nor is a made-up one.
    listed = await client.get("/chatroom", params={"limit": "1"}, headers=asha)
    room_cursor = listed.json()["meta"]["next_cursor"]
    for bad in (room_cursor, "abc.def", ""):
        if bad is None:
            continue
        answer = await client.get("/search", params={"q": "mango", "cursor": bad}, headers=asha)
        assert_error(answer, 400, "validation_error")


async def test_bad_queries_are_400_in_the_envelope(client: ApiClient, asha: dict[str, str]) -> None:
    for q in ("", "   ", "x" * (QUERY_MAX + 1), "bad\x00byte"):
        body = assert_error(
            await client.get("/search", params={"q": q}, headers=asha), 400, "validation_error"
        )
        assert body["error"]["details"]["fields"][0]["field"] == "q", q
    assert_error(await client.get("/search", headers=asha), 400, "validation_error")
    assert (
        await client.get("/search", params={"q": "x" * QUERY_MAX}, headers=asha)
    ).status_code == 200
    for limit in ("0", "51", "many"):
        answer = await client.get("/search", params={"q": "a", "limit": limit}, headers=asha)
        assert_error(answer, 400, "validation_error")


async def test_query_syntax_never_breaks_the_search(
    client: ApiClient, asha: dict[str, str]
) -> None:
    await store(client, await user_id(client, asha), "syntax", 'he said "NEAR" AND (x) OR y*')
    for q in ('"', '"unclosed', "AND", "OR (", "NEAR(a b)", "a*", "col:x", "it's", "\\", "-x", "^"):
        answer = await client.get("/search", params={"q": q}, headers=asha)
        assert answer.status_code == 200, (q, answer.text)
    found = await client.get("/search", params={"q": '"near" AND'}, headers=asha)
    assert [h["kind"] for h in found.json()["data"]] == ["message"]


async def test_search_needs_a_token(client: ApiClient) -> None:
    assert_error(await client.get("/search", params={"q": "goa"}), 401, "unauthorized")


async def test_a_reply_asked_again_is_found_in_its_new_version_only(
    client: ApiClient, asha: dict[str, str], model: ScriptedModel
) -> None:
    room = await create_room(client, asha)
    model.answer = "a papaya smoothie"
    _, first = await exchange(client, asha, room, "Name a drink")
    model.answer = "a papaya lassi"
    again = await client.post(f"/chatroom/{room}/message/{first['id']}/regenerate", headers=asha)
    assert again.status_code == 202, again.text
    second = await wait_for_reply(client, asha, room, again.json()["data"]["reply"]["id"])

    found = await client.get("/search", params={"q": "papaya"}, headers=asha)
    assert [h["message_id"] for h in found.json()["data"]] == [second["id"]]
