"""A model outage costs little: after a few failed replies a worker stops
calling Gemini for a cool-down, fails replies at once with a clear reason
(their quota given back), then lets one call probe and recovers."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.integration.test_workers import (  # noqa: F401
    EnvFactory,
    login,
    new_room,
    production_env,
    reply_row,
    send,
    wait_until,
)
from tests.support.gemini_standin import running_standin
from tests.support.processes import serving_cli, wait_output, worker_cli
from tests.support.server import free_port

pytestmark = pytest.mark.integration

COOLDOWN = 6.0
UNAVAILABLE = "the model is unavailable; try again shortly"


def test_the_breaker_opens_fails_fast_probes_and_recovers(
    production_env: EnvFactory,  # noqa: F811
    postgres_database: str,
) -> None:
    with running_standin(latency=0.1, chunks=1) as (gemini, standin):
        env = production_env(
            gemini,
            REPLY_DEADLINE_SECONDS="3",
            MODEL_BREAKER_FAILURES="2",
            MODEL_BREAKER_COOLDOWN=str(COOLDOWN),
        )
        port = free_port()
        with (
            serving_cli(env, port),
            worker_cli(env) as worker,
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
        ):
            wait_output(worker, "worker ready")
            headers = login(client)
            room = new_room(client, headers)

            def final(text: str) -> dict[str, object]:
                reply = send(client, headers, room, text).json()["data"]["reply"]["id"]
                wait_until(
                    lambda: reply_row(postgres_database, reply)["status"] != "pending",
                    30,
                    f"the reply to {text!r}",
                )
                return reply_row(postgres_database, reply)

            standin.fail_with = 503
            for text in ("first", "second"):  # each retried within its deadline
                row = final(text)
                assert row["status"] == "failed" and row["error"] != UNAVAILABLE, row
            calls = len(standin.requests)
            assert calls >= 2

            opened_at = time.monotonic()
            for text in ("third", "fourth"):
                row = final(text)
                assert row["status"] == "failed" and row["error"] == UNAVAILABLE, row
            assert len(standin.requests) == calls  # failed fast, Gemini not called
            usage = client.get("/subscription/status", headers=headers).json()["data"]["usage"]
            assert usage["used_today"] == 0  # every failed reply gave its quota back
            assert time.monotonic() - opened_at < COOLDOWN, "the test was too slow to tell"

            standin.fail_with = None
            time.sleep(max(0.0, COOLDOWN - (time.monotonic() - opened_at)) + 0.5)
            probe = final("probe")
            assert probe["status"] == "completed", probe
            assert len(standin.requests) == calls + 1  # one call let through
            after = final("after")
            assert after["status"] == "completed", after
            output = worker.output()
            assert "the model is failing" in output and "answering again" in output, output
