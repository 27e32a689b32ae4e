"""Logs and metrics of real `gemini-clone` processes: `serve --workers 2`
and `worker --processes 2 --metrics-port`, on PostgreSQL and Redis."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from tests.integration import test_workers
from tests.integration.test_workers import (
    EnvFactory,
    login,
    new_room,
    reply_row,
    wait_until,
)
from tests.support.gemini_standin import running_standin
from tests.support.metrics import sample
from tests.support.processes import CliProcess, serving_cli, wait_output, worker_cli
from tests.support.server import free_port

# The deployment of test_workers: PostgreSQL, Redis, `gemini-clone migrate` run.
production_env = test_workers.production_env


def json_lines(process: CliProcess) -> list[dict[str, Any]]:
    """Every line the process wrote, each parsed as JSON (a line that is
    not JSON fails the test: uvicorn's and the supervisor's included)."""
    lines = [line for line in process.output().splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line: {line!r}\n{process.output()}") from None
    return parsed


def access_lines(process: CliProcess) -> list[dict[str, Any]]:
    return [entry for entry in json_lines(process) if entry["logger"] == "gemini_clone.access"]


def test_two_api_processes_log_every_request_and_share_their_metrics(
    production_env: EnvFactory,
) -> None:
    env = production_env("http://127.0.0.1:9", LOG_FORMAT="json")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serving_cli(env, port, "--workers", "2") as api:
        # Both children configured logging: their application lines show.
        wait_output(api, "gemini-clone API ready", count=2)
        # A new connection for each request, so the kernel spreads them
        # over both processes.
        for i in range(20):
            response = httpx.get(f"{base}/health", headers={"X-Request-ID": f"probe-{i}"})
            assert response.headers["X-Request-ID"] == f"probe-{i}"
        room = uuid.uuid4()
        refused = httpx.get(f"{base}/chatroom/{room}")
        assert refused.status_code == 401
        made = refused.headers["X-Request-ID"]
        assert str(uuid.UUID(made)) == made
        scrapes = [httpx.get(f"{base}/metrics").text for _ in range(4)]
        lines = access_lines(api)
    health = {e["request_id"]: e for e in lines if e["route"] == "/health"}
    assert sorted(health) == sorted(f"probe-{i}" for i in range(20))
    assert {(e["status"], e["method"], e["level"]) for e in health.values()} == {
        (200, "GET", "INFO")
    }
    assert len({e["process"] for e in health.values()}) == 2, "one process took every request"
    [chatroom] = [e for e in lines if e["route"] == "/chatroom/{room_id}"]
    assert chatroom["status"] == 401 and chatroom["request_id"] == made
    assert chatroom["path"] == f"/chatroom/{room}" and chatroom["level"] == "INFO"
    # Any process answers with the sum over both.
    for text in scrapes:
        requests = "gemini_clone_http_requests_total"
        assert sample(text, requests, method="GET", route="/health", status="200") == 20
        assert sample(text, requests, route="/chatroom/{room_id}", status="401") == 1


# One process answers scrapes itself; with several, the parent sums them.
@pytest.mark.parametrize("processes", [1, 2])
def test_the_worker_metrics_port_counts_replies_and_the_request_id_reaches_the_worker(
    production_env: EnvFactory, postgres_database: str, processes: int
) -> None:
    with running_standin(latency=0.2, chunks=2) as (gemini, _):
        env = production_env(gemini, LOG_FORMAT="json")
        api_port, metrics_port = free_port(), free_port()
        metrics = f"http://127.0.0.1:{metrics_port}/metrics"
        with (
            serving_cli(env, api_port) as api,
            worker_cli(
                env, "--processes", str(processes), "--metrics-port", str(metrics_port)
            ) as worker,
            httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=10) as client,
        ):
            wait_output(worker, "worker ready", count=processes)
            headers = login(client)
            room = new_room(client, headers)
            sent = client.post(
                f"/chatroom/{room}/message",
                json={"content": "hello"},
                headers={**headers, "X-Request-ID": "prompt-trace-1"},
            )
            assert sent.status_code == 202, sent.text
            reply_id = sent.json()["data"]["reply"]["id"]
            wait_until(
                lambda: reply_row(postgres_database, reply_id)["status"] == "completed",
                30,
                "the reply",
            )
            wait_until(
                lambda: sample(httpx.get(metrics).text, "gemini_clone_replies_total") == 1,
                10,
                "the reply to be counted",
            )
            text = httpx.get(metrics).text
            api_text = client.get("/metrics").text
            worker_lines = json_lines(worker)
            json_lines(api)  # every line of the API is JSON too
    assert sample(text, "gemini_clone_replies_total", outcome="completed") == 1
    assert sample(text, "gemini_clone_reply_redeliveries_total") == 0
    assert sample(text, "gemini_clone_model_latency_seconds_count") == 1
    assert sample(text, "gemini_clone_model_errors_total") is None
    assert sample(text, "gemini_clone_queue_depth") == 0
    assert sample(text, "gemini_clone_queue_pending") == 0
    assert sample(text, "gemini_clone_queue_lag_seconds") == 0
    assert sample(api_text, "gemini_clone_logins_total", method="otp", outcome="success") == 1
    assert sample(api_text, "gemini_clone_otp_sends_total", outcome="success") == 1
    # The worker's lines of that reply name the prompt's request id.
    traced = [e for e in worker_lines if e.get("request_id") == "prompt-trace-1"]
    assert traced, "no worker line names the prompt's request id"
    if processes > 1:
        assert all(e["process"] != worker.process.pid for e in traced)  # a child wrote them
