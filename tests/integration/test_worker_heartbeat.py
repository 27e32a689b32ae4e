"""Workers you can see: each worker process sends a heartbeat; readiness
and `gemini-clone worker --check` report whether any is alive."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from tests.integration.test_workers import EnvFactory, production_env  # noqa: F401
from tests.support.processes import CliProcess, cli, serving_cli, wait_output, worker_cli
from tests.support.server import free_port

pytestmark = pytest.mark.integration


def check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return cli(["worker", "--check"], env, timeout=60)


def workers_verdict(client: httpx.Client) -> str:
    response = client.get("/health/ready")
    # Readiness is about this API process serving requests: no worker alive
    # is reported, but prompts are still taken (they wait in the stream).
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["checks"]["workers"])


def test_live_workers_are_listed_and_dead_ones_drop_out(
    production_env: EnvFactory,  # noqa: F811
) -> None:
    env = production_env("http://127.0.0.1:9", WORKER_HEARTBEAT_INTERVAL="1")
    port = free_port()
    with (
        serving_cli(env, port),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
    ):
        none = check(env)
        assert none.returncode == 1, none.stdout + none.stderr
        assert "no reply worker is alive" in none.stderr
        assert workers_verdict(client).startswith("unavailable: no reply worker is alive")

        with worker_cli(env, "--concurrency", "7") as graceful:
            wait_output(graceful, "worker ready")
            killed = CliProcess(["worker"], env)
            try:
                wait_output(killed, "worker ready")
                alive = check(env)
                assert alive.returncode == 0, alive.stdout + alive.stderr
                lines = alive.stdout.strip().splitlines()
                assert len(lines) == 2, alive.stdout
                pids = {graceful.process.pid, killed.process.pid}
                assert {int(line.split("pid ")[1].split()[0]) for line in lines} == pids
                assert all("0 replies in flight" in line for line in lines), alive.stdout
                assert workers_verdict(client) == "ok"
            finally:
                killed.kill()  # SIGKILL: its heartbeat stops, its key expires
            after_kill = _wait_for_count(env, 1)
            assert f"pid {graceful.process.pid} " in after_kill.stdout
        # A worker that stops gracefully says so at once.
        gone = check(env)
        assert gone.returncode == 1, gone.stdout + gone.stderr
        assert workers_verdict(client) != "ok"


def _wait_for_count(env: dict[str, str], count: int) -> subprocess.CompletedProcess[str]:
    for _ in range(30):
        result = check(env)
        if result.returncode == 0 and len(result.stdout.strip().splitlines()) == count:
            return result
    raise AssertionError(f"never saw {count} live worker(s): {result.stdout}{result.stderr}")
