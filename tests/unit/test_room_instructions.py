"""A room's own system instruction: set at creation or by PATCH, cleared
with null or blank, bounded, shown on the room, and sent to the model in
place of the server's SYSTEM_INSTRUCTION (offline model and Gemini alike)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from entrypoints.settings_model import DEFAULT_SYSTEM_INSTRUCTION
from gemini_core.model.chat import PLACEHOLDER_NAME, SYSTEM_INSTRUCTION_MAX
from gemini_core.ports import UnitOfWorkFactory
from tests.support.api import assert_error, login, make_settings, running_app
from tests.support.fakes import ScriptedModel, cheap_hasher
from tests.support.gemini_standin import GeminiStandIn, running_standin

INSTRUCTION = "Answer as a travel agent who knows Goa well."


async def create(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    created = await client.post("/chatroom", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return dict(created.json()["data"]["chatroom"])


async def answered(
    client: httpx.AsyncClient, headers: dict[str, str], room: str, text: str
) -> dict[str, Any]:
    sent = await client.post(f"/chatroom/{room}/message", json={"content": text}, headers=headers)
    assert sent.status_code == 202, sent.text
    reply_id = sent.json()["data"]["reply"]["id"]
    for _ in range(300):
        page = (await client.get(f"/chatroom/{room}/messages", headers=headers)).json()["data"]
        reply = next(m for m in page if m["id"] == reply_id)
        if reply["status"] != "pending":
            return dict(reply)
        await asyncio.sleep(0.01)
    raise AssertionError("the reply never left pending")


async def test_the_rooms_instruction_replaces_the_servers(
    client: httpx.AsyncClient, model: ScriptedModel
) -> None:
    headers = await login(client)
    own = await create(client, headers, name="Goa", system_instruction=f"  {INSTRUCTION}\n")
    assert own["system_instruction"] == INSTRUCTION  # trimmed
    plain = await create(client, headers, name="Other")
    assert plain["system_instruction"] is None
    await answered(client, headers, own["id"], "Where should I stay?")
    await answered(client, headers, plain["id"], "Hello")
    assert [r.system_instruction for r in model.requests] == [
        INSTRUCTION,
        DEFAULT_SYSTEM_INSTRUCTION,
    ]


async def test_patch_sets_and_clears_the_instruction_and_leaves_the_name(
    client: httpx.AsyncClient, model: ScriptedModel
) -> None:
    headers = await login(client)
    room = await create(client, headers)  # unnamed: the model may still title it
    url = f"/chatroom/{room['id']}"
    changed = await client.patch(url, json={"system_instruction": INSTRUCTION}, headers=headers)
    assert changed.status_code == 200, changed.text
    got = changed.json()["data"]["chatroom"]
    assert got["system_instruction"] == INSTRUCTION
    assert (got["name"], got["named_by_user"]) == (PLACEHOLDER_NAME, False)
    # A rename alone keeps the instruction.
    renamed = await client.patch(url, json={"name": "Goa"}, headers=headers)
    assert renamed.json()["data"]["chatroom"]["system_instruction"] == INSTRUCTION
    for clearing in (None, "  "):
        await client.patch(url, json={"system_instruction": INSTRUCTION}, headers=headers)
        cleared = await client.patch(url, json={"system_instruction": clearing}, headers=headers)
        assert cleared.json()["data"]["chatroom"]["system_instruction"] is None
    await answered(client, headers, room["id"], "Hello")
    assert model.requests[-1].system_instruction == DEFAULT_SYSTEM_INSTRUCTION
    assert_error(await client.patch(url, json={}, headers=headers), 400, "validation_error")


async def test_a_bad_instruction_is_refused_and_nothing_changes(
    client: httpx.AsyncClient,
) -> None:
    headers = await login(client)
    too_long = "x" * (SYSTEM_INSTRUCTION_MAX + 1)
    for bad in (too_long, "ring \x07 the bell"):
        refused = await client.post(
            "/chatroom", json={"name": "r", "system_instruction": bad}, headers=headers
        )
        error = assert_error(refused, 400, "validation_error")
        assert "system_instruction" in str(error)
    assert (await client.get("/chatroom", headers=headers)).json()["data"] == []
    room = await create(client, headers, name="r", system_instruction=INSTRUCTION)
    url = f"/chatroom/{room['id']}"
    refused = await client.patch(url, json={"system_instruction": too_long}, headers=headers)
    assert_error(refused, 400, "validation_error")
    longest = "y" * SYSTEM_INSTRUCTION_MAX
    assert (await client.patch(url, json={"system_instruction": longest}, headers=headers)).json()[
        "data"
    ]["chatroom"]["system_instruction"] == longest


async def test_another_users_room_is_404(client: httpx.AsyncClient) -> None:
    owner = await login(client)
    room = await create(client, owner, system_instruction=INSTRUCTION)
    stranger = await login(client, "+14155550100")
    refused = await client.patch(
        f"/chatroom/{room['id']}", json={"system_instruction": "mine now"}, headers=stranger
    )
    assert_error(refused, 404, "not_found")
    got = await client.get(f"/chatroom/{room['id']}", headers=owner)
    assert got.json()["data"]["chatroom"]["system_instruction"] == INSTRUCTION


@pytest.fixture
def gemini() -> Iterator[tuple[str, GeminiStandIn]]:
    with running_standin(latency=0.0, chunks=2) as running:
        yield running


async def test_gemini_receives_the_rooms_instruction(
    tmp_path: Path, gemini: tuple[str, GeminiStandIn]
) -> None:
    base, standin = gemini
    settings = make_settings(tmp_path, GEMINI_API_KEY="test-key", GEMINI_API_BASE=base)
    async with running_app(settings, hasher=cheap_hasher()) as client:
        headers = await login(client)
        room = await create(client, headers, name="Goa", system_instruction=INSTRUCTION)
        reply = await answered(client, headers, room["id"], "Where should I stay?")
    assert reply["status"] == "completed", reply
    sent = standin.requests[-1]["body"]
    assert sent["systemInstruction"]["parts"] == [{"text": INSTRUCTION}]


async def test_the_offline_model_answers_a_room_with_its_own_instruction(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, SYSTEM_INSTRUCTION="one two")
    async with running_app(settings, hasher=cheap_hasher()) as client:
        headers = await login(client)
        room = await create(client, headers, name="Goa", system_instruction=INSTRUCTION)
        reply = await answered(client, headers, room["id"], "Where should I stay?")
        assert reply["status"] == "completed" and "offline model" in reply["content"]
        async with client.container.resolve(UnitOfWorkFactory)() as uow:
            stored = await uow.messages.get(uuid.UUID(reply["id"]))
    # The offline model counts the instruction's words with the prompt's:
    # the room's nine, not the server's two.
    assert stored is not None and stored.prompt_tokens == 4 + len(INSTRUCTION.split())
