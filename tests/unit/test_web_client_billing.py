"""The client's plan panel with billing configured, in a real browser: Upgrade
to Pro opens Stripe Checkout, Stripe's webhooks make the user Pro, and the
panel then shows Pro, unlimited prompts and the customer portal.

`gemini-clone serve` talks to the loopback Stripe (tests/support/
stripe_loopback.py); the Checkout and portal pages it hands out are a
stand-in page on 127.0.0.1, so the browser never leaves the machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from selenium import webdriver

from tests.support.browser import ARTIFACTS, console_errors, off_machine
from tests.support.client_page import ClientPage
from tests.support.processes import serving_client
from tests.support.server import free_port
from tests.support.stripe_loopback import (
    DEFAULT_PRICE_ID,
    DEFAULT_SECRET_KEY,
    DEFAULT_WEBHOOK_SECRET,
    StripeLoopback,
    make_event,
    signed_event,
)


class StripePage(BaseHTTPRequestHandler):
    """Any GET: a page standing in for Stripe's hosted Checkout or portal."""

    def do_GET(self) -> None:
        body = b"<!doctype html><title>Stripe stand-in</title><h1>Stripe stand-in</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hosted_pages() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StripePage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def stripe(hosted_pages: str) -> Iterator[StripeLoopback]:
    with StripeLoopback(hosted_pages=hosted_pages) as server:
        yield server


@pytest.fixture
def served(tmp_path: Path, stripe: StripeLoopback) -> Iterator[str]:
    port = free_port()
    with serving_client(
        tmp_path / "data",
        port,
        STRIPE_SECRET_KEY=DEFAULT_SECRET_KEY,
        STRIPE_PRICE_ID=DEFAULT_PRICE_ID,
        STRIPE_WEBHOOK_SECRET=DEFAULT_WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe.base_url,
        PUBLIC_URL=f"http://127.0.0.1:{port}",  # where Stripe sends the browser back
    ) as url:
        yield url


def pay(base: str, stripe: StripeLoopback, session_id: str) -> None:
    """The customer pays: Stripe completes the session and says so."""
    session, subscription = stripe.complete_checkout(
        session_id, current_period_end=int(time.time()) + 30 * 24 * 3600
    )
    for event in (
        make_event("checkout.session.completed", session),
        make_event("customer.subscription.created", subscription),
    ):
        body, signature = signed_event(event, DEFAULT_WEBHOOK_SECRET)
        answer = httpx.post(
            f"{base}/webhook/stripe",
            content=body,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text


def test_upgrade_opens_checkout_and_pro_gets_the_portal(
    served: str, stripe: StripeLoopback, hosted_pages: str, driver: webdriver.Chrome
) -> None:
    page = ClientPage(driver, served, ARTIFACTS / "client")
    page.new_requests()
    page.open()
    page.log_in_with_code("+919876543210")
    page.until(lambda: page.text("#plan-tier") == "Basic", "the plan")
    assert page.find("#upgrade").is_enabled() and not page.find("#portal").is_displayed()
    assert not page.find("#plan-reason").is_displayed()

    page.click("#upgrade")
    page.until(lambda: driver.current_url.startswith(hosted_pages), "Checkout to open")
    (session_id,) = stripe.checkout_sessions
    assert driver.current_url == stripe.checkout_sessions[session_id]["url"]
    pay(served, stripe, session_id)

    # Back from Checkout, in the same tab, where Stripe sends the browser: the
    # API's return page hands it on to the client, still logged in.
    success_url = stripe.checkout_sessions[session_id]["success_url"]
    assert success_url.startswith(f"{served}/subscribe/success")
    driver.get(success_url.replace("{CHECKOUT_SESSION_ID}", session_id))
    page.visible("#app-view")
    assert page.visible("#plan-notice").text.startswith("Payment received.")
    assert driver.current_url == f"{served}/", "the notice is not kept in the address"
    page.until(lambda: page.text("#plan-tier") == "Pro", "the Pro tier")
    assert page.text("#plan-status") == "Active"
    assert page.text("#plan-period").startswith("Renews on ")
    assert page.text("#plan-usage") == "Unlimited prompts on Pro."
    assert not page.find("#upgrade").is_displayed()
    page.shot("pro-plan")

    page.click("#portal")
    page.until(lambda: driver.current_url.startswith(hosted_pages), "the portal to open")
    (portal,) = stripe.portal_sessions.values()
    assert driver.current_url == portal["url"]

    page.new_requests()
    assert off_machine(page.requested) == []
    assert console_errors(driver.get_log("browser")) == []
