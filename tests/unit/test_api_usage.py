"""What replies cost and who answers them, through the API on the embedded
default (issue 15 points 7 and 8a): each reply's tokens and model, the
day's tokens and budget on /subscription/status, a prompt refused once the
tier's daily token budget is spent, and the model of each tier."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gemini_core.model import Subscription, SubscriptionStatus
from tests.support.api import ApiClient, assert_error, login, make_settings, running_app
from tests.support.core import save_subscription
from tests.support.fakes import FakeClock, ScriptedModel, cheap_hasher
from tests.support.metrics import sample
from tests.unit.test_api_chat import create_room, wait_for_reply


@pytest.fixture
async def client(
    tmp_path: Path, clock: FakeClock, model: ScriptedModel
) -> AsyncIterator[ApiClient]:
    settings = make_settings(
        tmp_path,
        # Gemini configured (the scripted model stands in for it), a model per tier.
        GEMINI_API_KEY="test-key",
        GEMINI_MODEL="gemini-2.5-flash",
        GEMINI_MODEL_PRO="gemini-2.5-pro",
        DAILY_TOKEN_BUDGET_BASIC="10",
        DAILY_TOKEN_BUDGET_PRO="0",
    )
    async with running_app(settings, clock=clock, hasher=cheap_hasher(), model=model) as client:
        yield client


async def prompt(client: httpx.AsyncClient, headers: dict[str, str], room: str) -> httpx.Response:
    return await client.post(f"/chatroom/{room}/message", json={"content": "q"}, headers=headers)


async def answered(client: httpx.AsyncClient, headers: dict[str, str], room: str) -> dict[str, Any]:
    sent = await prompt(client, headers, room)
    assert sent.status_code == 202, sent.text
    return await wait_for_reply(client, headers, room, sent.json()["data"]["reply"]["id"])


async def usage(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    status = await client.get("/subscription/status", headers=headers)
    assert status.status_code == 200, status.text
    return dict(status.json()["data"]["usage"])


async def make_pro(client: ApiClient, headers: dict[str, str]) -> None:
    me = (await client.get("/user/me", headers=headers)).json()["data"]["user"]
    subscription = Subscription(user_id=uuid.UUID(me["id"]), status=SubscriptionStatus.ACTIVE)
    await save_subscription(client.container, subscription)


async def test_a_reply_shows_its_tokens_and_the_model_that_answered(
    client: httpx.AsyncClient,
) -> None:
    headers = await login(client)
    room = await create_room(client, headers)
    sent = await prompt(client, headers, room)
    pending = sent.json()["data"]["reply"]
    assert (pending["model"], pending["usage"]) == ("gemini-2.5-flash", None)

    reply = await wait_for_reply(client, headers, room, pending["id"])

    assert reply["status"] == "completed" and reply["model"] == "gemini-2.5-flash"
    assert reply["usage"] == {
        "prompt_tokens": 3,
        "output_tokens": 2,
        "thinking_tokens": 1,
        "total_tokens": 6,
    }
    messages = (await client.get(f"/chatroom/{room}/messages", headers=headers)).json()["data"]
    the_prompt = next(m for m in messages if m["role"] == "user")
    assert (the_prompt["model"], the_prompt["usage"]) == (None, None)


async def test_a_prompt_is_refused_once_the_days_tokens_reach_the_budget(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    headers = await login(client)
    room = await create_room(client, headers)
    await answered(client, headers, room)  # 6 tokens: under the budget of 10
    await answered(client, headers, room)  # 12

    refused = await prompt(client, headers, room)

    body = assert_error(refused, 429, "token_budget_exhausted")
    details = body["error"]["details"]
    assert (details["budget"], details["used"]) == (10, 12)
    assert details["resets_at"].startswith("2026-11-25T00:00:00")
    assert refused.headers["Retry-After"] == str(12 * 3600)  # the fake clock is at noon UTC
    messages = (await client.get(f"/chatroom/{room}/messages", headers=headers)).json()["data"]
    assert len(messages) == 4  # nothing of the refused prompt was stored
    assert await usage(client, headers) == {
        "used_today": 2,
        "daily_limit": 5,
        "tokens_today": 12,
        "daily_token_budget": 10,
        "resets_at": "2026-11-25T00:00:00Z",
    }
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "gemini_clone_quota_refusals_total") == 1
    clock.advance(12 * 3600)  # midnight UTC: a new day
    assert (await prompt(client, headers, room)).status_code == 202


async def test_the_prompt_limit_is_told_apart_from_the_budget(
    client: httpx.AsyncClient, model: ScriptedModel
) -> None:
    headers = await login(client)
    room = await create_room(client, headers)
    model.release.clear()  # no reply spends tokens yet
    sent = [await prompt(client, headers, room) for _ in range(5)]
    assert [response.status_code for response in sent] == [202] * 5

    assert_error(await prompt(client, headers, room), 429, "quota_exceeded")
    model.release.set()
    for response in sent:
        await wait_for_reply(client, headers, room, response.json()["data"]["reply"]["id"])
    # Both spent: the prompt limit is the one named.
    assert (await usage(client, headers))["tokens_today"] == 30
    assert_error(await prompt(client, headers, room), 429, "quota_exceeded")


async def test_pro_prompts_ask_the_pro_model_without_a_token_budget(
    client: ApiClient, model: ScriptedModel
) -> None:
    headers = await login(client)
    room = await create_room(client, headers)
    basic = await answered(client, headers, room)
    await make_pro(client, headers)

    pro = [await answered(client, headers, room) for _ in range(3)]  # 24 tokens in all

    assert basic["model"] == "gemini-2.5-flash"
    assert [reply["model"] for reply in pro] == ["gemini-2.5-pro"] * 3
    assert [request.model for request in model.requests] == ["gemini-2.5-flash"] + [
        "gemini-2.5-pro"
    ] * 3
    today = await usage(client, headers)
    assert (today["tokens_today"], today["daily_token_budget"]) == (24, None)


async def test_a_regenerated_reply_is_asked_of_the_tiers_model(
    client: ApiClient, model: ScriptedModel
) -> None:
    headers = await login(client)
    room = await create_room(client, headers)
    first = await answered(client, headers, room)
    await make_pro(client, headers)

    again = await client.post(f"/chatroom/{room}/message/{first['id']}/regenerate", headers=headers)

    assert again.status_code == 202, again.text
    pending = again.json()["data"]["reply"]
    assert pending["model"] == "gemini-2.5-pro"
    reply = await wait_for_reply(client, headers, room, pending["id"])
    assert reply["model"] == "gemini-2.5-pro" and reply["usage"]["total_tokens"] == 6
    assert [request.model for request in model.requests] == ["gemini-2.5-flash", "gemini-2.5-pro"]
    assert (await usage(client, headers))["tokens_today"] == 12
