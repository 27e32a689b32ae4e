"""The Stripe billing gateway: the real SDK against the loopback Stripe.

These pin what goes over the wire (fields, idempotency keys), how Stripe's
answers map to the core's types and errors, and that a webhook is accepted only
with a good, fresh signature over the exact bytes.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import stripe

from adapters.stripe import StripeBillingGateway, StripeConfig
from gemini_core.errors import BillingError, InvalidSignature
from gemini_core.model import SubscriptionStatus, User
from tests.support.stripe_loopback import (
    DEFAULT_PRICE_ID,
    DEFAULT_SECRET_KEY,
    DEFAULT_WEBHOOK_SECRET,
    StripeLoopback,
    event_payload,
    make_checkout_session,
    make_event,
    make_invoice,
    make_subscription,
    sign_webhook,
    signed_event,
)

# The SDK hands httpx a str body with ``data=``, which httpx deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")

SUCCESS_URL = "http://localhost:8000/subscribe/success?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "http://localhost:8000/subscribe/cancel"


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's backoff starts at half a second; retries here need not wait."""
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.01)
    monkeypatch.setattr(stripe.HTTPClient, "MAX_DELAY", 0.05)


def config_for(server: StripeLoopback, **overrides: Any) -> StripeConfig:
    options: dict[str, Any] = {
        "secret_key": DEFAULT_SECRET_KEY,
        "price_id": DEFAULT_PRICE_ID,
        "webhook_secret": DEFAULT_WEBHOOK_SECRET,
        "api_base": server.base_url,
        **overrides,
    }
    return StripeConfig(**options)


@pytest.fixture
async def gateway(server: StripeLoopback) -> AsyncIterator[StripeBillingGateway]:
    gateway = StripeBillingGateway(config_for(server))
    yield gateway
    await gateway.aclose()


