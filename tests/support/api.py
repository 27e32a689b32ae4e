"""Driving the API in tests: the ASGI app in the test's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar

from entrypoints.bootstrap import bootstrap
from entrypoints.container import Container
from entrypoints.http.app import app_for
from entrypoints.settings import Settings, load_settings


def make_settings(data_dir: Path, **env: str) -> Settings:
    # Every request of an ASGI test client comes from one address, and tests
    # log many users in: the limit per client is off unless a test sets it
    # (tests/unit/test_client_limits.py does).
    base = {
        "APP_ENV": "test",
        "DATA_DIR": str(data_dir),
        "SWEEP_INTERVAL": "3600",
        "CLIENT_RATE_LIMIT": "0",
    }
    return load_settings({**base, **env})


class ApiClient(httpx.AsyncClient):
    """An httpx client speaking ASGI to the app, with the container the app
    was built from (to reach an adapter or a service beside the HTTP calls)."""

    def __init__(self, app: Litestar, container: Container) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url="http://test")
        self.app = app
        self.container = container


@contextlib.asynccontextmanager
async def running_app(settings: Settings, **overrides: Any) -> AsyncIterator[ApiClient]:
    """The app with its lifespan run, and a client speaking ASGI to it."""
    container = bootstrap(settings, **overrides)
    app = app_for(container)
    async with lifespan_of(app), ApiClient(app, container) as client:
        yield client


@contextlib.asynccontextmanager
async def lifespan_of(app: Litestar) -> AsyncIterator[None]:
    """Run ``app.lifespan()`` in a task of its own.

    pytest-asyncio may set a fixture up and tear it down in different tasks,
    and the lifespan's task group must be left by the task that entered it.
    """
    started = asyncio.Event()
    stop = asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # start-up failed: raise its error
    try:
        yield
    finally:
        stop.set()
        await task


async def login(client: httpx.AsyncClient, mobile: str = "+919876543210") -> dict[str, str]:
    """Log in with an OTP; returns the Authorization header."""
    sent = await client.post("/auth/send-otp", json={"mobile_number": mobile})
    assert sent.status_code == 200, sent.text
    code = sent.json()["data"]["otp"]
    verified = await client.post("/auth/verify-otp", json={"mobile_number": mobile, "otp": code})
    assert verified.status_code == 200, verified.text
    return {"Authorization": f"Bearer {verified.json()['data']['access_token']}"}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is the error envelope with this status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body


async def account_with_password(
    client: httpx.AsyncClient, password: str, mobile: str = "+919876543210"
) -> dict[str, str]:
    """An account that proved its number by a code and then set ``password``;
    returns the Authorization header of a password login."""
    headers = await login(client, mobile)
    changed = await client.post(
        "/auth/change-password", json={"new_password": password}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    logged = await client.post("/auth/login", json={"mobile_number": mobile, "password": password})
    assert logged.status_code == 200, logged.text
    return {"Authorization": f"Bearer {logged.json()['data']['access_token']}"}


async def confirmed_signup(
    client: httpx.AsyncClient, mobile: str = "+919876543210", **fields: str
) -> dict[str, Any]:
    """Sign up and verify the code the signup sent (which makes its password
    work); returns the signup's ``data``."""
    created = await client.post("/auth/signup", json={"mobile_number": mobile, **fields})
    assert created.status_code == 201, created.text
    data: dict[str, Any] = created.json()["data"]
    verified = await client.post(
        "/auth/verify-otp", json={"mobile_number": mobile, "otp": data["otp"]}
    )
    assert verified.status_code == 200, verified.text
    return data
