"""Response shapes of the billing routes: the subscription's state, and
the Stripe pages a client is sent to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from entrypoints.http import fields as f
from entrypoints.http.fields import doc
from entrypoints.http.usage_schemas import UsageOut


class BillingOut(msgspec.Struct):
    """Whether this server can take payments, before anyone tries."""

    available: Annotated[
        bool, doc("whether `POST /subscribe/pro` and `/subscribe/portal` can work here", False)
    ]
    reason: Annotated[
        str | None,
        doc(
            "why not, in the words a 503 `billing_unavailable` would carry; null when available",
            "billing is not configured on this server",
            None,
        ),
    ]


class SubscriptionStatusOut(msgspec.Struct):
    """The caller's tier, their Stripe subscription and today's usage."""

    tier: Annotated[str, doc("`basic` or `pro`", "basic", "pro")]
    status: Annotated[
        str,
        doc(
            "the Stripe subscription's status, `none` before any (`active`, `past_due`, "
            "`canceled`, ...)",
            "none",
            "active",
        ),
    ]
    current_period_end: Annotated[
        datetime | None,
        doc("when the paid period ends; null without a subscription", None, "2025-02-15T09:50:00Z"),
    ]
    cancel_at_period_end: Annotated[
        bool, doc("whether the subscription ends with the paid period", False)
    ]
    usage: Annotated[UsageOut, doc("today's prompts and tokens")]
    billing: Annotated[BillingOut, doc("whether upgrading is possible on this server")]


class CheckoutOut(msgspec.Struct):
    """A Stripe Checkout session to pay for Pro."""

    checkout_url: Annotated[str, doc("the Checkout page to send the browser to", f.CHECKOUT_URL)]
    session_id: Annotated[str, doc("Stripe's id of the session", f.CHECKOUT_SESSION_ID)]


class PortalOut(msgspec.Struct):
    """A Stripe customer portal session."""

    portal_url: Annotated[str, doc("the portal page to send the browser to", f.PORTAL_URL)]


class ReceivedOut(msgspec.Struct):
    """Stripe's event was received."""

    received: Annotated[bool, doc("always true", True)]