def a_user() -> User:
    return User(
        id=uuid.uuid4(),
        mobile_number="+15551234567",
        name="Ada",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


async def checkout(
    gateway: StripeBillingGateway, customer_id: str, user_id: uuid.UUID, key: str
) -> Any:
    return await gateway.create_checkout_session(
        customer_id=customer_id,
        user_id=user_id,
        success_url=SUCCESS_URL,
        cancel_url=CANCEL_URL,
        idempotency_key=key,
    )


# --------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------


async def test_create_customer_sends_the_user_and_a_per_user_idempotency_key(
    gateway: StripeBillingGateway, server: StripeLoopback
) -> None:
    user = a_user()

    customer_id = await gateway.create_customer(user)

    assert customer_id in server.customers
    (request,) = server.requests_to("POST", "/v1/customers")
    assert request.form == {"phone": "+15551234567", "metadata[user_id]": str(user.id)}
    assert request.idempotency_key == f"customer-{user.id}"
    assert request.headers["authorization"] == f"Bearer {DEFAULT_SECRET_KEY}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"


async def test_create_customer_twice_for_one_user_makes_one_customer(
    gateway: StripeBillingGateway, server: StripeLoopback
) -> None:
    user = a_user()

    first, second = await asyncio.gather(
        gateway.create_customer(user), gateway.create_customer(user)
    )
    third = await gateway.create_customer(user)

    assert first == second == third
    assert len(server.customers) == 1
    other = await gateway.create_customer(a_user())
    assert other != first
    assert len(server.customers) == 2


# --------------------------------------------------------------------------
# Checkout
# --------------------------------------------------------------------------


async def test_checkout_sends_the_subscription_fields_and_the_idempotency_key(
    gateway: StripeBillingGateway, server: StripeLoopback
) -> None:
    user = a_user()
    customer_id = await gateway.create_customer(user)

    session = await checkout(gateway, customer_id, user.id, "checkout-key-1")

    assert session.id in server.checkout_sessions
    assert session.url == server.checkout_sessions[session.id]["url"]
    assert session.url.startswith("https://checkout.stripe.com/")
    (request,) = server.requests_to("POST", "/v1/checkout/sessions")
    assert request.idempotency_key == "checkout-key-1"
    assert request.params == {
        "mode": "subscription",
        "line_items": [{"price": DEFAULT_PRICE_ID, "quantity": "1"}],
        "customer": customer_id,
        "client_reference_id": str(user.id),
        "subscription_data": {"metadata": {"user_id": str(user.id)}},
        "metadata": {"user_id": str(user.id)},
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
    }
    # Stripe's bracket notation on the wire, not JSON.
    assert request.form["line_items[0][price]"] == DEFAULT_PRICE_ID
    assert request.form["subscription_data[metadata][user_id]"] == str(user.id)


async def test_concurrent_checkouts_with_one_key_make_one_session(
    server: StripeLoopback,
) -> None:
    # Slow answers make the two requests overlap; the second meets the first
    # in flight (409, which the SDK retries after its usual half a second or
    # more) and then gets the first one's stored answer.
    server.latency = 0.2
    gateway = StripeBillingGateway(config_for(server))
    try:
        user = a_user()
        customer_id = await gateway.create_customer(user)

        first, second = await asyncio.gather(
            checkout(gateway, customer_id, user.id, "same-key"),
            checkout(gateway, customer_id, user.id, "same-key"),
        )
    finally:
        await gateway.aclose()

    assert first == second
    assert len(server.checkout_sessions) == 1
    statuses = sorted(r.status for r in server.requests_to("POST", "/v1/checkout/sessions"))
    assert statuses[0] == 200
    assert 409 in statuses
    assert any(r.replayed for r in server.requests_to("POST", "/v1/checkout/sessions"))


async def test_checkouts_with_different_keys_make_different_sessions(
    gateway: StripeBillingGateway, server: StripeLoopback
) -> None:
    user = a_user()
    customer_id = await gateway.create_customer(user)

    first = await checkout(gateway, customer_id, user.id, "key-a")
    second = await checkout(gateway, customer_id, user.id, "key-b")

    assert first.id != second.id
    assert len(server.checkout_sessions) == 2


async def test_checkout_for_an_unknown_customer_is_a_billing_error_with_stripes_message(
    gateway: StripeBillingGateway,
) -> None:
    with pytest.raises(BillingError) as caught:
        await checkout(gateway, "cus_missing", uuid.uuid4(), "key")

    assert "No such customer: 'cus_missing'" in caught.value.message
    assert caught.value.details["stripe_code"] == "resource_missing"


async def test_checkout_with_an_unknown_price_is_a_billing_error(
    server: StripeLoopback,
) -> None:
    gateway = StripeBillingGateway(config_for(server, price_id="price_gone"))
    try:
        customer_id = await gateway.create_customer(a_user())
        with pytest.raises(BillingError, match="No such price: 'price_gone'"):
            await checkout(gateway, customer_id, uuid.uuid4(), "key")
    finally:
        await gateway.aclose()


# --------------------------------------------------------------------------
# Portal
# --------------------------------------------------------------------------


async def test_portal_session_returns_stripes_url(
    gateway: StripeBillingGateway, server: StripeLoopback
) -> None:
    customer_id = await gateway.create_customer(a_user())

    url = await gateway.create_portal_session(
        customer_id=customer_id, return_url="http://localhost:8000/account"
    )

    (stored,) = server.portal_sessions.values()
    assert url == stored["url"]
    assert url.startswith("https://billing.stripe.com/")
    (request,) = server.requests_to("POST", "/v1/billing_portal/sessions")
    assert request.form == {
        "customer": customer_id,
        "return_url": "http://localhost:8000/account",
    }


# --------------------------------------------------------------------------
# Subscriptions
# --------------------------------------------------------------------------


async def test_fetch_subscription_maps_stripes_subscription(
    gateway: StripeBillingGateway, server: StripeLoopback
) -> None:
    user_id = uuid.uuid4()
    server.put_subscription(
        make_subscription(
            id="sub_123",
            customer="cus_456",
            status="past_due",
            current_period_end=1_900_000_000,
            cancel_at_period_end=True,
            user_id=user_id,
        )
    )

    snapshot = await gateway.fetch_subscription("sub_123")

    assert snapshot.subscription_id == "sub_123"
    assert snapshot.customer_id == "cus_456"
    assert snapshot.status is SubscriptionStatus.PAST_DUE
    assert snapshot.current_period_end == datetime.fromtimestamp(1_900_000_000, tz=UTC)
    assert snapshot.cancel_at_period_end is True
    assert snapshot.user_id == user_id
    (request,) = server.requests_to("GET", "/v1/subscriptions/sub_123")
    assert request.idempotency_key is None


async def test_fetch_subscription_sees_changes(
    gateway: StripeBillingGateway, server: StripeLoopback
) -> None:
    server.put_subscription(make_subscription(id="sub_1", status="active"))
    assert (await gateway.fetch_subscription("sub_1")).status is SubscriptionStatus.ACTIVE

    server.update_subscription("sub_1", status="canceled")

    assert (await gateway.fetch_subscription("sub_1")).status is SubscriptionStatus.CANCELED


async def test_fetch_subscription_reads_the_pre_2025_period_field(
    gateway: StripeBillingGateway, server: StripeLoopback
) -> None:
    server.put_subscription(
        make_subscription(id="sub_old", current_period_end=1_800_000_000, legacy_period_fields=True)
    )

    snapshot = await gateway.fetch_subscription("sub_old")

    assert snapshot.current_period_end == datetime.fromtimestamp(1_800_000_000, tz=UTC)
    assert snapshot.user_id is None


async def test_fetch_of_a_missing_subscription_is_a_billing_error(
    gateway: StripeBillingGateway,
) -> None:
    with pytest.raises(BillingError, match="No such subscription: 'sub_nope'"):
        await gateway.fetch_subscription("sub_nope")


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


async def test_a_declined_card_is_a_billing_error_with_stripes_message(
    gateway: StripeBillingGateway, server: StripeLoopback
) -> None:
    user = a_user()
    customer_id = await gateway.create_customer(user)
    server.fail_next(402)

    with pytest.raises(BillingError) as caught:
        await checkout(gateway, customer_id, user.id, "key")

    assert caught.value.message == "Stripe could not start a checkout: Your card was declined."
    assert caught.value.details["stripe_code"] == "card_declined"
    assert caught.value.details["http_status"] == 402
    # 402 is final: the SDK does not retry it.
    assert len(server.requests_to("POST", "/v1/checkout/sessions")) == 1


async def test_a_server_error_is_retried_with_the_same_idempotency_key(
    gateway: StripeBillingGateway, server: StripeLoopback, fast_retries: None
) -> None:
    user = a_user()
    customer_id = await gateway.create_customer(user)
    server.fail_next(500, path="/v1/checkout/sessions")

    session = await checkout(gateway, customer_id, user.id, "retry-key")

    requests = server.requests_to("POST", "/v1/checkout/sessions")
    assert [r.status for r in requests] == [500, 200]
    assert {r.idempotency_key for r in requests} == {"retry-key"}
    assert list(server.checkout_sessions) == [session.id]


async def test_persistent_server_errors_end_in_a_billing_error(
    gateway: StripeBillingGateway, server: StripeLoopback, fast_retries: None
) -> None:
    server.fail_next(500, times=3)

    with pytest.raises(BillingError, match="An unknown error occurred"):
        await gateway.create_customer(a_user())

    # The first attempt and the two configured retries.
    assert len(server.requests) == 3


async def test_a_wrong_api_key_is_a_billing_error_that_does_not_show_the_key(
    server: StripeLoopback,
) -> None:
    wrong_key = "sk_test_wrong_0123456789abcdefghij"
    gateway = StripeBillingGateway(config_for(server, secret_key=wrong_key))
    try:
        with pytest.raises(BillingError) as caught:
            await gateway.create_customer(a_user())
    finally:
        await gateway.aclose()

    assert server.requests[0].status == 401
    assert "API key" in caught.value.message
    assert wrong_key not in caught.value.message
    assert wrong_key not in repr(caught.value.details)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_an_unreachable_stripe_is_a_billing_error(server: StripeLoopback) -> None:
    config = config_for(server, api_base=f"http://127.0.0.1:{free_port()}", max_network_retries=0)
    gateway = StripeBillingGateway(config)
    try:
        with pytest.raises(BillingError, match="could not reach Stripe"):
            await gateway.create_customer(a_user())
    finally:
        await gateway.aclose()


async def test_a_stripe_slower_than_the_timeout_is_a_billing_error(
    server: StripeLoopback,
) -> None:
    server.latency = 1.0
    gateway = StripeBillingGateway(config_for(server, timeout=0.1, max_network_retries=0))
    try:
        with pytest.raises(BillingError, match="could not reach Stripe"):
            await gateway.fetch_subscription("sub_slow")
    finally:
        await gateway.aclose()


def test_config_keeps_secrets_out_of_its_repr() -> None:
    config = StripeConfig("sk_test_secret", "price_1", "whsec_secret")

    assert "sk_test_secret" not in repr(config)
    assert "whsec_secret" not in repr(config)
    assert config.webhook_tolerance == 300


@pytest.mark.parametrize(
    "overrides",
    [{"secret_key": ""}, {"price_id": " "}, {"webhook_secret": ""}, {"webhook_tolerance": 0}],
)
def test_config_refuses_empty_keys_and_an_endless_tolerance(overrides: dict[str, Any]) -> None:
    options: dict[str, Any] = {
        "secret_key": "sk_test_x",
        "price_id": "price_x",
        "webhook_secret": "whsec_x",
        **overrides,
    }
    with pytest.raises(ValueError, match="StripeConfig"):
        StripeConfig(**options)


# --------------------------------------------------------------------------
# Webhook signatures
# --------------------------------------------------------------------------


def a_signed_event() -> tuple[dict[str, Any], bytes, str]:
    event = make_event("customer.subscription.updated", make_subscription(id="sub_sig"))
    payload, header = signed_event(event, DEFAULT_WEBHOOK_SECRET)
    return event, payload, header


def test_a_correctly_signed_event_is_accepted(gateway: StripeBillingGateway) -> None:
    event, payload, header = a_signed_event()

    parsed = gateway.parse_webhook(payload, header)

    assert parsed.id == event["id"]
    assert parsed.type == "customer.subscription.updated"
    assert parsed.created == event["created"]


def test_a_signature_made_with_stripes_own_helper_is_accepted(
    gateway: StripeBillingGateway,
) -> None:
    event, payload, _ = a_signed_event()
    header = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), DEFAULT_WEBHOOK_SECRET
    )

    assert gateway.parse_webhook(payload, header).id == event["id"]


