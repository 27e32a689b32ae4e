"""Redelivery with the default timing: live workers renew their claim on
the replies they run, so a killed worker's reply comes back in seconds while
a healthy slow one is never handed to a second worker."""

from __future__ import annotations

import time

import pytest

from tests.integration.test_workers import (  # noqa: F401
    EnvFactory,
    api_with_prompt,
    pending_entries,
    production_env,
    reply_row,
    wait_until,
)
from tests.support.gemini_standin import running_standin
from tests.support.processes import CliProcess, wait_output, worker_cli

pytestmark = pytest.mark.integration

# What an operator can rely on with the defaults (docs/OPERATIONS.md).
KILLED_REPLY_BACK_WITHIN = 30.0


def test_a_killed_workers_reply_completes_within_seconds_with_the_defaults(
    production_env: EnvFactory,  # noqa: F811
    redis_server_url: str,
    redis_prefix: str,
    postgres_database: str,
) -> None:
    # The first call outlasts the test; the next ones answer at once.
    with running_standin(latency=120.0, chunks=8) as (gemini, standin):
        env = production_env(gemini)
        with api_with_prompt(env, "come back") as (_, _, reply_id):
            first = CliProcess(["worker"], env)
            try:
                wait_until(lambda: len(standin.requests) == 1, 30, "worker 1 to call the model")
                standin.latency = 1.0
                with worker_cli(env) as second:
                    wait_output(second, "worker ready")
                    first.kill()  # SIGKILL mid-reply: no acknowledgement, no cleanup
                    killed_at = time.monotonic()
                    wait_until(
                        lambda: reply_row(postgres_database, reply_id)["status"] != "pending",
                        KILLED_REPLY_BACK_WITHIN + 30,
                        "the second worker to finish the reply",
                    )
                    took = time.monotonic() - killed_at
            finally:
                first.kill()
            row = reply_row(postgres_database, reply_id)
            assert row["status"] == "completed", row
            assert row["content"] == "Stand-in answer to: come back"
            assert row["deliveries"] == 2
            assert len(standin.requests) == 2
            assert took < KILLED_REPLY_BACK_WITHIN, f"took {took:.1f} s"
            assert pending_entries(redis_server_url, redis_prefix) == 0


def test_a_healthy_three_minute_reply_runs_once(
    production_env: EnvFactory,  # noqa: F811
    postgres_database: str,
) -> None:
    # Chunks 15 s apart: under the client's 30 s read timeout.
    with running_standin(latency=180.0, chunks=12) as (gemini, standin):
        env = production_env(gemini, REPLY_DEADLINE_SECONDS="240")
        with (
            api_with_prompt(env, "take your time") as (_, _, reply_id),
            worker_cli(env) as first,
            worker_cli(env) as second,
        ):
            wait_output(first, "worker ready")
            wait_output(second, "worker ready")
            wait_until(
                lambda: reply_row(postgres_database, reply_id)["status"] != "pending",
                240,
                "the slow reply to finish",
            )
            assert len(standin.requests) == 1
            outputs = first.output() + second.output()
        row = reply_row(postgres_database, reply_id)
        assert row["status"] == "completed", row
        assert row["content"] == "Stand-in answer to: take your time"
        assert row["deliveries"] == 1, outputs
        assert "reclaimed" not in outputs and "re-enqueued" not in outputs
