"""Stopping a reply (POST /chatroom/{id}/message/{reply_id}/cancel) on the
embedded default: the worker's model call stops, the text so far is kept,
the quota comes back only when no text arrived, and every race ends in one
final state."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gemini_core.errors import ModelError
from gemini_core.model import MessageStatus
from gemini_core.ports import (
    DeltaSink,
    EventBus,
    ModelReply,
    ModelRequest,
    UnitOfWorkFactory,
)
from gemini_core.services import QuotaService, ReplyFailer, ReplyService, ReplyStops
from gemini_core.services.streams import _state_event
from tests.support.api import ApiClient, assert_error, login, make_settings, running_app
from tests.support.fakes import FakeClock, RecordingQueue, ScriptedModel, cheap_hasher
from tests.unit.test_api_chat import create_room, wait_for_reply


class HangingModel:
    """Writes ``first`` (if any), then waits for ever: until its call is cancelled."""

    def __init__(self, first: str = "") -> None:
        self.first = first
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.calls = 0

    async def generate(self, request: ModelRequest, on_delta: DeltaSink) -> ModelReply:
        self.calls += 1
        if self.first:
            await on_delta(self.first)
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        raise AssertionError("unreachable")


@pytest.fixture
async def hanging(
    tmp_path: Path, clock: FakeClock
) -> AsyncIterator[tuple[ApiClient, HangingModel]]:
    model = HangingModel("The first half of ")
    async with running_app(
        make_settings(tmp_path), clock=clock, hasher=cheap_hasher(), model=model
    ) as client:
        yield client, model


async def used_today(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    status = (await client.get("/subscription/status", headers=headers)).json()["data"]
    return int(status["usage"]["used_today"])


async def prompt(client: httpx.AsyncClient, headers: dict[str, str], room: str) -> str:
    sent = await client.post(f"/chatroom/{room}/message", json={"content": "go"}, headers=headers)
    assert sent.status_code == 202, sent.text
    return str(sent.json()["data"]["reply"]["id"])


async def test_a_streaming_reply_stopped_midway_keeps_its_text_and_the_model_stops(
    hanging: tuple[ApiClient, HangingModel],
) -> None:
    client, model = hanging
    headers = await login(client)
    room = await create_room(client, headers)
    reply_id = await prompt(client, headers, room)
    await asyncio.wait_for(model.started.wait(), 5)
    stopped = await client.post(f"/chatroom/{room}/message/{reply_id}/cancel", headers=headers)
    assert stopped.status_code == 200, stopped.text
    message = stopped.json()["data"]["message"]
    assert message["status"] == "cancelled" and message["content"] == "The first half of "
    await asyncio.wait_for(model.cancelled.wait(), 5)
    assert (await wait_for_reply(client, headers, room, reply_id))["status"] == "cancelled"
    # Text arrived: the prompt stays counted.
    assert await used_today(client, headers) == 1
    again = await client.post(f"/chatroom/{room}/message/{reply_id}/cancel", headers=headers)
    assert_error(again, 409, "reply_final")


async def test_a_reply_stopped_before_any_text_gives_the_quota_back(
    tmp_path: Path, clock: FakeClock
) -> None:
    model = HangingModel()
    async with running_app(
        make_settings(tmp_path), clock=clock, hasher=cheap_hasher(), model=model
    ) as client:
        headers = await login(client)
        room = await create_room(client, headers)
        reply_id = await prompt(client, headers, room)
        await asyncio.wait_for(model.started.wait(), 5)
        stopped = await client.post(f"/chatroom/{room}/message/{reply_id}/cancel", headers=headers)
        assert stopped.status_code == 200, stopped.text
        assert stopped.json()["data"]["message"]["content"] == ""
        await asyncio.wait_for(model.cancelled.wait(), 5)
        assert await used_today(client, headers) == 0


async def test_a_completed_reply_cannot_be_stopped(client: ApiClient) -> None:
    headers = await login(client)
    room = await create_room(client, headers)
    reply_id = await prompt(client, headers, room)
    await wait_for_reply(client, headers, room, reply_id)
    refused = await client.post(f"/chatroom/{room}/message/{reply_id}/cancel", headers=headers)
    assert_error(refused, 409, "reply_final")
    assert await used_today(client, headers) == 1


async def test_stop_needs_the_owners_reply_of_that_room(client: ApiClient) -> None:
    headers = await login(client)
    other = await login(client, "+919876543211")
    room = await create_room(client, headers)
    second_room = await create_room(client, headers, "second")
    sent = await client.post(f"/chatroom/{room}/message", json={"content": "x"}, headers=headers)
    data = sent.json()["data"]
    reply_id, prompt_id = data["reply"]["id"], data["message"]["id"]
    url = f"/chatroom/{room}/message/{reply_id}/cancel"
    assert_error(await client.post(url, headers=other), 404, "not_found")
    wrong_room = f"/chatroom/{second_room}/message/{reply_id}/cancel"
    assert_error(await client.post(wrong_room, headers=headers), 404, "not_found")
    unknown = f"/chatroom/{room}/message/{uuid.uuid4()}/cancel"
    assert_error(await client.post(unknown, headers=headers), 404, "not_found")
    prompt_url = f"/chatroom/{room}/message/{prompt_id}/cancel"
    assert_error(await client.post(prompt_url, headers=headers), 409, "not_a_reply")
    bad = f"/chatroom/{room}/message/not-a-uuid/cancel"
    assert_error(await client.post(bad, headers=headers), 400, "validation_error")
    assert_error(await client.post(url), 401, "unauthorized")


async def test_a_stop_stored_first_is_not_overwritten_by_the_completion(
    tmp_path: Path, clock: FakeClock
) -> None:
    model = ScriptedModel()
    async with running_app(
        make_settings(tmp_path), clock=clock, hasher=cheap_hasher(), model=model
    ) as client:
        headers = await login(client)
        room = await create_room(client, headers)
        model.release.clear()  # the worker holds the reply until released
        reply_id = await prompt(client, headers, room)
        uow = client.container.resolve(UnitOfWorkFactory)
        async with uow(autocommit=True) as tx:
            pending = await tx.messages.get(uuid.UUID(reply_id))
        assert pending is not None
        events = client.container.resolve(EventBus)
        stream = await events.subscribe(pending.chatroom_id)
        stops = client.container.resolve(ReplyStops)
        try:
            cancelled = await stops.cancel(pending, "")
            assert cancelled is not None and cancelled.status is MessageStatus.CANCELLED
            event = await stream.next(5)
            assert event is not None and event.type == "message.cancelled"
        finally:
            await stream.close()
        model.release.set()
        final = await wait_for_reply(client, headers, room, reply_id)
        # The worker's later completion did not overwrite the stop.
        assert final["status"] == "cancelled" and final["content"] == ""
        assert await used_today(client, headers) == 0
        # A resumed stream reports the stored state under the right name.
        assert _state_event(cancelled).type == "message.cancelled"


@pytest.mark.parametrize("rivals", ["cancel", "fail"])
async def test_racing_final_writes_end_in_one_state_and_one_give_back(
    tmp_path: Path, clock: FakeClock, rivals: str
) -> None:
    model = ScriptedModel()
    model.release.clear()  # no worker writes while the rivals race
    async with running_app(
        make_settings(tmp_path), clock=clock, hasher=cheap_hasher(), model=model
    ) as client:
        headers = await login(client)
        room = await create_room(client, headers)
        reply_id = await prompt(client, headers, room)
        uow = client.container.resolve(UnitOfWorkFactory)
        async with uow(autocommit=True) as tx:
            pending = await tx.messages.get(uuid.UUID(reply_id))
        assert pending is not None
        stops = client.container.resolve(ReplyStops)
        failer = client.container.resolve(ReplyFailer)
        other = (
            (lambda: stops.cancel(pending, ""))
            if rivals == "cancel"
            else (lambda: failer.fail(pending, "boom"))
        )
        results = await asyncio.gather(*(stops.cancel(pending, "") for _ in range(5)), other())
        assert sum(1 for r in results if r) == 1
        quota = client.container.resolve(QuotaService)
        assert (await quota.usage(pending.user_id)).used == 0
        model.release.set()
        final = await wait_for_reply(client, headers, room, reply_id)
        assert final["status"] in {"cancelled", "failed"}


@pytest.mark.parametrize("ending", ["failed", "completed"])
async def test_a_stop_racing_the_workers_end_ends_in_one_state(
    tmp_path: Path, clock: FakeClock, ending: str
) -> None:
    model = ScriptedModel(error=ModelError("Gemini is down") if ending == "failed" else None)
    model.release.clear()
    async with running_app(
        make_settings(tmp_path), clock=clock, hasher=cheap_hasher(), model=model
    ) as client:
        headers = await login(client)
        room = await create_room(client, headers)
        reply_id = await prompt(client, headers, room)
        url = f"/chatroom/{room}/message/{reply_id}/cancel"
        stop = asyncio.create_task(client.post(url, headers=headers))
        model.release.set()
        answer = await stop
        final = await wait_for_reply(client, headers, room, reply_id)
        if answer.status_code == 200:
            assert final["status"] == "cancelled"
            assert answer.json()["data"]["message"] == final
        else:
            assert_error(answer, 409, "reply_final")
            assert final["status"] == ending
        # Given back exactly once, unless the answer was stored (or some of it).
        kept = final["status"] == "completed" or bool(final["content"])
        assert await used_today(client, headers) == (1 if kept else 0)


async def test_a_reply_no_worker_picked_up_is_cancelled_by_the_api(
    tmp_path: Path, clock: FakeClock
) -> None:
    queue = RecordingQueue()  # nothing consumes it: no worker ever starts the reply
    async with running_app(
        make_settings(tmp_path), clock=clock, hasher=cheap_hasher(), queue=queue
    ) as client:
        headers = await login(client)
        room = await create_room(client, headers)
        reply_id = await prompt(client, headers, room)
        stopped = await client.post(f"/chatroom/{room}/message/{reply_id}/cancel", headers=headers)
        assert stopped.status_code == 200, stopped.text
        assert stopped.json()["data"]["message"]["status"] == "cancelled"
        assert await used_today(client, headers) == 0
        # A worker that gets the reply late sees it final and leaves it alone.
        service = client.container.resolve(ReplyService)
        outcome = await service.generate(uuid.UUID(reply_id))
        assert outcome.outcome == "skipped"
