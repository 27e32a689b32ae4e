"""/subscribe and /webhook/stripe: Pro checkout, the customer portal, Stripe's events."""

from __future__ import annotations

from typing import Annotated, Any, cast

from litestar import Controller, MediaType, Request, get, post
from litestar.di import Provide
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter
from litestar.response import Redirect

from entrypoints.http import messages
from entrypoints.http.auth import current_user
from entrypoints.http.billing_schemas import CheckoutOut, PortalOut, ReceivedOut
from entrypoints.http.limits import STRIPE_WEBHOOK_MAX_BODY
from entrypoints.http.openapi import errors
from entrypoints.http.schemas import DoneOut, Envelope, ok
from gemini_core.model import User
from gemini_core.services import BillingService

_RETURN_PAGE = (
    "A page for the browser: one that asks for `text/html` is sent (303) to the "
    "chat client at `/?{notice}`, which says what happens next and refreshes the "
    "plan; anything else gets this message as JSON. The tier follows Stripe's "
    "webhooks, never this page."
)
_TO_THE_CLIENT = {
    303: ResponseSpec(
        data_container=None,
        description="A browser: on to the chat client, which shows the message",
        generate_examples=False,
    )
}


def _answer(request: Request[Any, Any, Any], notice: str, message: str) -> Envelope[DoneOut]:
    """JSON for API clients; a browser goes back to the chat client."""
    wanted = request.accept.best_match([MediaType.JSON, MediaType.HTML], MediaType.JSON)
    if wanted == MediaType.HTML:
        # Litestar serves a Response from any handler as it is; the handlers
        # keep the JSON shape as their annotation so that the document shows
        # it, and declare the 303 in ``responses``.
        return cast(Envelope[DoneOut], Redirect(f"/?checkout={notice}", status_code=303))
    return ok(DoneOut(message=message))


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
    # They only say what happens next: the tier follows the webhooks. A
    # browser (it asks for HTML) is sent on to the chat client at /, which
    # shows the same words and refreshes the plan; API clients get JSON.

    @get(
        "/success",
        summary="Where Checkout returns after a payment",
        description=_RETURN_PAGE.format(notice="checkout=success"),
        responses=_TO_THE_CLIENT,
    )
    async def success(self, request: Request[Any, Any, Any]) -> Envelope[DoneOut]:
        return _answer(request, "success", messages.PAYMENT_RECEIVED)

    @get(
        "/cancel",
        summary="Where Checkout returns when the payment is abandoned",
        description=_RETURN_PAGE.format(notice="checkout=cancelled"),
        responses=_TO_THE_CLIENT,
    )
    async def cancel(self, request: Request[Any, Any, Any]) -> Envelope[DoneOut]:
        return _answer(request, "cancelled", messages.CHECKOUT_CANCELLED)

    @get(
        "/return",
        summary="Where the customer portal returns",
        description=_RETURN_PAGE.format(notice="checkout=portal"),
        responses=_TO_THE_CLIENT,
    )
    async def portal_return(self, request: Request[Any, Any, Any]) -> Envelope[DoneOut]:
        return _answer(request, "portal", messages.PORTAL_CHANGES)


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
