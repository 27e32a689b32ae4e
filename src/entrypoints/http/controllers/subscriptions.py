"""/subscription: the caller's tier, billing state and usage."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import Provide

from entrypoints.http.auth import current_user
from entrypoints.http.billing_schemas import BillingOut, SubscriptionStatusOut
from entrypoints.http.openapi import errors
from entrypoints.http.schemas import Envelope, ok
from entrypoints.http.usage_schemas import UsageOut
from gemini_core.model import User
from gemini_core.services import BillingService, QuotaService, TierService


class SubscriptionController(Controller):
    path = "/subscription"
    tags = ["billing"]
    dependencies = {"user": Provide(current_user)}
    security = [{"bearer": []}]

    @get(
        "/status",
        summary="Tier, subscription state and today's usage",
        description=(
            "`usage.daily_limit` is null on Pro (no daily limit); `usage.daily_token_budget` "
            "is null where the tier has no token budget. `billing` says whether "
            "this server can take payments at all, so a client can disable its upgrade "
            "button with the reason before anyone presses it."
        ),
        responses=errors(401, 503),
    )
    async def status(
        self, tiers: TierService, quota: QuotaService, billing: BillingService, user: User
    ) -> Envelope[SubscriptionStatusOut]:
        subscription = await tiers.subscription(user.id)
        usage = await quota.usage(user.id)
        return ok(
            SubscriptionStatusOut(
                tier=tiers.tier_of(subscription).value,
                status=subscription.status.value,
                current_period_end=subscription.current_period_end,
                cancel_at_period_end=subscription.cancel_at_period_end,
                usage=UsageOut(
                    used_today=usage.used,
                    daily_limit=usage.limit,
                    tokens_today=usage.tokens_used,
                    daily_token_budget=usage.token_budget,
                    resets_at=usage.resets_at,
                ),
                billing=BillingOut(
                    available=billing.unavailable_reason is None,
                    reason=billing.unavailable_reason,
                ),
            )
        )
