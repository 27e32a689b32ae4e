"""Schemathesis fuzzes every operation of the OpenAPI document against a live
server: no input may produce a 500, and every response keeps the envelope.
Routes added later are fuzzed too, since the document is read at run time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings

from entrypoints.http.app import create_app
from tests.support.api import make_settings
from tests.support.fakes import cheap_hasher
from tests.support.server import free_port
from tests.support.stripe_loopback import (
    DEFAULT_PRICE_ID,
    DEFAULT_SECRET_KEY,
    DEFAULT_WEBHOOK_SECRET,
    StripeLoopback,
)


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    # Billing configured against the loopback Stripe, so its routes are
    # fuzzed for real rather than answering 503 billing_unavailable.
    stripe = StripeLoopback()
    stripe.start()
    settings = make_settings(
        data_dir,
        STRIPE_SECRET_KEY=DEFAULT_SECRET_KEY,
        STRIPE_PRICE_ID=DEFAULT_PRICE_ID,
        STRIPE_WEBHOOK_SECRET=DEFAULT_WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe.base_url,
    )
    app = create_app(settings, hasher=cheap_hasher())
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    base = f"http://127.0.0.1:{port}"
    # The account has a password the fuzzer cannot guess, so a fuzzed
    # change-password cannot revoke the token mid-run.
    account = {"mobile_number": "+919876543210", "password": "fuzzing is fun 42"}
    with httpx.Client(base_url=base) as client:
        signup = client.post("/auth/signup", json=account)
        assert signup.status_code == 201, signup.text
        code = {"mobile_number": account["mobile_number"], "otp": signup.json()["data"]["otp"]}
        assert client.post("/auth/verify-otp", json=code).status_code == 200
        token = client.post("/auth/login", json=account).json()["data"]["access_token"]
    try:
        yield base, {"Authorization": f"Bearer {token}"}
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        stripe.stop()


@pytest.fixture(scope="module")
def api_schema(live_api: tuple[str, dict[str, str]]) -> Any:
    base, _ = live_api
    return schemathesis.openapi.from_url(f"{base}/schema/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


def assert_envelope(response: Any) -> None:
    content_type = response.headers.get("content-type", "")
    if isinstance(content_type, list):  # schemathesis keeps every value of a header
        content_type = content_type[0] if content_type else ""
    if response.status_code == 204 or content_type.startswith("text/event-stream"):
        return
    disposition = response.headers.get("content-disposition", "")
    if isinstance(disposition, list):
        disposition = disposition[0] if disposition else ""
    if response.status_code == 200 and disposition.startswith("attachment"):
        return  # a file download (an export): the file, not the envelope
    body = response.json()
    if response.status_code < 400:
        assert body["success"] is True and "data" in body, body
    else:
        assert body["success"] is False, body
        assert set(body["error"]) <= {"code", "message", "details"}, body
        assert body["error"]["code"] and body["error"]["message"], body


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_gives_a_500_or_breaks_the_envelope(
    case: Any, live_api: tuple[str, dict[str, str]]
) -> None:
    base, headers = live_api
    response = case.call(base_url=base, headers=headers, timeout=10)
    assert response.status_code < 500, (case.method, case.path, response.text)
    assert response.status_code != 422, "validation errors are 400 in this API"
    assert_envelope(response)
