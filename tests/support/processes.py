"""Real `gemini-clone` processes for integration tests and benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def cli_env(**variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="gc-data-"))
    return {**env, "PYTHONUNBUFFERED": "1", **variables}


class CliProcess:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.args = args
        self.log = tempfile.NamedTemporaryFile(prefix="gc-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", *args],
            env=env,
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
        """SIGTERM and wait; SIGKILL if it does not exit in ``timeout``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode


def cli(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one `gemini-clone` command to its end."""
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        env=env,
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


def wait_ready(base: str, process: CliProcess, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.process.poll() is None, process.output()
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} never became ready:\n{process.output()}")


@contextmanager
def serving_cli(env: dict[str, str], port: int, *extra: str) -> Iterator[CliProcess]:
    process = CliProcess(["serve", "--port", str(port), *extra], env)
    try:
        wait_ready(f"http://127.0.0.1:{port}", process)
        yield process
    finally:
        process.stop()


@contextmanager
def worker_cli(env: dict[str, str], *extra: str) -> Iterator[CliProcess]:
    process = CliProcess(["worker", *extra], env)
    try:
        yield process
    finally:
        process.stop()
