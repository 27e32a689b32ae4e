"""A reply worker outlives its Redis: a stall, a restart, a restart that
loses the stream. Real API and worker processes on PostgreSQL and a
throwaway ``redis-server`` of the test's own."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
import redis

from tests.integration.test_workers import login, new_room, reply_row, send, wait_until
from tests.support.gemini_standin import running_standin
from tests.support.processes import (
    CliProcess,
    cli_env,
    run_cli,
    serving_cli,
    wait_http,
    wait_output,
    worker_cli,
)
from tests.support.server import free_port
from tests.support.throwaway_redis import ThrowawayRedis

pytestmark = pytest.mark.integration

OUTAGE_LOGGED = "Redis is unreachable"
RECOVERY_LOGGED = "reachable again"
EnvFactory = Callable[..., dict[str, str]]


@pytest.fixture
def outage_env(postgres_database: str, throwaway_redis: ThrowawayRedis) -> EnvFactory:
    """A production deployment's environment on this test's own database
    and its own redis-server."""
    base = cli_env(
        # demo: production's rules, with the codes in responses the test logs in with
        APP_ENV="demo",
        PUBLIC_URL="https://chat.example.com",
        DATABASE_URL=postgres_database,
        REDIS_URL=throwaway_redis.url,
        JWT_SECRET="integration-test-secret-of-at-least-32-bytes",
        OTP_DELIVERY="response",
        GEMINI_API_KEY="test-key",
        LOG_LEVEL="INFO",
    )
    run_cli(["migrate"], base)

    def make(gemini_base: str, **extra: str) -> dict[str, str]:
        return {**base, "GEMINI_API_BASE": gemini_base, **extra}

    return make


@contextmanager
def api(env: dict[str, str]) -> Iterator[tuple[httpx.Client, CliProcess]]:
    port = free_port()
    with (
        serving_cli(env, port) as process,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
    ):
        yield client, process


def completes(database: str, reply_id: str, timeout: float = 30) -> dict[str, object]:
    wait_until(
        lambda: reply_row(database, reply_id)["status"] != "pending",
        timeout,
        f"reply {reply_id} to be final",
    )
    row = reply_row(database, reply_id)
    assert row["status"] == "completed", row
    return row


def back_up(client: httpx.Client, process: CliProcess) -> None:
    """The API sees Redis again (readiness closes its circuit breaker)."""
    wait_http(f"{str(client.base_url).rstrip('/')}/health/ready", process, timeout=30)


def test_a_worker_rides_out_a_stalled_and_a_restarted_redis(
    outage_env: EnvFactory, throwaway_redis: ThrowawayRedis, postgres_database: str
) -> None:
    with running_standin(latency=0.2, chunks=2) as (gemini, _):
        env = outage_env(gemini)
        with api(env) as (client, api_process), worker_cli(env) as worker:
            wait_output(worker, "worker ready")
            headers = login(client)
            room = new_room(client, headers)
            first = send(client, headers, room, "before").json()["data"]["reply"]["id"]
            completes(postgres_database, first)

            throwaway_redis.pause()
            try:
                time.sleep(3)  # longer than every Redis client's 2 s socket timeout
            finally:
                throwaway_redis.resume()
            wait_output(worker, OUTAGE_LOGGED, timeout=10)
            wait_output(worker, RECOVERY_LOGGED, timeout=30)
            back_up(client, api_process)
            second = send(client, headers, room, "after a stall").json()["data"]["reply"]["id"]
            assert completes(postgres_database, second)["content"] == (
                "Stand-in answer to: after a stall"
            )

            throwaway_redis.restart(down_seconds=1)
            wait_output(worker, RECOVERY_LOGGED, count=2, timeout=30)
            back_up(client, api_process)
            third = send(client, headers, room, "after a restart").json()["data"]["reply"]["id"]
            assert completes(postgres_database, third)["content"] == (
                "Stand-in answer to: after a restart"
            )
            assert worker.process.poll() is None, worker.output()
            output = worker.output()
            # Once per outage, however long it lasts, and once on recovery.
            assert output.count(OUTAGE_LOGGED) == 2, output
            assert output.count(RECOVERY_LOGGED) == 2, output
            assert "consumer group" in output  # made again after the restart


def test_a_reply_lost_with_the_stream_is_enqueued_again_and_completes(
    outage_env: EnvFactory, throwaway_redis: ThrowawayRedis, postgres_database: str
) -> None:
    with running_standin(latency=4.0, chunks=2) as (gemini, standin):
        env = outage_env(gemini, REPLY_REQUEUE_AFTER="3", SWEEP_INTERVAL="1")
        with api(env) as (client, api_process), worker_cli(env, "--concurrency", "1") as worker:
            wait_output(worker, "worker ready")
            headers = login(client)
            room = new_room(client, headers)
            busy = send(client, headers, room, "keep me busy").json()["data"]["reply"]["id"]
            wait_until(lambda: len(standin.requests) == 1, 30, "the worker to call the model")
            # The worker has room for one reply: this one waits in the stream.
            waiting = send(client, headers, room, "wait for me").json()["data"]["reply"]["id"]
            stream = redis.Redis.from_url(throwaway_redis.url)
            try:
                assert stream.xlen("gc:replies") == 2
            finally:
                stream.close()

            throwaway_redis.restart()  # no persistence: the stream is gone
            back_up(client, api_process)

            completes(postgres_database, busy)
            row = completes(postgres_database, waiting, timeout=60)
            assert row["content"] == "Stand-in answer to: wait for me"
            assert worker.process.poll() is None, worker.output()
            assert "re-enqueued" in worker.output()
