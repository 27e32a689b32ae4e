"""Separate API and worker processes on PostgreSQL and Redis: the journey,
worker crashes, poisoned replies and graceful stops."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg
import pytest
import redis

from tests.support.gemini_standin import GeminiStandIn, running_standin
from tests.support.processes import CliProcess, cli_env, run_cli, serving_cli, worker_cli
from tests.support.server import free_port

EnvFactory = Callable[..., dict[str, str]]


@pytest.fixture
def production_env(
    postgres_database: str, redis_server_url: str, redis_prefix: str, redis_client: Any
) -> EnvFactory:
    """Environment of a production deployment on this test's own database
    and Redis prefix; the schema is made by `gemini-clone migrate`. It is a
    demo (production's rules) because the tests read codes from responses."""
    base = cli_env(
        APP_ENV="demo",
        PUBLIC_URL="https://chat.example.com",
        DATABASE_URL=postgres_database,
        REDIS_URL=redis_server_url,
        REDIS_PREFIX=redis_prefix,
        JWT_SECRET="integration-test-secret-of-at-least-32-bytes",
        OTP_DELIVERY="response",
        GEMINI_API_KEY="test-key",
        LOG_LEVEL="INFO",
    )
    run_cli(["migrate"], base)

    def make(gemini_base: str, **extra: str) -> dict[str, str]:
        return {**base, "GEMINI_API_BASE": gemini_base, **extra}

    return make


def login(client: httpx.Client, mobile: str = "+919876543210") -> dict[str, str]:
    otp = client.post("/auth/send-otp", json={"mobile_number": mobile}).json()["data"]["otp"]
    token = client.post("/auth/verify-otp", json={"mobile_number": mobile, "otp": otp}).json()
    return {"Authorization": f"Bearer {token['data']['access_token']}"}


def send(client: httpx.Client, headers: dict[str, str], room: str, text: str) -> httpx.Response:
    return client.post(f"/chatroom/{room}/message", json={"content": text}, headers=headers)


def new_room(client: httpx.Client, headers: dict[str, str]) -> str:
    response = client.post("/chatroom", json={"name": "room"}, headers=headers)
    return str(response.json()["data"]["chatroom"]["id"])


def reply_row(database_url: str, reply_id: str) -> dict[str, Any]:
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT status, content, error, deliveries FROM messages WHERE id = %s", (reply_id,)
        ).fetchone()
    assert row is not None
    return dict(zip(("status", "content", "error", "deliveries"), row, strict=True))


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, f"timed out waiting for {what}"
        time.sleep(0.1)
    return time.monotonic() - start


def pending_entries(redis_url: str, prefix: str) -> int:
    client = redis.Redis.from_url(redis_url)
    try:
        info = client.xpending(f"{prefix}replies", f"{prefix}replies:workers")
        return int(info["pending"])
    finally:
        client.close()


@contextmanager
def api_with_prompt(
    env: dict[str, str], text: str
) -> Iterator[tuple[httpx.Client, dict[str, str], str]]:
    """One API process, a logged-in user and a prompt sent: the client, the
    user's headers and the pending reply's id."""
    port = free_port()
    with (
        serving_cli(env, port),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as api,
    ):
        headers = login(api)
        room = new_room(api, headers)
        reply_id = send(api, headers, room, text).json()["data"]["reply"]["id"]
        yield api, headers, reply_id


@pytest.fixture
def standin() -> Iterator[tuple[str, GeminiStandIn]]:
    with running_standin(latency=0.2, chunks=4) as running:
        yield running


def test_two_apis_and_two_workers_serve_the_whole_journey(
    production_env: EnvFactory, standin: tuple[str, GeminiStandIn]
) -> None:
    gemini, _ = standin
    env = production_env(gemini)
    port_a, port_b = free_port(), free_port()
    with (
        serving_cli(env, port_a) as api_a,
        serving_cli(env, port_b),
        worker_cli(env, "--processes", "2", "--concurrency", "20") as worker,
        httpx.Client(base_url=f"http://127.0.0.1:{port_a}", timeout=10) as a,
        httpx.Client(base_url=f"http://127.0.0.1:{port_b}", timeout=10) as b,
    ):
        # A code sent through one API is checked by the other (shared OTP store).
        otp = a.post("/auth/send-otp", json={"mobile_number": "+919876543210"}).json()
        session = b.post(
            "/auth/verify-otp",
            json={"mobile_number": "+919876543210", "otp": otp["data"]["otp"]},
        )
        assert session.status_code == 200, session.text
        headers = {"Authorization": f"Bearer {session.json()['data']['access_token']}"}
        # The cache is shared and invalidated across processes.
        assert b.get("/chatroom", headers=headers).headers["X-Cache"] == "MISS"
        assert b.get("/chatroom", headers=headers).headers["X-Cache"] == "HIT"
        room = new_room(a, headers)
        listed = b.get("/chatroom", headers=headers)
        assert listed.headers["X-Cache"] == "MISS"
        assert [r["id"] for r in listed.json()["data"]] == [room]
        # Live events published by a worker reach a stream held by API A.
        events: list[tuple[str, dict[str, Any]]] = []
        subscribed = threading.Event()

        def listen() -> None:
            with (
                httpx.Client(base_url=f"http://127.0.0.1:{port_a}", timeout=30) as client,
                client.stream("GET", f"/chatroom/{room}/events", headers=headers) as stream,
            ):
                subscribed.set()
                name = None
                for line in stream.iter_lines():
                    if line.startswith("event:"):
                        name = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and name:
                        events.append((name, json.loads(line.split(":", 1)[1])))
                        if name == "message.completed":
                            return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert subscribed.wait(10)
        time.sleep(0.3)
        # Five prompts spread over both APIs use one quota.
        replies = []
        for i in range(5):
            response = send(a if i % 2 else b, headers, room, f"question {i}")
            assert response.status_code == 202, response.text
            replies.append(response.json()["data"]["reply"]["id"])
        for client in (a, b):
            refused = send(client, headers, room, "one too many")
            assert refused.status_code == 429
            assert refused.json()["error"]["code"] == "quota_exceeded"
        listener.join(timeout=30)
        names = [name for name, _ in events]
        assert "message.delta" in names and names[-1] == "message.completed"

        def all_completed() -> bool:
            page = a.get(f"/chatroom/{room}/messages?limit=100", headers=headers).json()["data"]
            statuses = {m["id"]: m["status"] for m in page}
            return all(statuses.get(r) == "completed" for r in replies)

        wait_until(all_completed, 30, "all five replies to complete")
        page = b.get(f"/chatroom/{room}/messages?limit=100", headers=headers).json()["data"]
        answers = [m["content"] for m in page if m["role"] == "model"]
        assert sorted(answers) == sorted(f"Stand-in answer to: question {i}" for i in range(5))
        status = a.get("/subscription/status", headers=headers).json()["data"]
        assert status["usage"]["used_today"] == 5
        # A cursor one API signed pages on the other (one key, from JWT_SECRET).
        other_room = new_room(a, headers)
        cursor = a.get("/chatroom?limit=1", headers=headers).json()["meta"]["next_cursor"]
        rest = b.get(f"/chatroom?limit=1&cursor={cursor}", headers=headers)
        assert rest.status_code == 200 and rest.json()["data"][0]["id"] in (room, other_room)
        # Both kinds of process say at start that codes go out in responses.
        for process in (api_a, worker):
            assert "unsafe for real users" in process.output(), process.output()


