"""Real `gemini-clone` processes (and helper services) for integration tests
and benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def cli_env(**variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    if "DATA_DIR" not in variables:
        env["DATA_DIR"] = tempfile.mkdtemp(prefix="gc-data-")
    return {**env, "PYTHONUNBUFFERED": "1", **variables}


class LoggedProcess:
    """A process in a session (and process group) of its own, its stdout and
    stderr in a log file."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        *,
        name: str = "gc",
        cwd: Path | None = None,
    ) -> None:
        self.log = tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group: no chance to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM and wait; SIGKILL if it does not exit in ``timeout``. Then
        SIGKILL whatever it left in its group (a supervisor's children)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.returncode


class CliProcess(LoggedProcess):
    """``gemini-clone ARGS`` (``python -m entrypoints.cli``)."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.args = args
        super().__init__([sys.executable, "-m", "entrypoints.cli", *args], env)


def cli(
    args: list[str], env: dict[str, str], timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one `gemini-clone` command to its end (in ``cwd``, if given)."""
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_cli(args: list[str], env: dict[str, str], timeout: float = 120) -> str:
    """Run one `gemini-clone` command that must succeed; its output."""
    result = cli(args, env, timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def wait_http(
    url: str,
    process: LoggedProcess,
    *,
    accept: Callable[[httpx.Response], bool] = lambda response: response.status_code == 200,
    timeout: float = 30,
) -> None:
    """Poll ``url`` until ``accept`` takes its answer; AssertionError (with the
    process's output) when the process exits or ``timeout`` passes first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.process.poll() is None, process.output()
        try:
            if accept(httpx.get(url, timeout=2)):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never answered as expected:\n{process.output()}")


def wait_ready(base: str, process: LoggedProcess, timeout: float = 30) -> None:
    wait_http(f"{base}/health/ready", process, timeout=timeout)


def wait_output(process: LoggedProcess, text: str, count: int = 1, timeout: float = 30) -> None:
    """Wait until ``text`` occurs ``count`` times in the process's output."""
    deadline = time.monotonic() + timeout
    while process.output().count(text) < count:
        assert process.process.poll() is None, process.output()
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not seen {count} time(s):\n{process.output()}")
        time.sleep(0.1)


@contextmanager
def serving_cli(env: dict[str, str], port: int, *extra: str) -> Iterator[CliProcess]:
    process = CliProcess(["serve", "--port", str(port), *extra], env)
    try:
        wait_ready(f"http://127.0.0.1:{port}", process)
        yield process
    finally:
        process.stop()


@contextmanager
def serving_client(data_dir: Path, port: int | None = None, **variables: str) -> Iterator[str]:
    """``gemini-clone serve`` on ``port`` (a free one when None) over
    ``data_dir`` with ``variables``; yields its base URL."""
    port = port or free_port()
    with serving_cli(cli_env(DATA_DIR=str(data_dir), **variables), port):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def worker_cli(env: dict[str, str], *extra: str) -> Iterator[CliProcess]:
    process = CliProcess(["worker", *extra], env)
    try:
        yield process
    finally:
        process.stop()
