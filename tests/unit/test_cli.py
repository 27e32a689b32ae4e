"""The `gemini-clone` command, as a person runs it on a fresh machine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.server import free_port


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH", "LANG")}
    return {**keep, "DATA_DIR": str(tmp_path / "data"), **extra}


def test_migrate_makes_the_schema(tmp_path: Path) -> None:
    result = run_cli("migrate", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "gemini-clone.sqlite3").exists()


def test_a_bad_setting_stops_start_up_naming_it(tmp_path: Path) -> None:
    result = run_cli("serve", env=clean_env(tmp_path, PORT="eighty"))
    assert result.returncode == 2
    assert "PORT" in result.stderr


def test_serve_on_the_embedded_default(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        env=clean_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=10) as client:
            otp = client.post("/auth/send-otp", json={"mobile_number": "+919876543210"})
            session = client.post(
                "/auth/verify-otp",
                json={"mobile_number": "+919876543210", "otp": otp.json()["data"]["otp"]},
            )
            headers = {"Authorization": f"Bearer {session.json()['data']['access_token']}"}
            room = client.post("/chatroom", json={"name": "hello"}, headers=headers).json()
            room_id = room["data"]["chatroom"]["id"]
            sent = client.post(
                f"/chatroom/{room_id}/message", json={"content": "hi"}, headers=headers
            )
            assert sent.status_code == 202
            reply_id = sent.json()["data"]["reply"]["id"]
            for _ in range(100):
                messages = client.get(f"/chatroom/{room_id}/messages", headers=headers).json()
                reply = next(m for m in messages["data"] if m["id"] == reply_id)
                if reply["status"] != "pending":
                    break
                time.sleep(0.05)
            assert reply["status"] == "completed"
            assert "offline" in reply["content"].lower()
    finally:
        process.terminate()
        process.wait(timeout=20)