def test_a_worker_killed_mid_reply_is_finished_by_another_exactly_once(
    production_env: EnvFactory, redis_server_url: str, redis_prefix: str, postgres_database: str
) -> None:
    with running_standin(latency=3.0, chunks=3) as (gemini, standin):
        env = production_env(
            gemini,
            REPLY_DEADLINE_SECONDS="6",
            REPLY_REDELIVER_AFTER="8",
            RECLAIM_INTERVAL="1",
        )
        with api_with_prompt(env, "survive this") as (_, _, reply_id):
            first = CliProcess(["worker"], env)
            try:
                wait_until(lambda: len(standin.requests) == 1, 30, "worker 1 to call the model")
            finally:
                first.kill()  # SIGKILL mid-reply: no acknowledgement, no cleanup
            assert reply_row(postgres_database, reply_id)["status"] == "pending"
            with worker_cli(env):
                # No new prompt arrives: the reclaim loop alone must find it.
                took = wait_until(
                    lambda: reply_row(postgres_database, reply_id)["status"] != "pending",
                    60,
                    "the second worker to finish the reply",
                )
            row = reply_row(postgres_database, reply_id)
            assert row["status"] == "completed", row
            assert row["content"] == "Stand-in answer to: survive this"
            assert row["deliveries"] == 2
            assert len(standin.requests) == 2
            assert took < 60
            assert pending_entries(redis_server_url, redis_prefix) == 0


def test_a_reply_that_keeps_killing_workers_fails_after_three_deliveries(
    production_env: EnvFactory, postgres_database: str
) -> None:
    with running_standin(latency=60.0, chunks=2) as (gemini, standin):
        env = production_env(
            gemini,
            REPLY_DEADLINE_SECONDS="10",
            REPLY_REDELIVER_AFTER="11",
            RECLAIM_INTERVAL="0.5",
        )
        with api_with_prompt(env, "poison") as (api, headers, reply_id):
            usage = api.get("/subscription/status", headers=headers).json()["data"]["usage"]
            assert usage["used_today"] == 1
            for delivery in range(1, 4):
                worker = CliProcess(["worker"], env)
                try:
                    wait_until(
                        lambda n=delivery: len(standin.requests) == n,  # type: ignore[misc]
                        40,
                        f"delivery {delivery} to reach the model",
                    )
                finally:
                    worker.kill()
            with worker_cli(env):
                wait_until(
                    lambda: reply_row(postgres_database, reply_id)["status"] != "pending",
                    40,
                    "the fourth delivery to fail the reply",
                )
            row = reply_row(postgres_database, reply_id)
            assert row["status"] == "failed" and "3 attempts" in row["error"]
            assert len(standin.requests) == 3  # the model was not called again
            usage = api.get("/subscription/status", headers=headers).json()["data"]["usage"]
            assert usage["used_today"] == 0


def test_sigterm_stops_an_idle_worker_at_once_and_a_busy_one_after_its_reply(
    production_env: EnvFactory, postgres_database: str
) -> None:
    with running_standin(latency=2.0, chunks=2) as (gemini, standin):
        env = production_env(gemini)
        idle = CliProcess(["worker"], env)
        # Ready, not a fixed sleep: on a loaded machine start-up alone can take
        # over 2 s, and a SIGTERM before the handlers are installed kills.
        wait_until(lambda: "worker ready" in idle.output(), 30, "the idle worker to be ready")
        started = time.monotonic()
        assert idle.stop(timeout=15) == 0, idle.output()
        assert time.monotonic() - started < 10
        with api_with_prompt(env, "finish me") as (_, _, reply_id):
            busy = CliProcess(["worker"], env)
            wait_until(lambda: len(standin.requests) == 1, 30, "the worker to call the model")
            assert busy.stop(timeout=30) == 0, busy.output()
            row = reply_row(postgres_database, reply_id)
            assert row["status"] == "completed", row
