"""Titles and rooms' own instructions with a separate worker process, on
PostgreSQL and Redis, against the Gemini stand-in: the worker titles an
unnamed room after its first reply, the API's stream and list see it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gemini_core.model.chat import PLACEHOLDER_NAME
from gemini_core.services.titles import TITLE_ASK, TITLE_INSTRUCTION, clean_title
from tests.integration.test_workers import EnvFactory, login, production_env, wait_until
from tests.support.gemini_standin import GeminiStandIn, running_standin
from tests.support.processes import serving_cli, worker_cli
from tests.support.server import free_port

__all__ = ["production_env"]  # the fixture, shared with test_workers

INSTRUCTION = "Answer as a travel agent who knows Goa well."


@pytest.fixture
def standin() -> Iterator[tuple[str, GeminiStandIn]]:
    with running_standin(latency=0.05, chunks=2) as running:
        yield running


def listen(base: str, room: str, headers: dict[str, str], events: list[Any]) -> threading.Event:
    """Collect the room's events until ``room.renamed``; set once subscribed."""
    subscribed = threading.Event()

    def run() -> None:
        with (
            httpx.Client(base_url=base, timeout=30) as client,
            client.stream("GET", f"/chatroom/{room}/events", headers=headers) as stream,
        ):
            subscribed.set()
            name = None
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and name:
                    events.append((name, json.loads(line.split(":", 1)[1])))
                    if name == "room.renamed":
                        return

    threading.Thread(target=run, daemon=True).start()
    return subscribed


def test_the_worker_titles_an_unnamed_room_and_sends_its_instruction(
    production_env: EnvFactory, standin: tuple[str, GeminiStandIn]
) -> None:
    gemini, recorded = standin
    env = production_env(gemini)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        serving_cli(env, port),
        worker_cli(env),
        httpx.Client(base_url=base, timeout=10) as api,
    ):
        headers = login(api)
        created = api.post("/chatroom", json={"system_instruction": INSTRUCTION}, headers=headers)
        assert created.status_code == 201, created.text
        room = created.json()["data"]["chatroom"]
        assert (room["name"], room["named_by_user"]) == (PLACEHOLDER_NAME, False)
        # A cached list (in Redis) that the worker's title must invalidate.
        assert api.get("/chatroom", headers=headers).headers["X-Cache"] == "MISS"
        assert api.get("/chatroom", headers=headers).headers["X-Cache"] == "HIT"
        events: list[Any] = []
        assert listen(base, room["id"], headers, events).wait(10)
        time.sleep(0.3)  # the subscription is live a moment after the headers
        sent = api.post(
            f"/chatroom/{room['id']}/message", json={"content": "Where to stay?"}, headers=headers
        )
        assert sent.status_code == 202, sent.text
        title = clean_title(f"Stand-in answer to: {TITLE_ASK}")

        def titled() -> bool:
            got = api.get(f"/chatroom/{room['id']}", headers=headers).json()["data"]
            return bool(got["chatroom"]["name"] == title)

        wait_until(titled, 30, "the worker's title")
        listed = api.get("/chatroom", headers=headers)
        assert listed.headers["X-Cache"] == "MISS"
        assert [r["name"] for r in listed.json()["data"]] == [title]
        wait_until(lambda: bool(events and events[-1][0] == "room.renamed"), 30, "room.renamed")
    names = [name for name, _ in events]
    assert names.index("message.completed") < names.index("room.renamed")
    assert events[-1][1]["name"] == title and events[-1][1]["named_by_user"] is False
    bodies = [r["body"] for r in recorded.requests]
    assert len(bodies) == 2
    # The reply was asked with the room's instruction, the title with the titling one.
    assert bodies[0]["systemInstruction"]["parts"] == [{"text": INSTRUCTION}]
    assert bodies[1]["systemInstruction"]["parts"] == [{"text": TITLE_INSTRUCTION}]
    assert bodies[1]["contents"][0]["parts"][0]["text"] == "Where to stay?"
