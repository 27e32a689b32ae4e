"""Bad input is a 400, on every backend: a body nested too deeply, control
characters in text, and length limits counted in characters with body limits
sized per route. The text rules live in the core, so the PostgreSQL tests
(tests/integration/test_input_postgres.py) run the same checks there."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from litestar import Litestar

from gemini_core.model.chat import CONTENT_MAX
from tests.support.api import ApiClient, assert_error, login
from tests.support.fakes import ScriptedModel

EMOJI = "\U0001f600"


def json_routes(app: Litestar) -> list[tuple[str, str]]:
    """(method, path) of every route that decodes a JSON body."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "data" in handler.parsed_fn_signature.parameters:
                found.extend((method, route.path) for method in sorted(handler.http_methods))
    return found


async def new_room(client: httpx.AsyncClient, headers: dict[str, str], name: str = "r") -> str:
    response = await client.post("/chatroom", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["chatroom"]["id"])


async def post_json(
    client: httpx.AsyncClient, path: str, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(
        path, content=body, headers={**headers, "content-type": "application/json"}
    )


# --------------------------------------------------------------------------
# Nesting
# --------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1_000, 10_000])
async def test_deeply_nested_json_is_400_on_every_json_route(
    client: ApiClient, depth: int, caplog: pytest.LogCaptureFixture
) -> None:
    headers = await login(client)
    room = await new_room(client, headers)
    routes = json_routes(client.app)
    assert len(routes) >= 9, routes
    bodies = [b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth]
    for method, template in routes:
        path = template.replace("{room_id:str}", room)
        for body in bodies:
            response = await client.request(
                method, path, content=body, headers={**headers, "content-type": "application/json"}
            )
            error = assert_error(response, 400, "validation_error")["error"]
            assert "nested too deeply" in error["message"], (method, path)
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text


async def test_ordinary_nesting_still_gets_the_schemas_answer(client: ApiClient) -> None:
    response = await post_json(client, "/auth/send-otp", b'{"mobile_number": [[[1]]]}', {})
    body = assert_error(response, 400, "validation_error")
    assert "nested" not in body["error"]["message"]


# --------------------------------------------------------------------------
# Control characters (run on PostgreSQL too)
# --------------------------------------------------------------------------

REFUSED: list[tuple[str, str, str, dict[str, Any]]] = [
    # (method, path, field, body); {room} is filled in
    ("POST", "/auth/signup", "name", {"mobile_number": "+14155550100", "name": "A\x00sha"}),
    ("POST", "/auth/signup", "email", {"mobile_number": "+14155550100", "email": "a\x00@x.io"}),
    (
        "POST",
        "/auth/signup",
        "password",
        {"mobile_number": "+14155550100", "password": "pass\x00word long"},
    ),
    ("POST", "/auth/signup", "mobile_number", {"mobile_number": "+1415555\x000100"}),
    ("POST", "/auth/send-otp", "mobile_number", {"mobile_number": "+91987654321\x000"}),
    ("POST", "/chatroom", "name", {"name": "trip\x00plans"}),
    ("POST", "/chatroom", "name", {"name": "trip\tplans"}),
    ("POST", "/chatroom", "name", {"name": "trip\x1bplans"}),
    ("PATCH", "/chatroom/{room}", "name", {"name": "renamed\x00"}),
    ("POST", "/chatroom/{room}/message", "content", {"content": "hello\x00world"}),
    ("POST", "/chatroom/{room}/message", "content", {"content": "ring \x07 the bell"}),
    ("POST", "/chatroom/{room}/message", "content", {"content": "del\x7f"}),
]


async def check_control_characters_are_refused(client: httpx.AsyncClient) -> None:
    """Every text field refuses NUL (and the other control characters, but
    for tabs and line breaks in a prompt) with 400 naming the field, and
    nothing is stored or counted; run on each backend."""
    headers = await login(client)
    room = await new_room(client, headers, "kept")
    for method, path, field, body in REFUSED:
        response = await client.request(method, path.format(room=room), json=body, headers=headers)
        error = assert_error(response, 400, "validation_error")["error"]
        assert error["details"]["fields"][0]["field"] == field, (path, body, error)
    prompt = "tabs\tand\nline breaks\r\nare fine"
    sent = await client.post(f"/chatroom/{room}/message", json={"content": prompt}, headers=headers)
    assert sent.status_code == 202, sent.text
    assert sent.json()["data"]["message"]["content"] == prompt
    rooms = (await client.get("/chatroom", headers=headers)).json()["data"]
    assert [r["name"] for r in rooms] == ["kept"]
    messages = (await client.get(f"/chatroom/{room}/messages", headers=headers)).json()["data"]
    assert [m["content"] for m in messages if m["role"] == "user"] == [prompt]
    usage = (await client.get("/subscription/status", headers=headers)).json()["data"]["usage"]
    assert usage["used_today"] == 1
    assert_error(
        await client.post("/auth/signup", json={"mobile_number": "+919876543210"}),
        409,
        "mobile_taken",
    )  # the only account is the one that logged in
    fresh = await client.post("/auth/signup", json={"mobile_number": "+14155550100"})
    assert fresh.status_code == 201, fresh.text


async def check_a_nul_from_the_model_is_stored_as_a_replacement(
    client: httpx.AsyncClient, model: ScriptedModel
) -> None:
    model.answer = "before\x00after"
    headers = await login(client)
    room = await new_room(client, headers)
    sent = await client.post(f"/chatroom/{room}/message", json={"content": "hi"}, headers=headers)
    assert sent.status_code == 202, sent.text
    reply_id = sent.json()["data"]["reply"]["id"]
    for _ in range(300):
        messages = (await client.get(f"/chatroom/{room}/messages", headers=headers)).json()
        reply = next(m for m in messages["data"] if m["id"] == reply_id)
        if reply["status"] != "pending":
            break
        await asyncio.sleep(0.01)
    assert (reply["status"], reply["content"]) == ("completed", "before\ufffdafter")


async def test_control_characters_are_refused_on_sqlite(client: ApiClient) -> None:
    await check_control_characters_are_refused(client)


async def test_a_nul_from_the_model_is_stored_as_a_replacement_on_sqlite(
    client: ApiClient, model: ScriptedModel
) -> None:
    await check_a_nul_from_the_model_is_stored_as_a_replacement(client, model)


# --------------------------------------------------------------------------
# Lengths in characters, body limits per route
# --------------------------------------------------------------------------


async def test_a_prompt_of_the_longest_length_in_escaped_emoji_is_accepted(
    client: ApiClient,
) -> None:
    headers = await login(client)
    room = await new_room(client, headers)
    body = json.dumps({"content": EMOJI * CONTENT_MAX}).encode()  # ASCII-escaped
    assert len(body) > 90_000

    sent = await post_json(client, f"/chatroom/{room}/message", body, headers)

    assert sent.status_code == 202, sent.text[:300]
    assert sent.json()["data"]["message"]["content"] == EMOJI * CONTENT_MAX


async def test_one_character_more_is_the_character_limit_not_the_body_limit(
    client: ApiClient,
) -> None:
    headers = await login(client)
    room = await new_room(client, headers)
    body = json.dumps({"content": EMOJI * (CONTENT_MAX + 1)}).encode()

    response = await post_json(client, f"/chatroom/{room}/message", body, headers)

    error = assert_error(response, 400, "validation_error")["error"]
    assert str(CONTENT_MAX) in json.dumps(error)


async def test_the_413_names_the_limit_of_its_route(client: ApiClient) -> None:
    headers = await login(client)
    room = await new_room(client, headers)
    huge = json.dumps({"content": "x" * 200_000}).encode()
    message = assert_error(
        await post_json(client, f"/chatroom/{room}/message", huge, headers),
        413,
        "payload_too_large",
    )["error"]["message"]
    assert "98 KiB" in message
    small = json.dumps({"mobile_number": "+919876543210", "name": "x" * 70_000}).encode()
    message = assert_error(
        await post_json(client, "/auth/signup", small, {}), 413, "payload_too_large"
    )["error"]["message"]
    assert "64 KiB" in message
    webhook = b"{" + b" " * (1024 * 1024) + b"}"
    message = assert_error(
        await post_json(client, "/webhook/stripe", webhook, {}), 413, "payload_too_large"
    )["error"]["message"]
    assert "1 MiB" in message
