"""The current schemathesis CLI (`st run --checks all`) against a live
`gemini-clone serve`, with a bearer token from a real code login: the
OpenAPI document and the server must agree on every finding it can make
(statuses, content types, headers, bodies, unknown fields, auth, methods).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.processes import cli_env, serving_cli
from tests.support.server import free_port
from tests.support.stripe_loopback import (
    DEFAULT_PRICE_ID,
    DEFAULT_SECRET_KEY,
    DEFAULT_WEBHOOK_SECRET,
    StripeLoopback,
)

MOBILE = "+919876543210"

# positive_data_acceptance expects a request that matches the document to
# be accepted. On these operations no JSON Schema can say which inputs the
# server takes, so a schema-valid input is refused with 400 by design:
# whether a number exists (phonenumbers), whether a code is the one sent,
# whether a password is on the deny-list or the current one, whether a
# cursor carries this server's signature or a webhook Stripe's. Every other
# check still runs on them, and this one on every other operation.
UNGUESSABLE = [
    "POST /auth/signup",
    "POST /auth/send-otp",
    "POST /auth/verify-otp",
    "POST /auth/login",
    "POST /auth/forgot-password",
    "POST /auth/reset-password",
    "POST /auth/change-password",
    "GET /chatroom",
    "GET /search",
    "POST /webhook/stripe",
]


def config(path: Path) -> Path:
    operations = "".join(
        f'[[operations]]\ninclude-name = "{name}"\n'
        "checks.positive_data_acceptance.enabled = false\n\n"
        for name in UNGUESSABLE
    )
    path.write_text(operations)
    return path


def code_login(base: str) -> str:
    """A token from a code login of an account with a password (which the
    fuzzer cannot guess, so a fuzzed change-password cannot revoke it)."""
    with httpx.Client(base_url=base, timeout=10) as client:
        signup = client.post(
            "/auth/signup", json={"mobile_number": MOBILE, "password": "fuzzing is fun 42"}
        )
        assert signup.status_code == 201, signup.text
        code = {"mobile_number": MOBILE, "otp": signup.json()["data"]["otp"]}
        verified = client.post("/auth/verify-otp", json=code)
        assert verified.status_code == 200, verified.text
        return str(verified.json()["data"]["access_token"])


def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    stripe = StripeLoopback()
    stripe.start()
    port = free_port()
    env = cli_env(
        APP_ENV="development",
        DATA_DIR=str(tmp_path / "data"),
        # The fuzzer is one client: the per-client limit would answer most
        # of its requests with 429 and test nothing else.
        CLIENT_RATE_LIMIT="0",
        # Billing against the loopback Stripe: without it the billing
        # routes answer 503 billing_unavailable, a "server error" to `st`.
        STRIPE_SECRET_KEY=DEFAULT_SECRET_KEY,
        STRIPE_PRICE_ID=DEFAULT_PRICE_ID,
        STRIPE_WEBHOOK_SECRET=DEFAULT_WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe.base_url,
    )
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    assert st, "schemathesis's `st` is not installed beside this python"
    try:
        with serving_cli(env, port):
            base = f"http://127.0.0.1:{port}"
            token = code_login(base)
            run = subprocess.run(
                [
                    st,
                    f"--config-file={config(tmp_path / 'schemathesis.toml')}",
                    "run",
                    f"{base}/schema/openapi.json",
                    # Every check is on by default; `--checks=all` would also
                    # override the per-operation exception above.
                    "--max-examples=20",
                    "--generation-deterministic",
                    "--request-timeout=5",
                    "--max-time=90",
                    # One worker: hypothesis describing its lambdas from several threads
                    # trips CPython 3.11's ast.parse ("recursion depth mismatch").
                    "--workers=1",
                    "--no-color",
                    "--report-dir",
                    str(tmp_path / "report"),
                    "-H",
                    f"Authorization: Bearer {token}",
                ],
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
                cwd=tmp_path,
            )
    finally:
        stripe.stop()
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-2000:]