def test_sign_webhook_matches_stripes_own_helper() -> None:
    payload = b'{"id": "evt_1", "object": "event"}'

    assert sign_webhook(payload, "whsec_x", 1_700_000_000) == (
        stripe.WebhookSignature.generate_signature_header(
            payload.decode(), "whsec_x", 1_700_000_000
        )
    )


def test_a_header_with_a_rotated_secret_and_a_good_one_is_accepted(
    gateway: StripeBillingGateway,
) -> None:
    event, payload, header = a_signed_event()
    stale = sign_webhook(payload, "whsec_old").split(",")[1]

    assert gateway.parse_webhook(payload, f"{header},{stale}").id == event["id"]


def tamper(payload: bytes) -> bytes:
    index = payload.index(b"sub_sig") + 4
    return payload[:index] + b"X" + payload[index + 1 :]


@pytest.mark.parametrize(
    ("case", "make"),
    [
        ("missing header", lambda payload, header: (payload, None)),
        ("empty header", lambda payload, header: (payload, "")),
        (
            "wrong secret",
            lambda payload, header: (payload, sign_webhook(payload, "whsec_wrong")),
        ),
        ("one changed byte", lambda payload, header: (tamper(payload), header)),
        (
            "timestamp older than 300 s",
            lambda payload, header: (
                payload,
                sign_webhook(payload, DEFAULT_WEBHOOK_SECRET, int(time.time()) - 301),
            ),
        ),
        ("garbage header", lambda payload, header: (payload, "not a signature")),
        ("no v1 signature", lambda payload, header: (payload, header.replace("v1=", "v0="))),
        (
            "non-ASCII signature",
            lambda payload, header: (payload, header.split(",")[0] + ",v1=" + "ü" * 64),
        ),
        ("body not UTF-8", lambda payload, header: (b"\xff\xfe" + payload, header)),
    ],
)
def test_a_bad_signature_is_refused(gateway: StripeBillingGateway, case: str, make: Any) -> None:
    _, payload, header = a_signed_event()
    bad_payload, bad_header = make(payload, header)

    with pytest.raises(InvalidSignature):
        gateway.parse_webhook(bad_payload, bad_header)


