"""The parent of `worker --processes N` and `serve --workers N` keeps its
children running: a child that dies is replaced, and the rest go on."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx

from tests.integration.test_workers import EnvFactory, login, production_env  # noqa: F401
from tests.support.processes import CliProcess, serving_cli, wait_http, wait_output, worker_cli
from tests.support.server import free_port


def children_of(pid: int) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return {int(line) for line in found.stdout.split()}


def workers_of(process: CliProcess) -> set[int]:
    # spawn's resource tracker is a child too; the workers are the ones that
    # print "worker ready", so compare sets before and after a kill.
    return children_of(process.process.pid)


def test_a_killed_worker_process_is_replaced(production_env: EnvFactory) -> None:  # noqa: F811
    env = production_env("http://127.0.0.1:9")
    with worker_cli(env, "--processes", "2") as worker:
        wait_output(worker, "worker ready", count=2)
        before = workers_of(worker)
        victim = max(before)
        os.kill(victim, signal.SIGKILL)
        wait_output(worker, "worker ready", count=3, timeout=30)
        assert worker.process.poll() is None, worker.output()
        after = workers_of(worker)
        assert victim not in after and len(after) == len(before), worker.output()
        assert "starting another" in worker.output()


def test_a_killed_api_process_is_replaced_and_the_port_answers_again(
    production_env: EnvFactory,  # noqa: F811
) -> None:
    env = production_env("http://127.0.0.1:9")
    port = free_port()
    with serving_cli(env, port, "--workers", "2") as api:
        base = f"http://127.0.0.1:{port}"
        before = children_of(api.process.pid)
        os.kill(max(before), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while "starting another" not in api.output():
            assert time.monotonic() < deadline, api.output()
            time.sleep(0.1)
        # Connections the killed process had accepted are lost with it; the
        # port answers again at once through the other process, then both.
        wait_http(f"{base}/health/ready", api, timeout=30)
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(20):
                assert client.get("/health/ready").status_code == 200
            assert login(client)["Authorization"].startswith("Bearer ")
        assert api.process.poll() is None, api.output()
