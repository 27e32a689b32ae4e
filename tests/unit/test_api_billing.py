"""Billing through the API: Checkout, the portal and Stripe's signed webhooks,
with the real Stripe adapter pointed at the loopback Stripe (STRIPE_API_BASE).

These pin that the tier (and so the quota) follows only verified webhook
events, that each event is applied once whatever the concurrency, that any
arrival order gives the same final state, and that every rejected or failed
delivery changes nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from adapters.sqlalchemy import create_engine
from adapters.sqlalchemy.repositories import SqlSubscriptionRepository
from entrypoints.settings import Settings
from tests.support.api import ApiClient, assert_error, login, make_settings, running_app
from tests.support.fakes import FakeClock, ScriptedModel, cheap_hasher
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

PUBLIC_URL = "https://app.example.com"
BILLING_LOGGER = "gemini_core.services.billing"


# --------------------------------------------------------------------------
# Fixtures and helpers (the PostgreSQL tests reuse the helpers)
# --------------------------------------------------------------------------


def billing_env(server: StripeLoopback) -> dict[str, str]:
    return {
        "STRIPE_SECRET_KEY": DEFAULT_SECRET_KEY,
        "STRIPE_PRICE_ID": DEFAULT_PRICE_ID,
        "STRIPE_WEBHOOK_SECRET": DEFAULT_WEBHOOK_SECRET,
        "STRIPE_API_BASE": server.base_url,
        "PUBLIC_URL": PUBLIC_URL,
    }


@pytest.fixture
async def api(
    tmp_path: Path, server: StripeLoopback, clock: FakeClock, model: ScriptedModel
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(tmp_path, **billing_env(server))
    async with running_app(settings, clock=clock, hasher=cheap_hasher(), model=model) as client:
        yield client


async def user_id_of(client: httpx.AsyncClient, headers: dict[str, str]) -> uuid.UUID:
    response = await client.get("/user/me", headers=headers)
    assert response.status_code == 200, response.text
    return uuid.UUID(response.json()["data"]["user"]["id"])


async def tier_of(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.get("/user/me", headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["user"]["tier"])


async def status_of(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get("/subscription/status", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


async def deliver(
    client: httpx.AsyncClient, event: dict[str, Any], *, timestamp: int | None = None
) -> httpx.Response:
    """Post ``event`` to the webhook as Stripe would, signed."""
    body, signature = signed_event(event, DEFAULT_WEBHOOK_SECRET, timestamp)
    return await post_webhook(client, body, signature)


async def post_webhook(
    client: httpx.AsyncClient, body: bytes, signature: str | None
) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return await client.post("/webhook/stripe", content=body, headers=headers)


async def processed_events(client: ApiClient) -> int:
    engine = create_engine(client.container.resolve(Settings).database_url)
    try:
        async with engine.connect() as conn:
            query = text("SELECT count(*) FROM processed_events")
            return int((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def subscribe(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/subscribe/pro", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


async def send_prompt(
    client: httpx.AsyncClient, headers: dict[str, str], room: str
) -> httpx.Response:
    return await client.post(f"/chatroom/{room}/message", json={"content": "hi"}, headers=headers)


async def create_room(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post("/chatroom", json={"name": "r"}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["chatroom"]["id"])


def paid_events(
    session: dict[str, Any], subscription: dict[str, Any], created: int
) -> list[dict[str, Any]]:
    """What Stripe sends when a Checkout for a subscription is paid."""
    user = subscription["metadata"]["user_id"]
    invoice = make_invoice(
        customer=session["customer"], subscription=subscription["id"], user_id=user
    )
    return [
        make_event("checkout.session.completed", session, created=created),
        make_event("customer.subscription.created", subscription, created=created),
        make_event("invoice.paid", invoice, created=created + 1),
    ]


async def run_pro_journey(
    client: httpx.AsyncClient, server: StripeLoopback, clock: FakeClock
) -> None:
    """subscribe → Checkout URL → signed webhooks → Pro with no daily limit →
    cancellation → Basic with 5 prompts per day. Each step asserts its point."""
    headers = await login(client, "+919800000001")
    user = await user_id_of(client, headers)
    room = await create_room(client, headers)
    before = await status_of(client, headers)
    assert before["tier"] == "basic" and before["usage"]["daily_limit"] == 5

    checkout = await subscribe(client, headers)
    assert checkout["checkout_url"].startswith("https://checkout.stripe.com/")
    # Checkout alone grants nothing: only Stripe's word does.
    assert await tier_of(client, headers) == "basic"

    period_end = int(time.time()) + 30 * 24 * 3600
    session, subscription = server.complete_checkout(
        checkout["session_id"], current_period_end=period_end
    )
    assert subscription["metadata"] == {"user_id": str(user)}
    for event in paid_events(session, subscription, int(time.time())):
        response = await deliver(client, event)
        assert response.status_code == 200, response.text
        assert response.json() == {"success": True, "data": {"received": True}}

    assert await tier_of(client, headers) == "pro"
    pro = await status_of(client, headers)
    assert pro["tier"] == "pro" and pro["status"] == "active"
    assert pro["cancel_at_period_end"] is False
    assert datetime.fromisoformat(pro["current_period_end"]) == datetime.fromtimestamp(
        period_end, tz=UTC
    )
    assert pro["usage"]["daily_limit"] is None
    for _ in range(7):
        sent = await send_prompt(client, headers, room)
        assert sent.status_code == 202, sent.text
        assert "RateLimit-Limit" not in sent.headers
    assert_error(await client.post("/subscribe/pro", headers=headers), 409, "already_subscribed")

    # The user cancels in the portal: first at the period's end...
    portal = await client.post("/subscribe/portal", headers=headers)
    assert portal.status_code == 200, portal.text
    assert portal.json()["data"]["portal_url"].startswith("https://billing.stripe.com/")
    updated = server.update_subscription(subscription["id"], cancel_at_period_end=True)
    assert (
        await deliver(
            client, make_event("customer.subscription.updated", updated, created=int(time.time()))
        )
    ).status_code == 200
    ending = await status_of(client, headers)
    assert ending["tier"] == "pro" and ending["cancel_at_period_end"] is True

    # ...then the period ends and Stripe deletes the subscription.
    deleted = server.update_subscription(subscription["id"], status="canceled")
    assert (
        await deliver(
            client,
            make_event("customer.subscription.deleted", deleted, created=int(time.time()) + 1),
        )
    ).status_code == 200
    assert await tier_of(client, headers) == "basic"
    basic = await status_of(client, headers)
    assert basic["status"] == "canceled" and basic["usage"]["daily_limit"] == 5
    # 7 prompts were sent today: Basic's 5 are used up at once.
    assert_error(await send_prompt(client, headers, room), 429, "quota_exceeded")

    # The next UTC day: 5 prompts, and the 6th is refused.
    clock.advance(24 * 3600)
    for _ in range(5):
        sent = await send_prompt(client, headers, room)
        assert sent.status_code == 202, sent.text
    assert_error(await send_prompt(client, headers, room), 429, "quota_exceeded")


async def deliver_concurrently(
    client: httpx.AsyncClient, event: dict[str, Any], copies: int = 5
) -> list[httpx.Response]:
    body, signature = signed_event(event, DEFAULT_WEBHOOK_SECRET)
    return list(
        await asyncio.gather(*(post_webhook(client, body, signature) for _ in range(copies)))
    )


# --------------------------------------------------------------------------
# The journey
# --------------------------------------------------------------------------


async def test_the_whole_pro_journey(
    api: httpx.AsyncClient, server: StripeLoopback, clock: FakeClock
) -> None:
    await run_pro_journey(api, server, clock)


# --------------------------------------------------------------------------
# Checkout
# --------------------------------------------------------------------------


async def test_checkout_sends_the_pro_price_the_user_and_an_idempotency_key(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    headers = await login(api)
    user = await user_id_of(api, headers)

    first = await subscribe(api, headers)
    again = await subscribe(api, headers)  # a double click

    assert again == first
    assert first["checkout_url"] == server.checkout_sessions[first["session_id"]]["url"]
    (customer_request,) = server.requests_to("POST", "/v1/customers")
    customer = next(iter(server.customers))
    assert customer_request.form["metadata[user_id]"] == str(user)
    one, two = server.requests_to("POST", "/v1/checkout/sessions")
    assert one.form == {
        "mode": "subscription",
        "line_items[0][price]": DEFAULT_PRICE_ID,
        "line_items[0][quantity]": "1",
        "customer": customer,
        "client_reference_id": str(user),
        "subscription_data[metadata][user_id]": str(user),
        "metadata[user_id]": str(user),
        "success_url": f"{PUBLIC_URL}/subscribe/success?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{PUBLIC_URL}/subscribe/cancel",
    }
    assert one.idempotency_key is not None
    assert one.idempotency_key.startswith(f"checkout-{user}-{customer}-")
    assert two.idempotency_key == one.idempotency_key and two.replayed
    assert len(server.checkout_sessions) == 1


async def test_a_later_checkout_gets_a_new_session_for_the_same_customer(
    api: httpx.AsyncClient, server: StripeLoopback, clock: FakeClock
) -> None:
    headers = await login(api)
    first = await subscribe(api, headers)

    clock.advance(15 * 60)
    later = await subscribe(api, headers)

    assert later["session_id"] != first["session_id"]
    assert len(server.requests_to("POST", "/v1/customers")) == 1
    customers = {r.form["customer"] for r in server.requests_to("POST", "/v1/checkout/sessions")}
    assert len(customers) == 1


async def test_two_concurrent_subscribe_calls_make_one_customer_and_one_session(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    headers = await login(api)
    # The calls overlap at Stripe: the second finds the first's idempotency key
    # in flight (409), and the SDK's retry, after its backoff, gets the replay.
    server.latency = 0.1

    one, two = await asyncio.gather(
        api.post("/subscribe/pro", headers=headers), api.post("/subscribe/pro", headers=headers)
    )

    assert one.status_code == two.status_code == 200, (one.text, two.text)
    assert one.json()["data"]["session_id"] == two.json()["data"]["session_id"]
    assert len(server.customers) == 1
    assert len(server.checkout_sessions) == 1


async def test_billing_not_configured_is_503_billing_unavailable(
    client: httpx.AsyncClient,
) -> None:
    headers = await login(client)
    refusal = await client.post("/subscribe/pro", headers=headers)
    assert_error(refusal, 503, "billing_unavailable")
    # Said before anyone tries, in the refusal's own words.
    assert (await status_of(client, headers))["billing"] == {
        "available": False,
        "reason": refusal.json()["error"]["message"],
    }
    assert_error(
        await client.post("/subscribe/portal", headers=headers), 503, "billing_unavailable"
    )
    body, signature = signed_event(
        make_event("invoice.paid", make_invoice()), DEFAULT_WEBHOOK_SECRET
    )
    assert_error(await post_webhook(client, body, signature), 503, "billing_unavailable")


async def test_subscribe_needs_a_login(api: httpx.AsyncClient) -> None:
    assert_error(await api.post("/subscribe/pro"), 401, "unauthorized")
    assert_error(await api.post("/subscribe/portal"), 401, "unauthorized")


@pytest.mark.parametrize("path", ["/v1/customers", "/v1/checkout/sessions"])
async def test_stripe_refusing_is_502_billing_error_with_a_clear_message(
    api: httpx.AsyncClient, server: StripeLoopback, path: str
) -> None:
    headers = await login(api)
    server.fail_next(402, path=path, message="Your card was declined.")

    body = assert_error(await api.post("/subscribe/pro", headers=headers), 502, "billing_error")

    assert "Stripe could not" in body["error"]["message"]
    assert "declined" in body["error"]["message"]
    assert server.checkout_sessions == {}


async def test_an_active_pro_user_cannot_subscribe_again(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    headers = await login(api)
    user = await user_id_of(api, headers)
    subscription = server.put_subscription(make_subscription(user_id=user, status="trialing"))
    assert (
        await deliver(api, make_event("customer.subscription.created", subscription))
    ).status_code == 200
    assert await tier_of(api, headers) == "pro"

    assert_error(await api.post("/subscribe/pro", headers=headers), 409, "already_subscribed")
    assert server.requests_to("POST", "/v1/checkout/sessions") == []


async def test_a_past_due_user_is_sent_to_the_portal_not_to_a_second_subscription(
    api: httpx.AsyncClient, server: StripeLoopback, clock: FakeClock
) -> None:
    headers = await login(api)
    user = await user_id_of(api, headers)
    ended = int((clock.now() - timedelta(days=10)).timestamp())
    subscription = server.put_subscription(
        make_subscription(user_id=user, status="past_due", current_period_end=ended)
    )
    await deliver(api, make_event("customer.subscription.updated", subscription))
    assert await tier_of(api, headers) == "basic"  # long past the grace period

    body = assert_error(
        await api.post("/subscribe/pro", headers=headers), 409, "already_subscribed"
    )
    assert "portal" in body["error"]["message"]


# --------------------------------------------------------------------------
# The customer portal
# --------------------------------------------------------------------------


async def test_the_portal_opens_for_the_users_own_customer(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    headers = await login(api)
    await subscribe(api, headers)
    customer = next(iter(server.customers))

    response = await api.post("/subscribe/portal", headers=headers)

    assert response.status_code == 200, response.text
    url = response.json()["data"]["portal_url"]
    (request,) = server.requests_to("POST", "/v1/billing_portal/sessions")
    assert request.form == {"customer": customer, "return_url": f"{PUBLIC_URL}/subscribe/return"}
    assert url == next(iter(server.portal_sessions.values()))["url"]


async def test_the_portal_before_any_checkout_is_409_no_billing_account(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    headers = await login(api)
    assert_error(await api.post("/subscribe/portal", headers=headers), 409, "no_billing_account")
    assert server.requests == []


async def test_stripes_return_pages_answer(api: httpx.AsyncClient) -> None:
    for path in (
        "/subscribe/success?session_id=cs_test_1",
        "/subscribe/cancel",
        "/subscribe/return",
    ):
        response = await api.get(path)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["message"]


async def test_a_browser_coming_back_from_stripe_is_sent_to_the_client(
    api: httpx.AsyncClient,
) -> None:
    browser = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for path, notice in (
        ("/subscribe/success?session_id=cs_test_1", "success"),
        ("/subscribe/cancel", "cancelled"),
        ("/subscribe/return", "portal"),
    ):
        response = await api.get(path, headers=browser)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/?checkout={notice}"


async def test_billing_configured_says_upgrading_is_available(api: httpx.AsyncClient) -> None:
    headers = await login(api)
    assert (await status_of(api, headers))["billing"] == {"available": True, "reason": None}


# --------------------------------------------------------------------------
# Webhooks: signatures
# --------------------------------------------------------------------------


def _tampered(body: bytes) -> bytes:
    # One byte changed inside the JSON (a space of the indentation).
    index = body.index(b"  ")
    return body[:index] + b"\t" + body[index + 1 :]


REJECTIONS: dict[str, Any] = {
    "missing signature": lambda body: (body, None),
    "empty signature": lambda body: (body, ""),
    "garbage signature": lambda body: (body, "not a signature"),
    "wrong secret": lambda body: (body, sign_webhook(body, "whsec_someone_else")),
    "changed byte": lambda body: (_tampered(body), sign_webhook(body, DEFAULT_WEBHOOK_SECRET)),
    "old timestamp": lambda body: (
        body,
        sign_webhook(body, DEFAULT_WEBHOOK_SECRET, int(time.time()) - 301),
    ),
    "signature of another timestamp": lambda body: (
        body,
        sign_webhook(body, DEFAULT_WEBHOOK_SECRET).replace("t=", "t=1", 1),
    ),
    "unparsable payload": lambda body: (
        b"{not json",
        sign_webhook(b"{not json", DEFAULT_WEBHOOK_SECRET),
    ),
    "json that is no event": lambda body: (
        b'{"hello": "world"}',
        sign_webhook(b'{"hello": "world"}', DEFAULT_WEBHOOK_SECRET),
    ),
    "event of a broken shape": lambda body: (
        b'{"id": "evt_1", "object": "event", "type": "invoice.paid", "created": "x"}',
        sign_webhook(
            b'{"id": "evt_1", "object": "event", "type": "invoice.paid", "created": "x"}',
            DEFAULT_WEBHOOK_SECRET,
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(REJECTIONS))
async def test_a_bad_delivery_is_400_invalid_signature_and_changes_nothing(
    api: httpx.AsyncClient, server: StripeLoopback, case: str
) -> None:
    headers = await login(api)
    user = await user_id_of(api, headers)
    subscription = server.put_subscription(make_subscription(user_id=user))
    event = make_event("customer.subscription.created", subscription)
    body, signature = REJECTIONS[case](event_payload(event))

    response = await post_webhook(api, body, signature)

    assert_error(response, 400, "invalid_signature")
    assert await processed_events(api) == 0
    assert (await status_of(api, headers))["status"] == "none"
    assert server.requests_to("GET", f"/v1/subscriptions/{subscription['id']}") == []
    # The same event, delivered properly, is applied: the rejection was the signature's.
    assert (await deliver(api, event)).status_code == 200
    assert await tier_of(api, headers) == "pro"


async def test_other_event_types_are_acknowledged_and_ignored(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    response = await deliver(api, make_event("customer.created", {"id": "cus_x"}))

    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"received": True}
    assert await processed_events(api) == 0
    assert server.requests == []


async def test_an_event_of_no_known_user_is_acknowledged(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    subscription = server.put_subscription(make_subscription(customer="cus_stranger"))
    stranger = make_event("customer.subscription.updated", subscription)
    ghost = make_event(
        "customer.subscription.updated",
        server.put_subscription(make_subscription(user_id=uuid.uuid4())),
    )

    assert (await deliver(api, stranger)).status_code == 200
    assert (await deliver(api, ghost)).status_code == 200
    assert await processed_events(api) == 2


# --------------------------------------------------------------------------
# Webhooks: once, in any order, all or nothing
# --------------------------------------------------------------------------


async def test_one_event_delivered_five_times_at_once_is_applied_once(
    api: httpx.AsyncClient, server: StripeLoopback, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=BILLING_LOGGER)
    headers = await login(api)
    user = await user_id_of(api, headers)
    subscription = server.put_subscription(make_subscription(user_id=user))
    server.latency = 0.05  # the deliveries overlap while the first reads Stripe

    responses = await deliver_concurrently(
        api, make_event("customer.subscription.created", subscription)
    )

    assert [r.status_code for r in responses] == [200] * 5, [r.text for r in responses]
    assert await processed_events(api) == 1
    assert len(server.requests_to("GET", f"/v1/subscriptions/{subscription['id']}")) == 1
    changes = [r for r in caplog.records if "is now" in r.getMessage()]
    assert len(changes) == 1
    assert await tier_of(api, headers) == "pro"


def lifecycle(
    user: uuid.UUID, server: StripeLoopback, *, ends: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The events of one subscription's life, in the order Stripe made them,
    each with its snapshot of that moment; Stripe's state is the final one."""
    customer = f"cus_{uuid.uuid4().hex[:14]}"
    start = int(time.time())
    base = make_subscription(customer=customer, user_id=user, status="incomplete")
    sub_id = base["id"]
    session = make_checkout_session(customer=customer, subscription=sub_id, user_id=user)
    active = {**base, "status": "active"}
    invoice = make_invoice(customer=customer, subscription=sub_id, user_id=user)
    events = [
        make_event("customer.subscription.created", base, created=start),
        make_event("checkout.session.completed", session, created=start + 1),
        make_event("invoice.paid", invoice, created=start + 2),
        make_event("customer.subscription.updated", active, created=start + 3),
    ]
    if ends == "canceled":
        canceled = {**active, "status": "canceled"}
        events[-1] = make_event("customer.subscription.deleted", canceled, created=start + 3)
        final = canceled
    else:
        final = active
    return events, server.put_subscription(final)


