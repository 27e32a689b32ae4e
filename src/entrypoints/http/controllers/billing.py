"""/subscribe and /webhook/stripe: Pro checkout, the customer portal, Stripe's events."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.params import HeaderParameter

from entrypoints.http import messages
from entrypoints.http.auth import current_user
from entrypoints.http.limits import STRIPE_WEBHOOK_MAX_BODY
from entrypoints.http.openapi import errors
from entrypoints.http.schemas import CheckoutOut, DoneOut, Envelope, PortalOut, ReceivedOut, ok
from gemini_core.model import User
from gemini_core.services import BillingService


class BillingController(Controller):
    path = "/subscribe"
    tags = ["billing"]
    dependencies = {"user": Provide(current_user)}

    @post(
        "/pro",
        status_code=200,
        security=[{"bearer": []}],
        summary="Start a Stripe Checkout for the Pro tier",
        responses=errors(401, 409, 502, 503),
        description=(
            "Answers the URL of a Stripe Checkout page. The tier changes only when "
            "Stripe's webhook confirms the payment. A repeated call within a few "
            "minutes answers the same session. 409 `already_subscribed` while Pro "
            "(or past due: use the portal), 503 `billing_unavailable` when Stripe is "
            "not configured, 502 `billing_error` when Stripe refuses."
        ),
    )
    async def pro(self, billing: BillingService, user: User) -> Envelope[CheckoutOut]:
        session = await billing.start_checkout(user)
        return ok(CheckoutOut(checkout_url=session.url, session_id=session.id))

    @post(
        "/portal",
        status_code=200,
        security=[{"bearer": []}],
        summary="Open the Stripe customer portal (cancel, change card, invoices)",
        responses=errors(401, 409, 502, 503),
        description=(
            "Answers the URL of a Stripe Billing Portal session for the caller. "
            "409 `no_billing_account` before the first checkout, 503 "
            "`billing_unavailable` when Stripe is not configured, 502 `billing_error` "
            "when Stripe refuses."
        ),
    )
    async def portal(self, billing: BillingService, user: User) -> Envelope[PortalOut]:
        return ok(PortalOut(portal_url=await billing.portal_url(user)))

    # Where Stripe sends the browser back to (PUBLIC_URL defaults to this API).
    # They only say what happens next: the tier follows the webhooks.

    @get(
        "/success",
        summary="Where Checkout returns after a payment",
        description="A page for the browser; the tier follows Stripe's webhooks.",
    )
    async def success(self) -> Envelope[DoneOut]:
        return ok(DoneOut(message=messages.PAYMENT_RECEIVED))

    @get(
        "/cancel",
        summary="Where Checkout returns when the payment is abandoned",
        description="A page for the browser; nothing changes.",
    )
    async def cancel(self) -> Envelope[DoneOut]:
        return ok(DoneOut(message=messages.CHECKOUT_CANCELLED))

    @get(
        "/return",
        summary="Where the customer portal returns",
        description="A page for the browser; changes follow Stripe's webhooks.",
    )
    async def portal_return(self) -> Envelope[DoneOut]:
        return ok(DoneOut(message=messages.PORTAL_CHANGES))


class StripeWebhookController(Controller):
    path = "/webhook"
    tags = ["billing"]

    @post(
        "/stripe",
        status_code=200,
        summary="Stripe's webhook events (signed)",
        request_max_body_size=STRIPE_WEBHOOK_MAX_BODY,
        responses=errors(400, 413, 503),
        description=(
            "The raw event as Stripe posts it, with its `Stripe-Signature` header. "
            "400 `invalid_signature` for a missing or bad signature, a timestamp "
            "older than 300 s or a body that is not an event; each event id is "
            "applied once; a failure while applying answers 5xx so Stripe retries. "
            "A signed event whose subscription is in a status this server does not "
            "know is acknowledged (200), logged and not applied. Bodies up to 1 MiB."
        ),
    )
    async def stripe(
        self,
        request: Request[Any, Any, Any],
        billing: BillingService,
        stripe_signature: Annotated[
            str | None,
            HeaderParameter(name="stripe-signature", description="Stripe's t=...,v1=... signature"),
        ] = None,
    ) -> Envelope[ReceivedOut]:
        # The signature covers the exact bytes: never a re-encoded body.
        await billing.handle_webhook(await request.body(), stripe_signature)
        return ok(ReceivedOut(received=True))
