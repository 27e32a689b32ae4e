"""Stop and ask again with separate API and worker processes on PostgreSQL
and Redis (the taskiq Redis stream worker): a reply stopped mid-stream
keeps its partial text and the worker hangs up on the model; a new version
is answered by the worker process."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.integration import test_workers
from tests.integration.test_workers import (
    EnvFactory,
    login,
    new_room,
    reply_row,
    send,
    wait_until,
)
from tests.support.gemini_standin import GeminiStandIn, running_standin
from tests.support.processes import serving_cli, worker_cli
from tests.support.server import free_port

production_env = test_workers.production_env  # the fixture, shared

LONG_ANSWER = " ".join(f"word{i}" for i in range(60))


@pytest.fixture
def slow_standin() -> Iterator[tuple[str, GeminiStandIn]]:
    # 30 chunks over 60 s: a reply that is still streaming when it is stopped.
    with running_standin(latency=60.0, chunks=30, answer=LONG_ANSWER) as running:
        yield running


def first_delta(port: int, headers: dict[str, str], room: str) -> tuple[threading.Event, Any]:
    """A thread that listens to the room's events until the first delta."""
    seen = threading.Event()
    subscribed = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client,
            client.stream("GET", f"/chatroom/{room}/events", headers=headers) as stream,
        ):
            subscribed.set()
            for line in stream.iter_lines():
                if line.startswith("event:") and "message.delta" in line:
                    seen.set()
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert subscribed.wait(10)
    return seen, thread


def test_a_reply_stopped_midway_keeps_its_text_and_the_model_call_ends(
    production_env: EnvFactory, slow_standin: tuple[str, GeminiStandIn], postgres_database: str
) -> None:
    gemini, standin = slow_standin
    env = production_env(gemini)
    port = free_port()
    with (
        serving_cli(env, port),
        worker_cli(env) as worker,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as api,
    ):
        headers = login(api)
        room = new_room(api, headers)
        seen, listener = first_delta(port, headers, room)
        sent = send(api, headers, room, "Tell me a long story")
        assert sent.status_code == 202, sent.text
        reply_id = sent.json()["data"]["reply"]["id"]
        assert seen.wait(30), "no delta arrived"
        stopped = api.post(f"/chatroom/{room}/message/{reply_id}/cancel", headers=headers)
        assert stopped.status_code == 200, stopped.text
        message = stopped.json()["data"]["message"]
        assert message["status"] == "cancelled"
        # Some of the answer, not all of it: the worker stored what it had.
        assert message["content"] and LONG_ANSWER.startswith(message["content"])
        assert message["content"] != LONG_ANSWER
        row = reply_row(postgres_database, reply_id)
        assert row["status"] == "cancelled" and row["content"] == message["content"]
        # The worker hung up on the model instead of reading it to the end.
        wait_until(lambda: standin.hang_ups == 1, 20, "the worker to close the model's stream")
        wait_until(lambda: "cancelled" in worker.output(), 20, "the worker's log line")
        status = api.get("/subscription/status", headers=headers).json()["data"]
        assert status["usage"]["used_today"] == 1  # text arrived: still counted
        listener.join(timeout=5)


def test_a_new_version_is_answered_by_the_worker_process(
    production_env: EnvFactory, postgres_database: str
) -> None:
    with running_standin(latency=0.2, chunks=4) as (gemini, standin):
        env = production_env(gemini)
        port = free_port()
        with (
            serving_cli(env, port),
            worker_cli(env),
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as api,
        ):
            headers = login(api)
            room = new_room(api, headers)
            first_id = send(api, headers, room, "Name a colour").json()["data"]["reply"]["id"]
            wait_until(
                lambda: reply_row(postgres_database, first_id)["status"] == "completed",
                30,
                "the first reply",
            )
            standin.answer = "a second answer"
            again = api.post(f"/chatroom/{room}/message/{first_id}/regenerate", headers=headers)
            assert again.status_code == 202, again.text
            assert again.headers["RateLimit-Remaining"] == "3"
            new_id = again.json()["data"]["reply"]["id"]
            wait_until(
                lambda: reply_row(postgres_database, new_id)["status"] == "completed",
                30,
                "the new version",
            )
            page = api.get(f"/chatroom/{room}/messages", headers=headers).json()["data"]
            assert [m["content"] for m in page] == ["Name a colour", "a second answer"]
            assert page[1]["versions"] == [first_id, new_id]
            # The model was asked the prompt alone, without the first answer.
            contents = standin.requests[-1]["body"]["contents"]
            assert [c["role"] for c in contents] == ["user"]
            old = api.get(f"/chatroom/{room}/message/{first_id}", headers=headers).json()
            assert old["data"]["message"]["content"] == "Stand-in answer to: Name a colour"
            assert json.dumps(old["data"]["message"]["superseded_at"]) != "null"
