"""The processes measured: a fresh database, a Redis key prefix, the Gemini
stand-in, ``gemini-clone serve --workers N``, the ceiling and (when the
reply pipeline is measured) ``gemini-clone worker``; all stopped and cleaned
up at the end, even on failure."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import psycopg
import redis

from bench import ROOT
from bench.common import (
    POSTGRES_ADMIN_URL,
    REDIS_BASE_URL,
    REDIS_DB,
    WORKER_CONCURRENCY,
    HarnessError,
)
from bench.usage import ProcessTree
from tests.support.processes import (
    CliProcess,
    LoggedProcess,
    cli_env,
    run_cli,
    wait_http,
    wait_output,
    wait_ready,
)
from tests.support.server import free_port

START_TIMEOUT = 60  # seconds for a process of the stack to come up
PYTHON_PATH = os.pathsep.join([str(ROOT), str(ROOT / "src")])


@dataclass
class Stack:
    api: str
    ceiling: str
    standin: str
    database_url: str  # psycopg's form: postgresql://...
    redis_url: str
    prefix: str
    env: dict[str, str]
    worker_processes: int
    api_tree: ProcessTree  # gemini-clone serve and its children
    ceiling_tree: ProcessTree
    worker: CliProcess | None = None

    def start_worker(self, processes: int | None = None) -> ProcessTree:
        """``gemini-clone worker --processes N`` (default: the run's N), once
        every process is ready; the tree to watch."""
        count = processes or self.worker_processes
        self.worker = CliProcess(
            ["worker", "--processes", str(count), "--concurrency", str(WORKER_CONCURRENCY)],
            self.env,
        )
        with harness_errors("the worker did not start"):
            wait_output(self.worker, "worker ready", count, START_TIMEOUT)
        return ProcessTree("worker", self.worker.process.pid)

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.stop(timeout=30)
            self.worker = None


@contextlib.contextmanager
def harness_errors(what: str) -> Iterator[None]:
    """The process helpers' AssertionError (a process that died or never
    answered) as a HarnessError, with the end of what the process said."""
    try:
        yield
    except AssertionError as exc:
        raise HarnessError(f"{what}:\n{str(exc)[-3000:]}") from None


@contextlib.contextmanager
def running_stack(
    api_processes: int, worker_processes: int, latency: float, chunks: int
) -> Iterator[Stack]:
    run_id = uuid.uuid4().hex[:10]
    prefix = f"gcbench:{run_id}:"
    redis_url = f"{REDIS_BASE_URL}/{REDIS_DB}"
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="gcbench-data-"))
        database_url = stack.enter_context(fresh_database(f"gc_bench_{run_id}"))
        stack.callback(delete_keys, redis_url, prefix)
        base_env = cli_env(DATA_DIR=data_dir, PYTHONPATH=PYTHON_PATH)
        standin_url = start_standin(stack, base_env, latency, chunks)
        env = {
            **base_env,
            # demo: production's rules, with the codes in responses the harness logs in with
            "APP_ENV": "demo",
            "PUBLIC_URL": "https://bench.example.com",
            "DATABASE_URL": database_url.replace("postgresql://", "postgresql+psycopg://", 1),
            "REDIS_URL": redis_url,
            "REDIS_PREFIX": prefix,
            "JWT_SECRET": secrets.token_urlsafe(48),
            "OTP_DELIVERY": "response",
            "GEMINI_API_KEY": "bench-key",
            "GEMINI_API_BASE": standin_url,
            "WORKER_CONCURRENCY": str(WORKER_CONCURRENCY),
            # The seed logs dozens of users in from one address.
            "CLIENT_RATE_LIMIT": "0",
        }
        with harness_errors("gemini-clone migrate failed"):
            run_cli(["migrate"], env)
        api_url, api_tree = start_api(stack, env, api_processes)
        ceiling_env = {**base_env, "REDIS_URL": redis_url, "CEILING_KEY": f"{prefix}ceiling"}
        ceiling_url, ceiling_tree = start_ceiling(stack, ceiling_env, api_processes)
        result = Stack(
            api=api_url,
            ceiling=ceiling_url,
            standin=standin_url,
            database_url=database_url,
            redis_url=redis_url,
            prefix=prefix,
            env=env,
            worker_processes=worker_processes,
            api_tree=api_tree,
            ceiling_tree=ceiling_tree,
        )
        stack.callback(result.stop_worker)
        yield result


@contextlib.contextmanager
def fresh_database(name: str) -> Iterator[str]:
    """A new PostgreSQL database, dropped at the end; yields its URL."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def delete_keys(redis_url: str, prefix: str) -> None:
    """Delete the run's keys (only those under its prefix: the Redis is shared)."""
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
    client.close()


def start_service(
    stack: contextlib.ExitStack,
    env: dict[str, str],
    name: str,
    command: list[str],
    url: str,
    accept: Callable[[httpx.Response], bool],
) -> ProcessTree:
    """``python -m COMMAND`` in its own session, stopped with the stack;
    returns (its tree) once ``url`` answers as ``accept`` wants."""
    service = LoggedProcess([sys.executable, "-m", *command], env, name=f"gcbench-{name}", cwd=ROOT)
    stack.callback(service.stop, 20)
    with harness_errors(f"the {name} did not start"):
        wait_http(url, service, accept=accept, timeout=START_TIMEOUT)
    return ProcessTree(name, service.process.pid)


def start_standin(
    stack: contextlib.ExitStack, env: dict[str, str], latency: float, chunks: int
) -> str:
    """The loopback Gemini stand-in (``tests/support/gemini_standin.py``)."""
    port = free_port()
    command = ["tests.support.gemini_standin", "--port", str(port)]
    command += ["--latency", str(latency), "--chunks", str(chunks)]
    url = f"http://127.0.0.1:{port}"
    start_service(stack, env, "standin", command, url + "/", lambda _: True)
    return url


def start_api(
    stack: contextlib.ExitStack, env: dict[str, str], processes: int
) -> tuple[str, ProcessTree]:
    """``gemini-clone serve --workers N``: its URL and its tree."""
    port = free_port()
    api = CliProcess(["serve", "--port", str(port), "--workers", str(processes)], env)
    stack.callback(api.stop)
    url = f"http://127.0.0.1:{port}"
    with harness_errors("the API did not start"):
        wait_ready(url, api, timeout=START_TIMEOUT)
    return url, ProcessTree("api", api.process.pid)


def start_ceiling(
    stack: contextlib.ExitStack, env: dict[str, str], processes: int
) -> tuple[str, ProcessTree]:
    """``bench/ceiling.py``, served as the API is (404 until its key is set)."""
    port = free_port()
    command = ["bench.ceiling", "--port", str(port), "--workers", str(processes)]
    url = f"http://127.0.0.1:{port}"
    tree = start_service(
        stack, env, "ceiling", command, url + "/ceiling", lambda r: r.status_code == 404
    )
    return url, tree
