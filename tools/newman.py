"""Run the Postman collection with newman against a live embedded server.

    python -m tools.newman [newman options...]      (nox -s newman)

Starts `gemini-clone serve` on a free port with a fresh data folder (the
embedded default: SQLite, in-process queue, the offline model, no Stripe),
waits until it is ready, runs postman/node_modules/.bin/newman (installed by
`npm ci --prefix postman`) over the collection and its environment with
``baseUrl`` pointed at it, stops the server and exits with newman's status.
"""

# ruff: noqa: S603

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
POSTMAN = ROOT / "postman"
NEWMAN = POSTMAN / "node_modules" / ".bin" / "newman"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gemini-clone serve exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{base}/health/ready did not answer 200 in {timeout:.0f} s")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def main(extra: list[str]) -> int:
    if not NEWMAN.exists():
        print(f"{NEWMAN.relative_to(ROOT)} is missing: run `npm ci --prefix postman`")
        return 2
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="gc-newman-") as data_dir:
        env = {**os.environ, "APP_ENV": "development", "DATA_DIR": data_dir}
        for name in ("DATABASE_URL", "REDIS_URL", "OTP_DELIVERY", "STRIPE_SECRET_KEY"):
            env.pop(name, None)  # the embedded default, whatever the caller's shell says
        log_path = Path(data_dir) / "serve.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_ready(base, server)
                newman = subprocess.run(
                    [
                        str(NEWMAN),
                        "run",
                        str(POSTMAN / "gemini-clone.postman_collection.json"),
                        "-e",
                        str(POSTMAN / "gemini-clone.postman_environment.json"),
                        "--env-var",
                        f"baseUrl={base}",
                        "--timeout-request",
                        "30000",
                        *extra,
                    ],
                    check=False,
                )
            finally:
                stop(server)
        if newman.returncode != 0:
            print(f"--- gemini-clone serve's log ---\n{log_path.read_text(errors='replace')}")
        return newman.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