def test_a_timestamp_within_the_tolerance_is_accepted(gateway: StripeBillingGateway) -> None:
    event, payload, _ = a_signed_event()
    header = sign_webhook(payload, DEFAULT_WEBHOOK_SECRET, int(time.time()) - 280)

    assert gateway.parse_webhook(payload, header).id == event["id"]


@pytest.mark.parametrize(
    "payload",
    [
        b"{not json",
        b"",
        b"[1, 2, 3]",
        b'{"id": "evt_1", "object": "event"}',
        b'{"id": "evt_1", "object": "v2.core.event", "type": "x", "created": 1,'
        b' "data": {"object": {}}}',
        json.dumps(
            make_event("customer.subscription.updated", {"id": "sub_1", "status": "active"})
        ).encode(),
    ],
    ids=[
        "unparsable",
        "empty",
        "not an object",
        "no type",
        "thin event",
        "subscription without customer",
    ],
)
def test_a_signed_payload_that_is_not_a_usable_event_is_refused(
    gateway: StripeBillingGateway, payload: bytes
) -> None:
    header = sign_webhook(payload, DEFAULT_WEBHOOK_SECRET)

    with pytest.raises(InvalidSignature):
        gateway.parse_webhook(payload, header)


# --------------------------------------------------------------------------
# Webhook events
# --------------------------------------------------------------------------


