"""Billing on PostgreSQL: the webhook's once-only and any-order guarantees
rest on the database (a unique processed-events row, a locked subscription
row), so they are pinned here with real concurrent transactions."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.api import login, make_settings, running_app
from tests.support.fakes import FakeClock, ScriptedModel, cheap_hasher
from tests.support.stripe_loopback import StripeLoopback, make_event, make_subscription
from tests.unit.test_api_billing import (
    BILLING_LOGGER,
    billing_env,
    deliver,
    deliver_concurrently,
    lifecycle,
    processed_events,
    run_pro_journey,
    status_of,
    tier_of,
    user_id_of,
)

pytestmark = [
    pytest.mark.integration,
    # The SDK hands httpx a str body with ``data=``, which httpx deprecates.
    pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning"),
]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def pg_api(
    tmp_path: Path, migrated_database: str, server: StripeLoopback, clock: FakeClock
) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(tmp_path, DATABASE_URL=migrated_database, **billing_env(server))
    async with running_app(
        settings, clock=clock, hasher=cheap_hasher(), model=ScriptedModel()
    ) as client:
        yield client


async def test_the_whole_pro_journey_on_postgres(
    pg_api: httpx.AsyncClient, server: StripeLoopback, clock: FakeClock
) -> None:
    await run_pro_journey(pg_api, server, clock)


async def test_one_event_delivered_five_times_at_once_is_applied_once_on_postgres(
    pg_api: httpx.AsyncClient, server: StripeLoopback, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=BILLING_LOGGER)
    headers = await login(pg_api)
    user = await user_id_of(pg_api, headers)
    subscription = server.put_subscription(make_subscription(user_id=user))
    server.latency = 0.05  # the deliveries overlap while the first reads Stripe

    responses = await deliver_concurrently(
        pg_api, make_event("customer.subscription.created", subscription)
    )

    assert [r.status_code for r in responses] == [200] * 5, [r.text for r in responses]
    assert await processed_events(pg_api) == 1
    assert len(server.requests_to("GET", f"/v1/subscriptions/{subscription['id']}")) == 1
    assert len([r for r in caplog.records if "is now" in r.getMessage()]) == 1
    assert await tier_of(pg_api, headers) == "pro"


@pytest.mark.parametrize(("ends", "tier"), [("active", "pro"), ("canceled", "basic")])
async def test_a_lifecycle_delivered_all_at_once_ends_in_stripes_state_on_postgres(
    pg_api: httpx.AsyncClient, server: StripeLoopback, ends: str, tier: str
) -> None:
    headers = await login(pg_api)
    user: uuid.UUID = await user_id_of(pg_api, headers)
    events, _ = lifecycle(user, server, ends=ends)
    server.latency = 0.02

    responses = await asyncio.gather(*(deliver(pg_api, event) for event in events))

    assert [r.status_code for r in responses] == [200] * len(events)
    assert await processed_events(pg_api) == len(events)
    status = await status_of(pg_api, headers)
    assert (status["tier"], status["status"]) == (tier, ends)
