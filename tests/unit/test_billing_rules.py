"""Billing's rules, on the services the composition root wires (embedded
default) with a scripted payment provider (``FakeBillingGateway``), without HTTP.

The provider's webhooks are the source of truth: the tier follows the stored
subscription's status, each event re-reads the provider's current state, an
event about an older, ended subscription does not replace a newer one, and
each event id is applied at most once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from adapters.memory import InMemoryUserCache
from entrypoints.bootstrap import bootstrap
from entrypoints.container import Container
from gemini_core.errors import BillingError, InvalidSignature, ServiceUnavailable
from gemini_core.model import SubscriptionStatus, Tier, User
from gemini_core.model.billing import PAST_DUE_GRACE
from gemini_core.ports import BillingEvent, SubscriptionSnapshot, UnitOfWorkFactory, UserCache
from gemini_core.services import BillingService, QuotaService, TierService
from gemini_core.services.user_records import UserRecords
from tests.support.api import make_settings
from tests.support.core import add_user, stored_subscription
from tests.support.fakes import (
    FakeBillingGateway,
    FakeClock,
    RecordingQueue,
    ScriptedModel,
    cheap_hasher,
)

_event_numbers = itertools.count(1)


class Billing:
    """The billing service, the provider it talks to, and one user."""

    def __init__(self, container: Container, provider: FakeBillingGateway, user: User) -> None:
        self.container = container
        self.provider = provider
        self.user = user
        self.service = container.resolve(BillingService)
        self.tiers = container.resolve(TierService)
        self.quota = container.resolve(QuotaService)

    def subscription(
        self,
        status: SubscriptionStatus,
        *,
        subscription_id: str = "sub_1",
        period_end: datetime | None = None,
    ) -> SubscriptionSnapshot:
        """Set the provider's current state of one of the user's subscriptions."""
        return self.provider.put(
            SubscriptionSnapshot(
                subscription_id=subscription_id,
                customer_id="cus_1",
                status=status,
                current_period_end=period_end,
                user_id=self.user.id,
            )
        )

    def event(
        self,
        snapshot: SubscriptionSnapshot,
        *,
        type: str = "customer.subscription.updated",
        created: int = 1_000,
        event_id: str | None = None,
    ) -> BillingEvent:
        """An event about ``snapshot``, carrying it as its (possibly stale) copy."""
        return BillingEvent(
            id=event_id or f"evt_{next(_event_numbers)}",
            type=type,
            created=created,
            customer_id=snapshot.customer_id,
            subscription_id=snapshot.subscription_id,
            subscription=snapshot,
        )

    async def deliver(self, event: BillingEvent) -> None:
        await self.service.handle_webhook(*self.provider.delivery(event))

    async def tier(self) -> Tier:
        return await self.tiers.tier(self.user.id)

    async def status(self) -> SubscriptionStatus:
        return (await self.tiers.subscription(self.user.id)).status


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@contextlib.asynccontextmanager
async def billing_with(
    tmp_path: Path, clock: FakeClock, user_cache: UserCache | None = None
) -> AsyncIterator[Billing]:
    """The services on the embedded default, with a scripted provider (and
    ``user_cache`` in place of the default one, if given)."""
    provider = FakeBillingGateway()
    overrides = {} if user_cache is None else {"user_cache": user_cache}
    async with bootstrap(
        make_settings(tmp_path),
        clock=clock,
        model=ScriptedModel(),
        hasher=cheap_hasher(),
        queue=RecordingQueue(),
        billing=provider,
        **overrides,
    ) as container:
        yield Billing(container, provider, await add_user(container))


@pytest.fixture
async def billing(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Billing]:
    async with billing_with(tmp_path, clock) as billing:
        yield billing


# -- the tier follows the status ---------------------------------------------


@pytest.mark.parametrize(
    ("status", "tier"),
    [
        (SubscriptionStatus.ACTIVE, Tier.PRO),
        (SubscriptionStatus.TRIALING, Tier.PRO),
        (SubscriptionStatus.INCOMPLETE, Tier.BASIC),
        (SubscriptionStatus.INCOMPLETE_EXPIRED, Tier.BASIC),
        (SubscriptionStatus.CANCELED, Tier.BASIC),
        (SubscriptionStatus.UNPAID, Tier.BASIC),
        (SubscriptionStatus.PAUSED, Tier.BASIC),
    ],
)
async def test_the_tier_follows_the_subscription_status(
    billing: Billing, status: SubscriptionStatus, tier: Tier
) -> None:
    await billing.deliver(billing.event(billing.subscription(status)))

    assert await billing.status() is status
    assert await billing.tier() is tier
    limit = await billing.quota.limit_for(billing.user.id)
    assert limit == (None if tier is Tier.PRO else 5)


async def test_a_checkout_alone_does_not_grant_pro(billing: Billing) -> None:
    session = await billing.service.start_checkout(billing.user)

    assert session.url.startswith("https://")
    assert await billing.tier() is Tier.BASIC


async def test_active_gives_pro_and_a_cancellation_takes_it_away(billing: Billing) -> None:
    await billing.deliver(billing.event(billing.subscription(SubscriptionStatus.ACTIVE)))
    assert await billing.tier() is Tier.PRO

    canceled = billing.subscription(SubscriptionStatus.CANCELED)
    await billing.deliver(billing.event(canceled, type="customer.subscription.deleted"))

    assert await billing.tier() is Tier.BASIC


async def test_past_due_keeps_pro_for_the_grace_period_then_basic(
    billing: Billing, clock: FakeClock
) -> None:
    period_end = clock.now()
    past_due = billing.subscription(SubscriptionStatus.PAST_DUE, period_end=period_end)

    await billing.deliver(billing.event(past_due, type="invoice.payment_failed"))

    assert await billing.tier() is Tier.PRO
    clock.current = period_end + PAST_DUE_GRACE - timedelta(seconds=1)
    assert await billing.tier() is Tier.PRO
    clock.current = period_end + PAST_DUE_GRACE
    assert await billing.tier() is Tier.BASIC
    assert await billing.quota.limit_for(billing.user.id) == 5


async def test_past_due_without_a_period_end_is_basic(billing: Billing) -> None:
    await billing.deliver(billing.event(billing.subscription(SubscriptionStatus.PAST_DUE)))

    assert await billing.tier() is Tier.BASIC


# -- order: the provider's current state wins ----------------------------------


async def test_an_older_event_delivered_late_does_not_overwrite_the_newer_state(
    billing: Billing,
) -> None:
    active = billing.subscription(SubscriptionStatus.ACTIVE)
    older = billing.event(active, created=1_000)
    canceled = billing.subscription(SubscriptionStatus.CANCELED)
    newer = billing.event(canceled, type="customer.subscription.deleted", created=2_000)

    await billing.deliver(newer)
    await billing.deliver(older)  # carries the stale "active" copy

    stored = await stored_subscription(billing.container, billing.user)
    assert stored is not None
    assert (stored.status, stored.event_created) == (SubscriptionStatus.CANCELED, 2_000)
    assert await billing.tier() is Tier.BASIC


async def test_a_late_event_of_an_ended_subscription_does_not_take_pro_away(
    billing: Billing,
) -> None:
    new = billing.subscription(SubscriptionStatus.ACTIVE, subscription_id="sub_new")
    await billing.deliver(billing.event(new, created=2_000))
    old = billing.subscription(SubscriptionStatus.CANCELED, subscription_id="sub_old")

    await billing.deliver(billing.event(old, type="customer.subscription.deleted", created=1_000))

    stored = await stored_subscription(billing.container, billing.user)
    assert stored is not None and stored.subscription_id == "sub_new"
    assert await billing.tier() is Tier.PRO


async def test_a_new_subscription_replaces_an_ended_one(billing: Billing) -> None:
    old = billing.subscription(SubscriptionStatus.CANCELED, subscription_id="sub_old")
    await billing.deliver(billing.event(old, type="customer.subscription.deleted"))
    new = billing.subscription(SubscriptionStatus.ACTIVE, subscription_id="sub_new")

    await billing.deliver(billing.event(new, type="customer.subscription.created"))

    stored = await stored_subscription(billing.container, billing.user)
    assert stored is not None and stored.subscription_id == "sub_new"
    assert await billing.tier() is Tier.PRO


# -- once per event id -----------------------------------------------------------


async def test_the_same_event_id_applied_twice_changes_once(billing: Billing) -> None:
    event = billing.event(billing.subscription(SubscriptionStatus.ACTIVE))
    await billing.deliver(event)
    # The provider's state moves on without this event saying so.
    billing.subscription(SubscriptionStatus.CANCELED)

    await billing.deliver(event)

    assert billing.provider.fetched == ["sub_1"]
    assert await billing.status() is SubscriptionStatus.ACTIVE


async def test_one_event_delivered_five_times_at_once_is_applied_once(billing: Billing) -> None:
    event = billing.event(billing.subscription(SubscriptionStatus.ACTIVE))

    await asyncio.gather(*(billing.deliver(event) for _ in range(5)))

    assert billing.provider.fetched == ["sub_1"]
    assert await billing.tier() is Tier.PRO


async def test_a_provider_failure_changes_nothing_and_the_retry_applies(billing: Billing) -> None:
    event = billing.event(billing.subscription(SubscriptionStatus.ACTIVE))
    billing.provider.fail_fetches = 1

    with pytest.raises(BillingError):
        await billing.deliver(event)
    assert await billing.tier() is Tier.BASIC

    await billing.deliver(event)  # the provider's retry of the same event id
    assert await billing.tier() is Tier.PRO


# -- the tier the cached user carries ---------------------------------------


async def cached_tier(billing: Billing) -> Tier:
    """The tier of the user as a request reads them: through the user cache."""
    records = UserRecords(
        billing.container.resolve(UnitOfWorkFactory), billing.container.resolve(UserCache)
    )
    user = await records.cached(billing.user.id)
    assert user is not None
    return billing.tiers.tier_of_user(user)


async def test_a_webhook_changes_the_tier_of_a_cached_user_at_once(billing: Billing) -> None:
    assert await cached_tier(billing) is Tier.BASIC  # now cached as Basic
    await billing.deliver(billing.event(billing.subscription(SubscriptionStatus.ACTIVE)))
    assert await cached_tier(billing) is Tier.PRO
    await billing.deliver(
        billing.event(billing.subscription(SubscriptionStatus.CANCELED), created=2_000)
    )
    assert await cached_tier(billing) is Tier.BASIC


class UnreachableHolds:
    """A user cache whose holds fail while ``down``, as Redis down would."""

    def __init__(self, inner: UserCache) -> None:
        self.inner = inner
        self.down = True

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.inner.get(user_id)

    async def fill(self, user: User) -> None:
        await self.inner.fill(user)

    async def hold(self, user_id: uuid.UUID) -> None:
        if self.down:
            raise ServiceUnavailable("redis is unreachable")
        await self.inner.hold(user_id)

    async def replace(self, user: User) -> None:
        await self.inner.replace(user)


async def test_a_cache_that_cannot_be_held_fails_the_event_and_the_retry_applies(
    tmp_path: Path, clock: FakeClock
) -> None:
    cache = UnreachableHolds(InMemoryUserCache(clock))
    async with billing_with(tmp_path, clock, cache) as billing:
        assert await cached_tier(billing) is Tier.BASIC
        event = billing.event(billing.subscription(SubscriptionStatus.ACTIVE))
        with pytest.raises(ServiceUnavailable):
            await billing.deliver(event)
        # Not applied, so no process is left reading the old tier from the cache.
        assert await billing.status() is SubscriptionStatus.NONE
        cache.down = False
        await billing.deliver(event)  # the provider's retry of the same event id
        assert await cached_tier(billing) is Tier.PRO


# -- what is not applied -----------------------------------------------------------


async def test_a_bad_signature_changes_nothing(billing: Billing) -> None:
    event = billing.event(billing.subscription(SubscriptionStatus.ACTIVE))
    body, _ = billing.provider.delivery(event)

    with pytest.raises(InvalidSignature):
        await billing.service.handle_webhook(body, "forged")

    assert billing.provider.fetched == []
    assert await billing.tier() is Tier.BASIC
    await billing.deliver(event)  # the same event, properly signed, applies
    assert await billing.tier() is Tier.PRO


async def test_other_event_types_are_ignored_and_not_recorded(
    billing: Billing, clock: FakeClock
) -> None:
    snapshot = billing.subscription(SubscriptionStatus.ACTIVE)
    event = billing.event(snapshot, type="customer.updated")

    await billing.deliver(event)

    assert billing.provider.fetched == []
    assert await billing.tier() is Tier.BASIC
    async with billing.container.resolve(UnitOfWorkFactory)() as uow:
        assert await uow.processed_events.add(event.id, clock.now())  # not there yet


async def test_an_event_without_a_subscription_keeps_the_customer_for_later_events(
    billing: Billing,
) -> None:
    completed = BillingEvent(
        id="evt_checkout",
        type="checkout.session.completed",
        created=1_000,
        customer_id="cus_1",
        user_id=billing.user.id,
    )
    await billing.deliver(completed)
    stored = await stored_subscription(billing.container, billing.user)
    assert stored is not None and stored.customer_id == "cus_1"
    assert await billing.tier() is Tier.BASIC

    # An invoice event names only the customer: the user is found by it.
    billing.subscription(SubscriptionStatus.ACTIVE)
    paid = BillingEvent(
        id="evt_invoice",
        type="invoice.paid",
        created=1_001,
        customer_id="cus_1",
        subscription_id="sub_1",
    )
    await billing.deliver(paid)

    assert await billing.tier() is Tier.PRO


async def test_an_event_of_no_known_user_changes_nothing(billing: Billing) -> None:
    stranger = SubscriptionSnapshot(
        subscription_id="sub_x",
        customer_id="cus_stranger",
        status=SubscriptionStatus.ACTIVE,
        user_id=uuid.uuid4(),
    )
    billing.provider.put(stranger)

    await billing.deliver(billing.event(stranger))

    assert billing.provider.fetched == []
    assert await billing.tier() is Tier.BASIC