def parse(gateway: StripeBillingGateway, event: dict[str, Any]) -> Any:
    payload = event_payload(event)
    return gateway.parse_webhook(payload, sign_webhook(payload, DEFAULT_WEBHOOK_SECRET))


def test_checkout_session_completed(gateway: StripeBillingGateway) -> None:
    user_id = uuid.uuid4()
    event = make_event(
        "checkout.session.completed",
        make_checkout_session(customer="cus_1", subscription="sub_1", user_id=user_id),
        created=1_750_000_000,
        id="evt_checkout",
    )

    parsed = parse(gateway, event)

    assert parsed.id == "evt_checkout"
    assert parsed.type == "checkout.session.completed"
    assert parsed.created == 1_750_000_000
    assert parsed.customer_id == "cus_1"
    assert parsed.subscription_id == "sub_1"
    assert parsed.user_id == user_id
    assert parsed.subscription is None


def test_checkout_session_completed_falls_back_to_metadata_for_the_user(
    gateway: StripeBillingGateway,
) -> None:
    user_id = uuid.uuid4()
    session = make_checkout_session(user_id=user_id, client_reference_id="not-a-uuid")

    assert parse(gateway, make_event("checkout.session.completed", session)).user_id == user_id


@pytest.mark.parametrize(
    ("event_type", "status"),
    [
        ("customer.subscription.created", "incomplete"),
        ("customer.subscription.updated", "active"),
        ("customer.subscription.deleted", "canceled"),
    ],
)
def test_subscription_events_carry_the_subscription(
    gateway: StripeBillingGateway, event_type: str, status: str
) -> None:
    user_id = uuid.uuid4()
    subscription = make_subscription(
        id="sub_9",
        customer="cus_9",
        status=status,
        current_period_end=1_760_000_000,
        cancel_at_period_end=event_type.endswith("updated"),
        user_id=user_id,
    )

    parsed = parse(gateway, make_event(event_type, subscription, created=1_750_000_001))

    assert parsed.type == event_type
    assert parsed.created == 1_750_000_001
    assert parsed.customer_id == "cus_9"
    assert parsed.subscription_id == "sub_9"
    assert parsed.user_id == user_id
    snapshot = parsed.subscription
    assert snapshot is not None
    assert snapshot.subscription_id == "sub_9"
    assert snapshot.customer_id == "cus_9"
    assert snapshot.status is SubscriptionStatus(status)
    assert snapshot.current_period_end == datetime.fromtimestamp(1_760_000_000, tz=UTC)
    assert snapshot.cancel_at_period_end is event_type.endswith("updated")
    assert snapshot.user_id == user_id


