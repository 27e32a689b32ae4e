"""Subscriptions and the tier they grant."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta

import msgspec

# A renewal that failed to charge keeps Pro for this long after the period
# ended, so one declined card does not cut a paying user off mid-day while
# Stripe's own retries run.
PAST_DUE_GRACE = timedelta(days=3)


class Tier(enum.StrEnum):
    """What a user's subscription entitles them to, such as their daily
    prompt limit; derived from the subscription, never stored."""

    BASIC = "basic"
    PRO = "pro"


class SubscriptionStatus(enum.StrEnum):
    """Stripe's subscription statuses, plus ``none`` for never subscribed."""

    NONE = "none"
    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"


class Subscription(msgspec.Struct, frozen=True, kw_only=True):
    """What we keep of a user's subscription at the payment provider, as
    the provider last reported it; ``tier`` reads what it grants."""

    user_id: uuid.UUID
    status: SubscriptionStatus = SubscriptionStatus.NONE
    customer_id: str | None = None
    subscription_id: str | None = None
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    # ``created`` of the Stripe event that last set the state, for ordering.
    event_created: int = 0

    def tier(self, now: datetime) -> Tier:
        """Pro while active or trialing, and past_due within the grace period."""
        return tier_granted(self.status, self.current_period_end, now)


def tier_granted(
    status: SubscriptionStatus, current_period_end: datetime | None, now: datetime
) -> Tier:
    """The tier a subscription in ``status`` whose period ends at
    ``current_period_end`` grants at ``now``: Pro while active or trialing,
    and past_due within the grace period."""
    if status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING):
        return Tier.PRO
    if (
        status is SubscriptionStatus.PAST_DUE
        and current_period_end is not None
        and now < current_period_end + PAST_DUE_GRACE
    ):
        return Tier.PRO
    return Tier.BASIC