@pytest.mark.parametrize(("ends", "tier"), [("active", "pro"), ("canceled", "basic")])
async def test_every_arrival_order_of_the_lifecycle_gives_the_same_final_state(
    api: httpx.AsyncClient, server: StripeLoopback, ends: str, tier: str
) -> None:
    results = set()
    for number, order in enumerate(itertools.permutations(range(4))):
        headers = await login(api, f"+9198{number:08d}")
        user = await user_id_of(api, headers)
        events, final = lifecycle(user, server, ends=ends)
        for index in order:
            response = await deliver(api, events[index])
            assert response.status_code == 200, response.text
        status = await status_of(api, headers)
        results.add((await tier_of(api, headers), status["tier"], status["status"]))
        assert status["current_period_end"] is not None
        assert status["cancel_at_period_end"] is final["cancel_at_period_end"]
    assert results == {(tier, tier, ends)}


async def test_a_late_event_of_an_ended_subscription_does_not_take_pro_away(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    headers = await login(api)
    user = await user_id_of(api, headers)
    old = server.put_subscription(make_subscription(user_id=user, status="canceled"))
    new = server.put_subscription(make_subscription(user_id=user, status="active"))
    await deliver(api, make_event("customer.subscription.created", new))
    assert await tier_of(api, headers) == "pro"

    late = make_event("customer.subscription.deleted", old)
    assert (await deliver(api, late)).status_code == 200

    assert await tier_of(api, headers) == "pro"
    assert (await status_of(api, headers))["status"] == "active"


async def test_past_due_keeps_pro_only_within_the_grace_period(
    api: httpx.AsyncClient, server: StripeLoopback, clock: FakeClock
) -> None:
    headers = await login(api)
    user = await user_id_of(api, headers)
    period_end = int((clock.now() - timedelta(days=1)).timestamp())
    subscription = server.put_subscription(
        make_subscription(user_id=user, status="past_due", current_period_end=period_end)
    )
    invoice = make_invoice(
        customer=subscription["customer"], subscription=subscription["id"], user_id=user
    )

    assert (await deliver(api, make_event("invoice.payment_failed", invoice))).status_code == 200

    status = await status_of(api, headers)
    assert (status["tier"], status["status"]) == ("pro", "past_due")
    assert status["usage"]["daily_limit"] is None
    clock.advance(2 * 24 * 3600 + 1)  # three days after the period ended
    assert await tier_of(api, headers) == "basic"
    assert (await status_of(api, headers))["usage"]["daily_limit"] == 5


async def test_stripe_failing_while_an_event_applies_is_5xx_and_changes_nothing(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    headers = await login(api)
    user = await user_id_of(api, headers)
    subscription = server.put_subscription(make_subscription(user_id=user))
    event = make_event("customer.subscription.created", subscription)
    server.fail_next(500, path=f"/v1/subscriptions/{subscription['id']}", should_retry=False)

    response = await deliver(api, event)

    assert response.status_code >= 500, response.text
    assert await processed_events(api) == 0
    assert (await status_of(api, headers))["status"] == "none"
    # Stripe's retry of the same event is then applied.
    assert (await deliver(api, event)).status_code == 200
    assert await processed_events(api) == 1
    assert await tier_of(api, headers) == "pro"


async def test_an_error_while_storing_an_event_is_500_and_rolls_back_its_processed_row(
    api: httpx.AsyncClient, server: StripeLoopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await login(api)
    await subscribe(api, headers)  # the row exists, with the customer
    user = await user_id_of(api, headers)
    subscription = server.put_subscription(
        make_subscription(customer=next(iter(server.customers)), user_id=user)
    )
    event = make_event("customer.subscription.created", subscription)
    real_save = SqlSubscriptionRepository.save
    failures = [RuntimeError("the disk is full")]

    async def failing_save(self: SqlSubscriptionRepository, subscription: Any) -> None:
        if failures:
            raise failures.pop()
        await real_save(self, subscription)

    monkeypatch.setattr(SqlSubscriptionRepository, "save", failing_save)

    assert_error(await deliver(api, event), 500, "internal_error")
    assert await processed_events(api) == 0
    assert await tier_of(api, headers) == "basic"
    assert (await deliver(api, event)).status_code == 200
    assert await tier_of(api, headers) == "pro"


# --------------------------------------------------------------------------
# The quota follows the tier
# --------------------------------------------------------------------------


async def test_an_upgrade_lifts_todays_limit_and_a_cancellation_restores_it(
    api: httpx.AsyncClient, server: StripeLoopback
) -> None:
    headers = await login(api)
    user = await user_id_of(api, headers)
    room = await create_room(api, headers)
    for _ in range(5):
        assert (await send_prompt(api, headers, room)).status_code == 202
    assert_error(await send_prompt(api, headers, room), 429, "quota_exceeded")

    subscription = server.put_subscription(make_subscription(user_id=user))
    await deliver(api, make_event("customer.subscription.created", subscription))

    assert (await status_of(api, headers))["usage"]["daily_limit"] is None
    for _ in range(3):
        assert (await send_prompt(api, headers, room)).status_code == 202

    canceled = server.update_subscription(subscription["id"], status="canceled")
    await deliver(api, make_event("customer.subscription.deleted", canceled))

    usage = (await status_of(api, headers))["usage"]
    assert usage["daily_limit"] == 5 and usage["used_today"] == 8
    assert_error(await send_prompt(api, headers, room), 429, "quota_exceeded")


async def test_the_billing_routes_are_in_the_openapi_document(api: httpx.AsyncClient) -> None:
    document = (await api.get("/schema/openapi.json")).json()
    paths = document["paths"]

    assert paths["/subscribe/pro"]["post"]["security"] == [{"bearer": []}]
    assert paths["/subscribe/portal"]["post"]["security"] == [{"bearer": []}]
    assert "no_billing_account" in paths["/subscribe/portal"]["post"]["description"]
    webhook = paths["/webhook/stripe"]["post"]
    assert "security" not in webhook
    assert [p["name"] for p in webhook["parameters"]] == ["stripe-signature"]