def test_a_subscription_event_in_the_pre_2025_shape_reads_the_top_level_period(
    gateway: StripeBillingGateway,
) -> None:
    subscription = make_subscription(current_period_end=1_700_000_000, legacy_period_fields=True)

    parsed = parse(gateway, make_event("customer.subscription.updated", subscription))

    assert parsed.subscription is not None
    assert parsed.subscription.current_period_end == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert parsed.user_id is None


@pytest.mark.parametrize("event_type", ["invoice.paid", "invoice.payment_failed"])
def test_invoice_events_find_the_subscription_under_parent(
    gateway: StripeBillingGateway, event_type: str
) -> None:
    user_id = uuid.uuid4()
    invoice = make_invoice(
        customer="cus_5",
        subscription="sub_5",
        user_id=user_id,
        status="paid" if event_type == "invoice.paid" else "open",
    )

    parsed = parse(gateway, make_event(event_type, invoice, id="evt_inv"))

    assert parsed.id == "evt_inv"
    assert parsed.type == event_type
    assert parsed.customer_id == "cus_5"
    assert parsed.subscription_id == "sub_5"
    assert parsed.user_id == user_id
    assert parsed.subscription is None


@pytest.mark.parametrize("event_type", ["invoice.paid", "invoice.payment_failed"])
def test_invoice_events_in_the_pre_2025_shape_read_the_top_level_subscription(
    gateway: StripeBillingGateway, event_type: str
) -> None:
    user_id = uuid.uuid4()
    invoice = make_invoice(
        customer="cus_6", subscription="sub_6", user_id=user_id, legacy_subscription_field=True
    )

    parsed = parse(gateway, make_event(event_type, invoice))

    assert parsed.subscription_id == "sub_6"
    assert parsed.customer_id == "cus_6"
    assert parsed.user_id == user_id


def test_an_invoice_outside_a_subscription_has_no_subscription(
    gateway: StripeBillingGateway,
) -> None:
    invoice = make_invoice(customer="cus_7")
    invoice["parent"] = None

    parsed = parse(gateway, make_event("invoice.paid", invoice))

    assert parsed.customer_id == "cus_7"
    assert parsed.subscription_id is None
    assert parsed.user_id is None


def test_other_event_types_carry_only_id_type_and_created(
    gateway: StripeBillingGateway,
) -> None:
    event = make_event(
        "customer.updated", {"id": "cus_1", "object": "customer"}, created=5, id="evt_other"
    )

    parsed = parse(gateway, event)

    assert (parsed.id, parsed.type, parsed.created) == ("evt_other", "customer.updated", 5)
    assert parsed.customer_id is None
    assert parsed.subscription_id is None
    assert parsed.user_id is None
    assert parsed.subscription is None


# --------------------------------------------------------------------------
# The loopback itself, where a mistake would make the tests above lie
# --------------------------------------------------------------------------


async def test_loopback_completes_a_checkout_into_a_subscription_the_gateway_reads(
    gateway: StripeBillingGateway, server: StripeLoopback
) -> None:
    user = a_user()
    customer_id = await gateway.create_customer(user)
    session = await checkout(gateway, customer_id, user.id, "key")

    completed, subscription = server.complete_checkout(session.id, current_period_end=1_900_000_000)
    event = parse(gateway, make_event("checkout.session.completed", completed))
    snapshot = await gateway.fetch_subscription(subscription["id"])

    assert event.user_id == user.id
    assert event.subscription_id == subscription["id"] == snapshot.subscription_id
    assert snapshot.customer_id == customer_id
    assert snapshot.user_id == user.id
    assert snapshot.status is SubscriptionStatus.ACTIVE


async def test_loopback_refuses_a_used_key_with_other_parameters(
    gateway: StripeBillingGateway,
) -> None:
    user = a_user()
    customer_id = await gateway.create_customer(user)
    await checkout(gateway, customer_id, user.id, "reused")

    with pytest.raises(BillingError, match="same parameters"):
        await checkout(gateway, customer_id, uuid.uuid4(), "reused")
