"""The `gemini-clone` command, as a person runs it on a fresh machine."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.support.processes import cli, cli_env, run_cli, serving_cli
from tests.support.server import free_port


def test_migrate_makes_the_schema(tmp_path: Path) -> None:
    run_cli(["migrate"], cli_env(DATA_DIR=str(tmp_path / "data")))
    assert (tmp_path / "data" / "gemini-clone.sqlite3").exists()


def test_a_bad_setting_stops_start_up_naming_it(tmp_path: Path) -> None:
    result = cli(["serve"], cli_env(DATA_DIR=str(tmp_path), PORT="eighty"), timeout=60)
    assert result.returncode == 2
    assert "PORT" in result.stderr


def test_serve_on_the_embedded_default(tmp_path: Path) -> None:
    port = free_port()
    with (
        serving_cli(cli_env(DATA_DIR=str(tmp_path / "data")), port),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
    ):
        otp = client.post("/auth/send-otp", json={"mobile_number": "+919876543210"})
        session = client.post(
            "/auth/verify-otp",
            json={"mobile_number": "+919876543210", "otp": otp.json()["data"]["otp"]},
        )
        headers = {"Authorization": f"Bearer {session.json()['data']['access_token']}"}
        room = client.post("/chatroom", json={"name": "hello"}, headers=headers).json()
        room_id = room["data"]["chatroom"]["id"]
        sent = client.post(f"/chatroom/{room_id}/message", json={"content": "hi"}, headers=headers)
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


def test_every_bad_setting_is_listed_at_once(tmp_path: Path) -> None:
    env = cli_env(DATA_DIR=str(tmp_path), PORT="eighty", BASIC_DAILY_LIMIT="abc")
    result = cli(["serve"], env, timeout=60)
    assert result.returncode == 2
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert "PORT: must be a whole number" in lines
    assert "BASIC_DAILY_LIMIT: must be a whole number" in lines


def test_production_refuses_sqlite_behind_several_processes(tmp_path: Path) -> None:
    env = cli_env(
        APP_ENV="production",
        DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3",
        REDIS_URL="redis://127.0.0.1:9/0",
        JWT_SECRET="integration-test-secret-of-at-least-32-bytes",
        OTP_DELIVERY="log",
        PUBLIC_URL="https://chat.example.com",
    )
    for args in (["serve", "--workers", "2"], ["worker"]):
        result = cli(args, env, timeout=60)
        assert result.returncode == 2, result.stderr
        (problem,) = [line.strip() for line in result.stderr.splitlines()[1:]]
        assert problem.startswith("DATABASE_URL: SQLite serves one process only")


def test_worker_check_on_the_embedded_default_says_there_are_no_workers(tmp_path: Path) -> None:
    result = cli(["worker", "--check"], cli_env(DATA_DIR=str(tmp_path)), timeout=60)
    assert result.returncode == 2
    assert "embedded default answers prompts in the API process" in result.stderr


def test_an_unreachable_postgresql_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = cli_env(
        DATA_DIR=str(tmp_path),
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/gc",
        REDIS_URL="redis://127.0.0.1:9/0",
    )
    for args, outcome in [
        (["migrate"], "the schema was not changed"),
        (["serve"], "nothing started"),
        (["worker"], "nothing started"),
    ]:
        result = cli(args, env, timeout=60)
        assert result.returncode == 1, result.stderr
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"gemini-clone: cannot reach the database at 127.0.0.1:{port}/gc: ")
        assert "Connection refused" in line and line.endswith(outcome)
