"""What the soak runs against: a fresh PostgreSQL database (migrated, and
dropped at the end), a throwaway ``redis-server`` of its own (no
persistence, so a restart loses everything), the loopback Gemini
stand-in, two ``gemini-clone serve`` processes and ``gemini-clone worker
--processes 2``; every process stopped at the end, even on failure."""

from __future__ import annotations

import contextlib
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import POSTGRES_ADMIN_URL, HarnessError
from bench.stack import PYTHON_PATH, fresh_database, harness_errors, start_standin
from bench.usage import HELPERS
from tests.support.postgres_faults import PostgresFaults
from tests.support.processes import CliProcess, cli_env, run_cli, wait_output, wait_ready
from tests.support.server import free_port
from tests.support.throwaway_redis import ThrowawayRedis

START_TIMEOUT = 60.0
API_PROCESSES = 2
WORKER_PROCESSES = 2
PROC = Path("/proc")


@dataclass
class SoakStack:
    apis: list[str]  # base URLs
    api_processes: list[CliProcess]
    worker: CliProcess  # the supervisor parent of the worker processes
    redis: ThrowawayRedis
    postgres: PostgresFaults
    database_url: str  # psycopg's form: postgresql://...
    env: dict[str, str]
    settings: dict[str, str] = field(default_factory=dict)  # what the soak changed

    def worker_children(self) -> list[int]:
        """The live worker processes (the supervisor's children, without
        multiprocessing's helpers and without the dead not yet reaped)."""
        parent = self.worker.process.pid
        try:
            listed = (PROC / str(parent) / "task" / str(parent) / "children").read_text()
        except OSError:
            return []
        return [pid for pid in map(int, listed.split()) if _is_serving(pid)]

    def workers_ready(self) -> int:
        """How many worker processes have said they are ready, so far."""
        return self.worker.output().count("worker ready")


def _is_serving(pid: int) -> bool:
    try:
        command = (PROC / str(pid) / "cmdline").read_bytes()
        state = (PROC / str(pid) / "stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False  # gone meanwhile
    return state != "Z" and not any(name in command for name in HELPERS)


def soak_settings(quick: bool) -> dict[str, str]:
    """The settings the soak changes. The full run keeps the production
    defaults for everything that recovers from faults; the quick one
    shortens the sweep (which re-enqueues what a Redis restart lost), so
    that it recovers within its minute."""
    settings = {
        # Many users log in from this one address.
        "CLIENT_RATE_LIMIT": "0",
        "BASIC_DAILY_LIMIT": "5",
        "WORKER_CONCURRENCY": "50",
    }
    if quick:
        settings |= {"REPLY_REQUEUE_AFTER": "10", "SWEEP_INTERVAL": "5"}
    return settings


@contextlib.contextmanager
def running_soak_stack(*, quick: bool, latency: float) -> Iterator[SoakStack]:
    run_id = uuid.uuid4().hex[:10]
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="gcsoak-data-"))
        database_url = stack.enter_context(fresh_database(f"gc_soak_{run_id}"))
        redis = ThrowawayRedis()
        try:
            redis.start()
        except FileNotFoundError as exc:
            raise HarnessError(f"redis-server is not installed: {exc}") from None
        stack.callback(redis.stop)
        base_env = cli_env(DATA_DIR=data_dir, PYTHONPATH=PYTHON_PATH)
        standin = start_standin(stack, base_env, latency, 4)
        settings = soak_settings(quick)
        env = {
            **base_env,
            # demo: production's rules, with the codes in responses the soak logs in with
            "APP_ENV": "demo",
            "PUBLIC_URL": "https://soak.example.com",
            "DATABASE_URL": database_url.replace("postgresql://", "postgresql+psycopg://", 1),
            "REDIS_URL": redis.url,
            "REDIS_PREFIX": f"gcsoak:{run_id}:",
            "JWT_SECRET": secrets.token_urlsafe(48),
            "OTP_DELIVERY": "response",
            "GEMINI_API_KEY": "soak-key",
            "GEMINI_API_BASE": standin,
            "LOG_LEVEL": "INFO",
            "ACCESS_LOG": "false",
            **settings,
        }
        with harness_errors("gemini-clone migrate failed"):
            run_cli(["migrate"], env)
        apis, api_processes = [], []
        for _ in range(API_PROCESSES):
            url, process = _start_api(stack, env)
            apis.append(url)
            api_processes.append(process)
        worker = CliProcess(["worker", "--processes", str(WORKER_PROCESSES)], env)
        stack.callback(worker.stop, 60)
        with harness_errors("the workers did not start"):
            wait_output(worker, "worker ready", WORKER_PROCESSES, START_TIMEOUT)
        yield SoakStack(
            apis=apis,
            api_processes=api_processes,
            worker=worker,
            redis=redis,
            postgres=PostgresFaults(POSTGRES_ADMIN_URL, database_url.rsplit("/", 1)[1]),
            database_url=database_url,
            env=env,
            settings=settings,
        )


def _start_api(stack: contextlib.ExitStack, env: dict[str, str]) -> tuple[str, CliProcess]:
    port = free_port()
    process = CliProcess(["serve", "--port", str(port)], env)
    stack.callback(process.stop)
    url = f"http://127.0.0.1:{port}"
    with harness_errors("an API process did not start"):
        wait_ready(url, process, timeout=START_TIMEOUT)
    return url, process
