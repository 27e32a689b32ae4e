"""The limit per client behind a real `gemini-clone serve`: the client is the
socket's peer, and X-Forwarded-For counts only from TRUSTED_PROXIES (uvicorn's
own proxy-header handling, which believes 127.0.0.1, is off)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.processes import cli_env, serving_cli
from tests.support.server import free_port


def numbers(count: int) -> list[str]:
    return [f"+9198765432{i:02d}" for i in range(count)]


def send_otp(client: httpx.Client, mobile: str, forwarded_for: str) -> int:
    response = client.post(
        "/auth/send-otp",
        json={"mobile_number": mobile},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


def test_forwarded_for_from_loopback_is_not_believed_by_default(tmp_path: Path) -> None:
    port = free_port()
    with (
        serving_cli(cli_env(DATA_DIR=str(tmp_path / "data")), port),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
    ):
        statuses = [
            send_otp(client, mobile, f"198.51.100.{index}")
            for index, mobile in enumerate(numbers(21))
        ]
        assert statuses == [200] * 20 + [429]


def test_forwarded_for_names_the_client_behind_a_trusted_proxy(tmp_path: Path) -> None:
    port = free_port()
    env = cli_env(DATA_DIR=str(tmp_path / "data"), TRUSTED_PROXIES="127.0.0.1")
    with (
        serving_cli(env, port),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
    ):
        mobiles = numbers(25)
        spread = [send_otp(client, m, f"198.51.100.{i}") for i, m in enumerate(mobiles)]
        assert spread == [200] * 25
        one = [send_otp(client, m, "203.0.113.7") for m in mobiles[:21]]
        assert one == [200] * 20 + [429]
