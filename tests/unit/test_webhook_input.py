"""Stripe's webhook and bad input: a large signed event is within the
webhook's own body limit, and a signed event whose subscription is in a
status this server does not know is acknowledged and logged, not called a
bad signature."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.stripe import StripeBillingGateway, StripeConfig
from gemini_core.errors import UnsupportedBillingState
from tests.support.api import login, make_settings, running_app
from tests.support.fakes import FakeClock, ScriptedModel, cheap_hasher
from tests.support.stripe_loopback import (
    DEFAULT_PRICE_ID,
    DEFAULT_SECRET_KEY,
    DEFAULT_WEBHOOK_SECRET,
    StripeLoopback,
    event_payload,
    make_event,
    make_subscription,
    sign_webhook,
)
from tests.unit.test_api_billing import (
    BILLING_LOGGER,
    billing_env,
    deliver,
    processed_events,
    status_of,
    tier_of,
    user_id_of,
)

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")


@pytest.fixture
async def api(
    tmp_path: Path, server: StripeLoopback, clock: FakeClock
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(tmp_path, **billing_env(server))
    async with running_app(
        settings, clock=clock, hasher=cheap_hasher(), model=ScriptedModel()
    ) as client:
        yield client


@pytest.fixture
async def gateway(server: StripeLoopback) -> AsyncIterator[StripeBillingGateway]:
    gateway = StripeBillingGateway(
        StripeConfig(
            secret_key=DEFAULT_SECRET_KEY,
            price_id=DEFAULT_PRICE_ID,
            webhook_secret=DEFAULT_WEBHOOK_SECRET,
            api_base=server.base_url,
        )
    )
    yield gateway
    await gateway.aclose()


async def test_a_signed_event_of_69_kib_is_applied(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    headers = await login(api)
    user = await user_id_of(api, headers)
    subscription = server.put_subscription(make_subscription(user_id=user))
    event = make_event("customer.subscription.created", subscription)
    # Stripe's objects grow (long descriptions, many line items, metadata).
    event["data"]["object"]["description"] = "x" * (69 * 1024)
    assert len(event_payload(event)) > 69 * 1024

    response = await deliver(api, event)

    assert response.status_code == 200, response.text
    assert await tier_of(api, headers) == "pro"


async def test_an_unknown_subscription_status_is_acknowledged_logged_and_not_applied(
    api: httpx.AsyncClient, server: StripeLoopback, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=BILLING_LOGGER)
    headers = await login(api)
    user = await user_id_of(api, headers)
    subscription = server.put_subscription(
        make_subscription(user_id=user, status="paused_for_review")
    )

    response = await deliver(api, make_event("customer.subscription.updated", subscription))

    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"received": True}
    assert (await status_of(api, headers))["status"] == "none"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("paused_for_review" in w and "not applied" in w for w in warnings), warnings
    # Once Stripe reports a status this server knows, the next event applies.
    server.update_subscription(subscription["id"], status="active")
    updated = make_event("customer.subscription.updated", subscription)
    assert (await deliver(api, updated)).status_code == 200
    assert await tier_of(api, headers) == "pro"
    assert await processed_events(api) == 1


async def test_a_pro_user_keeps_pro_when_stripe_reports_an_unknown_status(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    headers = await login(api)
    user = await user_id_of(api, headers)
    subscription = server.put_subscription(make_subscription(user_id=user))
    assert (
        await deliver(api, make_event("customer.subscription.created", subscription))
    ).status_code == 200
    changed = server.update_subscription(subscription["id"], status="some_new_status")

    response = await deliver(api, make_event("customer.subscription.updated", changed))

    assert response.status_code == 200, response.text
    assert await tier_of(api, headers) == "pro"


def test_the_gateway_parses_a_signed_event_with_an_unknown_status(
    gateway: StripeBillingGateway,
) -> None:
    event = make_event(
        "customer.subscription.updated",
        make_subscription(id="sub_9", customer="cus_9", status="bogus"),
    )
    payload = json.dumps(event).encode()

    parsed = gateway.parse_webhook(payload, sign_webhook(payload, DEFAULT_WEBHOOK_SECRET))

    assert (parsed.subscription_id, parsed.customer_id) == ("sub_9", "cus_9")
    assert parsed.subscription is None


async def test_the_gateway_names_an_unknown_status_when_fetching(
    gateway: StripeBillingGateway, server: StripeLoopback
) -> None:
    server.put_subscription(make_subscription(id="sub_7", status="bogus"))

    with pytest.raises(UnsupportedBillingState, match="bogus"):
        await gateway.fetch_subscription("sub_7")
